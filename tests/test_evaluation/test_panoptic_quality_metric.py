"""PanopticQualityMetric, pq_stats and summarize_pq on hand-built maps.

Every expected number is computed by hand in the test from the definition of
Kirillov et al., "Panoptic Segmentation", CVPR 2019 (COCO conventions):
a match needs IoU > 0.5 with the prediction's VOID pixels left out of the
union, PQ_c = sum IoU / (TP + FP/2 + FN/2), SQ_c = sum IoU / TP,
RQ_c = TP / (TP + FP/2 + FN/2), averaged over the categories that occur,
in percent. Maps are single rows built from runs ``(id, length)`` so that
the pixel counts can be read off the test.
"""
import numpy as np
import pytest
import torch
from mmengine.evaluator import Evaluator
from mmengine.structures import PixelData
from mmseg.registry import METRICS
from mmseg.structures import SegDataSample

import mmseg_maskattn  # noqa: F401
from mmseg_maskattn.evaluation import (PanopticQualityMetric, pq_stats,
                                       summarize_pq)

# Category ids deliberately differ from the indices (0..3).
CATS = [
    dict(id=11, name='person', isthing=1),
    dict(id=12, name='car', isthing=1),
    dict(id=21, name='sky', isthing=0),
    dict(id=22, name='grass', isthing=0),
]
PERSON, CAR, SKY, GRASS = 11, 12, 21, 22


def row(*runs):
    """A (1, N) id map from ``(id, length)`` runs, left to right."""
    return np.concatenate([np.full(n, i, dtype=np.int64)
                           for i, n in runs])[None]


def seg(seg_id, category_id, iscrowd=0, **kw):
    return dict(id=seg_id, category_id=category_id, iscrowd=iscrowd, **kw)


def run_pq(pred, pred_segs, gt, gt_segs, **kw):
    stats = pq_stats(pred, pred_segs, gt, gt_segs, categories=CATS, **kw)
    return stats, summarize_pq(stats, CATS)


def counts(stats, name):
    c = [cat['name'] for cat in CATS].index(name)
    return (int(stats['tp'][c]), int(stats['fp'][c]), int(stats['fn'][c]),
            float(stats['iou_sum'][c]))


def test_perfect_prediction_and_absent_categories_excluded():
    # 4x4: person on the left half, sky on the right; pred uses other ids.
    gt = np.array([[1, 1, 2, 2]] * 4)
    pred = np.array([[7, 7, 9, 9]] * 4)
    stats, res = run_pq(pred, [seg(7, PERSON), seg(9, SKY)], gt,
                        [seg(1, PERSON), seg(2, SKY)])
    assert counts(stats, 'person') == (1, 0, 0, 1.0)
    assert counts(stats, 'sky') == (1, 0, 0, 1.0)
    for group in ('All', 'Things', 'Stuff'):
        assert res[group]['pq'] == pytest.approx(100.0)
        assert res[group]['sq'] == pytest.approx(100.0)
        assert res[group]['rq'] == pytest.approx(100.0)
    # car and grass occur in neither map: left out of the mean and the list.
    assert res['All']['n'] == 2
    assert set(res['per_class']) == {'person', 'sky'}


def test_tp_fn_fp_in_one_category_and_things_stuff_split():
    # GT: person A (10 px), person B (5 px), sky S (10 px).
    gt = row((1, 10), (2, 5), (3, 10))
    # pred: person P1 on 6 px of A, nothing on 4 px of A and all of B,
    # sky P3 on 7 px of S, person P2 on the last 3 px of S.
    pred = row((5, 6), (0, 4), (0, 5), (7, 7), (6, 3))
    stats, res = run_pq(
        pred, [seg(5, PERSON), seg(6, PERSON), seg(7, SKY)], gt,
        [seg(1, PERSON), seg(2, PERSON), seg(3, SKY)])
    # IoU(P1, A) = 6 / (6 + 10 - 6) = 0.6 -> TP; B unmatched -> FN;
    # P2 has no person GT and no VOID/crowd under it -> FP.
    assert counts(stats, 'person') == (1, 1, 1, pytest.approx(0.6))
    # IoU(P3, S) = 7 / (7 + 10 - 7) = 0.7 -> TP.
    assert counts(stats, 'sky') == (1, 0, 0, pytest.approx(0.7))
    pq_person = 0.6 / (1 + 1 / 2 + 1 / 2)  # 0.3
    sq_person = 0.6 / 1
    rq_person = 1 / (1 + 1 / 2 + 1 / 2)  # 0.5
    assert res['per_class']['person']['pq'] == pytest.approx(100 * pq_person)
    assert res['per_class']['person']['sq'] == pytest.approx(100 * sq_person)
    assert res['per_class']['person']['rq'] == pytest.approx(100 * rq_person)
    pq_sky, sq_sky, rq_sky = 0.7 / 1, 0.7 / 1, 1 / 1
    assert res['Things'] == pytest.approx(
        dict(pq=30.0, sq=60.0, rq=50.0, n=1))
    assert res['Stuff'] == pytest.approx(dict(pq=70.0, sq=70.0, rq=100.0,
                                              n=1))
    assert res['All'] == pytest.approx(
        dict(
            pq=100 * (pq_person + pq_sky) / 2,  # 50
            sq=100 * (sq_person + sq_sky) / 2,  # 65
            rq=100 * (rq_person + rq_sky) / 2,  # 75
            n=2))


def test_iou_exactly_half_is_not_a_match():
    # GT person A: 10 px; pred person P on 5 of them, the rest unpredicted.
    gt = row((1, 10))
    pred = row((5, 5), (0, 5))
    # IoU = 5 / (5 + 10 - 5) = 0.5, not > 0.5: FN for A and FP for P.
    stats, res = run_pq(pred, [seg(5, PERSON)], gt, [seg(1, PERSON)])
    assert counts(stats, 'person') == (0, 1, 1, 0.0)
    assert res['All'] == dict(pq=0.0, sq=0.0, rq=0.0, n=1)
    # One more pixel: IoU = 6 / 10 = 0.6 -> a match.
    stats, _ = run_pq(row((5, 6), (0, 4)), [seg(5, PERSON)], gt,
                      [seg(1, PERSON)])
    assert counts(stats, 'person') == (1, 0, 0, pytest.approx(0.6))


def test_void_pixels_are_removed_from_the_union():
    # GT: person A (4 px), then 5 VOID px. pred: person P on 3 px of A and
    # on all 5 VOID px; the 4th px of A is not predicted.
    gt = row((1, 4), (0, 5))
    pred = row((5, 3), (0, 1), (5, 5))
    # Plain IoU: 3 / (8 + 4 - 3) = 1/3 (no match). Without P's 5 VOID px:
    # 3 / (8 + 4 - 3 - 5) = 3 / 4 = 0.75 -> match.
    stats, res = run_pq(pred, [seg(5, PERSON)], gt, [seg(1, PERSON)])
    assert counts(stats, 'person') == (1, 0, 0, pytest.approx(0.75))
    assert res['All']['pq'] == pytest.approx(75.0)
    # Custom VOID id: the same map with 9 as VOID and 0 as a listed segment.
    stats, _ = run_pq(
        np.where(pred == 0, 8, pred), [seg(5, PERSON)],
        np.where(gt == 0, 9, np.where(gt == 1, 0, gt)), [seg(0, PERSON)],
        void_ids=(9, ),
        pred_void_ids=(8, ))
    assert counts(stats, 'person') == (1, 0, 0, pytest.approx(0.75))


def test_prediction_mostly_on_void_is_not_a_false_positive():
    # GT: person A (10 px), VOID (10 px), sky S (10 px).
    gt = row((1, 10), (0, 10), (3, 10))
    # pred: P1 = A exactly; P2 car on 6 VOID px (6/6 > 0.5 VOID -> ignored);
    # P3 car on 4 VOID + 4 sky px (4/8 = 0.5, not > 0.5 -> FP);
    # P4 sky on the last 6 px of S.
    pred = row((5, 10), (6, 6), (7, 4), (7, 4), (8, 6))
    stats, res = run_pq(
        pred, [seg(5, PERSON), seg(6, CAR), seg(7, CAR), seg(8, SKY)], gt,
        [seg(1, PERSON), seg(3, SKY)])
    assert counts(stats, 'person') == (1, 0, 0, 1.0)
    assert counts(stats, 'car') == (0, 1, 0, 0.0)  # P3 only, not P2
    # IoU(P4, S) = 6 / (6 + 10 - 6) = 0.6.
    assert counts(stats, 'sky') == (1, 0, 0, pytest.approx(0.6))
    assert res['All']['pq'] == pytest.approx(100 * (1.0 + 0.0 + 0.6) / 3)


def test_crowd_regions_of_the_same_category_excuse_a_prediction():
    # GT: person crowd (10 px), car crowd (10 px), sky S (10 px).
    gt = row((1, 10), (2, 10), (3, 10))
    gt_segs = [seg(1, PERSON, 1), seg(2, CAR, 1), seg(3, SKY)]
    # P1 person on 7 px of the person crowd: 7/7 > 0.5 -> not an FP.
    # P2 person on 7 px of the car crowd: another category -> FP.
    pred = row((5, 7), (0, 3), (6, 7), (0, 3), (7, 10))
    stats, res = run_pq(pred,
                        [seg(5, PERSON), seg(6, PERSON),
                         seg(7, SKY)], gt, gt_segs)
    # A crowd region is never matched (P1 is no TP) and never an FN.
    assert counts(stats, 'person') == (0, 1, 0, 0.0)
    assert counts(stats, 'car') == (0, 0, 0, 0.0)  # absent: crowd only
    assert counts(stats, 'sky') == (1, 0, 0, 1.0)
    assert set(res['per_class']) == {'person', 'sky'}
    assert res['All'] == pytest.approx(
        dict(pq=(0 + 100) / 2, sq=(0 + 100) / 2, rq=(0 + 100) / 2, n=2))


def test_crowd_never_counts_as_false_negative():
    # Two person crowd regions and nothing predicted.
    gt = row((1, 5), (2, 5))
    stats, res = run_pq(row((0, 10)), [], gt,
                        [seg(1, PERSON, 1), seg(2, PERSON, 1)])
    assert counts(stats, 'person') == (0, 0, 0, 0.0)
    assert res['All'] == dict(pq=0.0, sq=0.0, rq=0.0, n=0)


def test_void_and_same_category_crowd_add_up():
    # GT: person crowd (3 px), VOID (2 px), sky S (10 px).
    gt = row((1, 3), (0, 2), (3, 10))
    # P person: 2 crowd + 2 VOID + 3 sky px = 7 px, (2 + 2) / 7 > 0.5 while
    # each part alone is 2/7: ignored. P2 sky on 7 px of S: IoU 0.7.
    pred = row((5, 2), (0, 1), (5, 2), (5, 3), (6, 7))
    stats, _ = run_pq(pred, [seg(5, PERSON), seg(6, SKY)], gt,
                      [seg(1, PERSON, 1), seg(3, SKY)])
    assert counts(stats, 'person') == (0, 0, 0, 0.0)
    assert counts(stats, 'sky') == (1, 0, 0, pytest.approx(0.7))


def test_image_without_any_segment():
    empty = np.zeros((3, 4), dtype=np.uint8)
    stats, res = run_pq(empty, [], empty, [])
    for key in ('tp', 'fp', 'fn', 'iou_sum'):
        assert stats[key].shape == (4, ) and not stats[key].any()
    for group in ('All', 'Things', 'Stuff'):
        assert res[group] == dict(pq=0.0, sq=0.0, rq=0.0, n=0)
    assert res['per_class'] == {}


def test_large_ids_and_listed_segments_absent_from_the_map():
    # COCO encodes ids as RGB (up to 2**24 - 1); segments listed with area 0
    # or no area but without pixels are skipped.
    big = 2**24 - 1
    gt = row((big, 4), (0, 1))
    pred = row((big - 1, 4), (0, 1)).astype(np.int32)
    stats, _ = run_pq(pred, [seg(big - 1, PERSON),
                             dict(id=3, category_id=CAR)], gt,
                      [seg(big, PERSON),
                       seg(4, SKY, area=0)])
    assert counts(stats, 'person') == (1, 0, 0, 1.0)
    assert not stats['fn'].any() and not stats['fp'].any()


def _sample(pred_map, pred_segs, gt_map, gt_segs):
    """A SegDataSample following the documented convention."""
    sample = SegDataSample()
    sample.pred_panoptic_seg = PixelData(
        sem_seg=torch.as_tensor(pred_map)[None],
        metainfo=dict(segments_info=pred_segs))
    sample.gt_panoptic_seg = PixelData(
        sem_seg=torch.as_tensor(gt_map)[None],
        metainfo=dict(segments_info=gt_segs))
    return sample


def _two_images(person=PERSON):
    # Image 1: person A predicted exactly -> TP, IoU 1.
    # Image 2: person A predicted exactly, person B not predicted -> TP + FN.
    img1 = (row((5, 10)), [dict(id=5, category_id=person)], row((1, 10)),
            [seg(1, person)])
    img2 = (row((5, 10), (0, 10)), [dict(id=5, category_id=person)],
            row((1, 10), (2, 10)), [seg(1, person), seg(2, person)])
    return img1, img2


def test_metric_accumulates_counts_over_images():
    metric = METRICS.build(dict(type='PanopticQualityMetric',
                                categories=CATS))
    assert isinstance(metric, PanopticQualityMetric)
    img1, img2 = _two_images()
    # One sample as a data element, one as the dict the evaluator makes.
    metric.process({}, [_sample(*img1)])
    metric.process({}, [_sample(*img2).to_dict()])
    assert len(metric.results) == 2
    out = metric.compute_metrics(metric.results)
    # Summed person counts: TP = 2 (IoU sum 2.0), FN = 1.
    # PQ = 2 / (2 + 1/2) = 0.8; SQ = 2 / 2 = 1; RQ = 2 / 2.5 = 0.8.
    # (The mean of per-image PQs would be (1 + 1 / 1.5) / 2 = 0.8333.)
    expected = dict(
        PQ=80.0, SQ=100.0, RQ=80.0, PQ_th=80.0, SQ_th=100.0, RQ_th=80.0,
        PQ_st=0.0, SQ_st=0.0, RQ_st=0.0, PQ_person=80.0)
    assert out == pytest.approx(expected)
    assert set(out) == set(expected)


def test_metric_through_evaluator_with_dataset_meta():
    # Categories from dataset_meta: ids are the indices in 'classes'.
    evaluator = Evaluator(PanopticQualityMetric())
    evaluator.dataset_meta = dict(
        classes=('person', 'car', 'sky', 'grass'),
        thing_classes=('person', 'car'),
        stuff_classes=('sky', 'grass'))
    img1, img2 = _two_images(person=0)
    evaluator.process([_sample(*img1), _sample(*img2)])
    # Empty third image: adds nothing, no NaN.
    empty = np.zeros((1, 4), dtype=np.int64)
    evaluator.process([_sample(empty, [], empty, [])])
    out = evaluator.evaluate(3)
    assert out['PQ'] == pytest.approx(80.0)
    assert out['PQ_person'] == pytest.approx(80.0)
    assert out['PQ_st'] == 0.0


def test_metric_on_empty_images_gives_zeros():
    metric = PanopticQualityMetric(categories=CATS)
    empty = dict(sem_seg=np.zeros((2, 2), dtype=np.int64), segments_info=[])
    metric.process({}, [dict(pred_panoptic_seg=empty, gt_panoptic_seg=empty)])
    out = metric.compute_metrics(metric.results)
    assert out == {k: 0.0 for k in ('PQ', 'SQ', 'RQ', 'PQ_th', 'SQ_th',
                                    'RQ_th', 'PQ_st', 'SQ_st', 'RQ_st')}
    assert all(np.isfinite(v) for v in out.values())


def test_unknown_predicted_category():
    with pytest.raises(ValueError,
                       match=r'predicted segment id=5 .*category_id=99'):
        run_pq(row((5, 2)), [seg(5, 99)], row((1, 2)), [seg(1, PERSON)])


def test_gt_id_missing_from_segments_info():
    with pytest.raises(ValueError,
                       match=r'ground-truth id map holds id\(s\) 7 missing'):
        run_pq(row((5, 2), (0, 2)), [seg(5, PERSON)],
               row((1, 2), (7, 2)), [seg(1, PERSON)])


def test_predicted_id_missing_from_segments_info():
    with pytest.raises(ValueError,
                       match=r'predicted id map holds id\(s\) 6 missing'):
        run_pq(row((5, 2), (6, 2)), [seg(5, PERSON)], row((1, 4)),
               [seg(1, PERSON)])


def test_shape_mismatch_names_both_shapes():
    with pytest.raises(ValueError, match=r'\(4, 4\).*\(4, 5\)'):
        run_pq(np.zeros((4, 4), int), [], np.zeros((4, 5), int), [])
    metric = PanopticQualityMetric(categories=CATS)
    with pytest.raises(ValueError, match=r'\(3, 3\).*\(2, 3\)'):
        metric.process({}, [dict(
            pred_panoptic_seg=dict(sem_seg=np.zeros((3, 3), int),
                                   segments_info=[]),
            gt_panoptic_seg=dict(sem_seg=np.zeros((1, 2, 3), int),
                                 segments_info=[]))])


def test_segment_with_area_but_no_pixel():
    with pytest.raises(ValueError,
                       match=r'ground-truth segment id=4 has area 3'):
        run_pq(row((5, 2)), [seg(5, PERSON)], row((1, 2)),
               [seg(1, PERSON), seg(4, SKY, area=3)])


@pytest.mark.parametrize('segs, message', [
    ([seg(1, PERSON), seg(1, SKY)], 'duplicate segment id 1'),
    ([seg(0, PERSON)], r'segment id 0 is a VOID id'),
    ([dict(category_id=PERSON)], r"segments_info\[0\] must be a dict with"),
])
def test_bad_gt_segments(segs, message):
    with pytest.raises(ValueError, match=message):
        run_pq(row((0, 2)), [], row((0, 2)), segs)


def test_metric_needs_categories():
    metric = PanopticQualityMetric()
    sample = dict(
        pred_panoptic_seg=dict(sem_seg=np.zeros((2, 2)), segments_info=[]),
        gt_panoptic_seg=dict(sem_seg=np.zeros((2, 2)), segments_info=[]))
    with pytest.raises(ValueError, match='needs categories'):
        metric.process({}, [sample])
    metric.dataset_meta = dict(classes=('a', 'b'))
    with pytest.raises(ValueError, match="neither 'thing_classes'"):
        metric.process({}, [sample])


def test_metric_names_a_missing_field():
    metric = PanopticQualityMetric(categories=CATS)
    sample = dict(
        pred_panoptic_seg=dict(sem_seg=np.zeros((2, 2), int)),
        gt_panoptic_seg=dict(sem_seg=np.zeros((2, 2), int),
                             segments_info=[]))
    with pytest.raises(KeyError, match=r"pred_panoptic_seg.* 'segments_info'"):
        metric.process({}, [sample])
