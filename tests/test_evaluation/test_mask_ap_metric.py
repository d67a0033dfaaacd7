"""MaskAPMetric (COCO mask AP through pycocotools) on hand-built samples.

Every expected value is computed by hand in the test from the COCO rules:
greedy matching in decreasing score order at IoU >= t, t = 0.50:0.05:0.95;
precision made monotone from the right; AP = mean of the precision at the
101 recall levels 0, 0.01, ..., 1 (the precision at the first ranked
prediction whose recall reaches the level, 0 above the highest recall);
mAP = mean over the thresholds and the classes with ground truth; percent.
"""
import logging

import numpy as np
import pytest
import torch
from mmengine.evaluator import Evaluator
from mmengine.logging import MMLogger
from mmengine.structures import InstanceData, PixelData
from mmseg.registry import METRICS
from mmseg.structures import SegDataSample

import mmseg_maskattn  # noqa: F401
from mmseg_maskattn.evaluation import MaskAPMetric

META = dict(
    classes=('background', 'cell', 'car'),
    thing_classes=('cell', 'car'),
    stuff_classes=('background', ))
BG, CELL, CAR = 0, 1, 2

# One ground-truth and one prediction at precision 1 out of two instances:
# recall 0.5, so the 51 recall levels 0..0.50 have precision 1, the other
# 50 have 0: AP = 51 / 101.
AP_ONE_OF_TWO = 100 * 51 / 101
# Two instances, ranked TP, FP, TP: recall/precision (0.5, 1), (0.5, 1/2),
# (1, 2/3); made monotone: 1 up to recall 0.5 (51 levels), 2/3 above (50).
AP_TP_FP_TP = 100 * (51 + 50 * 2 / 3) / 101


def pan(ids, segments):
    return PixelData(
        sem_seg=torch.as_tensor(np.asarray(ids))[None],
        metainfo=dict(segments_info=segments))


def gt_seg(seg_id, category_id, iscrowd=0):
    return dict(
        id=seg_id,
        category_id=category_id,
        iscrowd=iscrowd,
        isthing=category_id != BG)


def pred_seg(seg_id, category_id, score):
    return dict(
        id=seg_id,
        category_id=category_id,
        isthing=category_id != BG,
        score=score)


def sample(gt_ids, gt_segs, pred_ids=None, pred_segs=None, **preds):
    s = SegDataSample(gt_panoptic_seg=pan(gt_ids, gt_segs), **preds)
    if pred_ids is not None:
        s.pred_panoptic_seg = pan(pred_ids, pred_segs)
    return s


def evaluate(samples, meta=META, **kwargs):
    metric = MaskAPMetric(**kwargs)
    metric.dataset_meta = meta
    metric.process({}, samples)
    return metric.compute_metrics(metric.results)


def two_cells():
    """8x8: cell 1 (rows 0-1, 16 px), cell 2 (rows 6-7, 16 px), rest
    background (id 3)."""
    ids = np.full((8, 8), 3)
    ids[:2] = 1
    ids[6:] = 2
    return ids, [gt_seg(1, CELL), gt_seg(2, CELL), gt_seg(3, BG)]


def assert_all_ap(res, value):
    for key in ('mAP', 'AP50', 'AP75'):
        assert res[key] == pytest.approx(value, rel=1e-6), key


def test_perfect_prediction_and_size_ranges():
    # 48x48: a 40x40 cell (1600 px: medium) and a 2x2 car (small).
    gt = np.zeros((48, 48), dtype=np.int64)
    gt[:40, :40] = 1
    gt[44:46, 44:46] = 2
    gt_segs = [gt_seg(1, CELL), gt_seg(2, CAR)]
    # other ids and scores below 1: AP does not depend on them
    pred = gt * 5
    res = evaluate([
        sample(gt, gt_segs, pred,
               [pred_seg(5, CELL, 0.3), pred_seg(10, CAR, 0.6)])
    ])
    assert_all_ap(res, 100.0)
    assert res['APs'] == pytest.approx(100.0)  # the car
    assert res['APm'] == pytest.approx(100.0)  # the cell
    assert res['APl'] == 0.0  # no large ground truth: undefined -> 0.0


def test_one_of_two_found_with_iou_one():
    gt, gt_segs = two_cells()
    pred = np.where(gt == 1, 1, 0)
    res = evaluate(
        [sample(gt, gt_segs, pred, [pred_seg(1, CELL, 0.9)])])
    assert_all_ap(res, AP_ONE_OF_TWO)


def test_false_positive_ranked_above_a_true_positive():
    gt, gt_segs = two_cells()
    pred = np.zeros((8, 8), dtype=np.int64)
    pred[:2] = 1  # TP on cell 1
    pred[3:5] = 2  # FP on background
    pred[6:] = 3  # TP on cell 2
    res = evaluate([
        sample(gt, gt_segs, pred, [
            pred_seg(1, CELL, 0.9),
            pred_seg(2, CELL, 0.8),
            pred_seg(3, CELL, 0.7)
        ])
    ])
    assert_all_ap(res, AP_TP_FP_TP)
    # one ground truth, the FP ranked first: (recall, precision) = (0, 0),
    # (1, 1/2); made monotone 1/2 at every level: AP = 50
    one = np.where(gt == 1, 1, 3)
    res = evaluate([
        sample(one, [gt_seg(1, CELL), gt_seg(3, BG)], pred,
               [pred_seg(2, CELL, 0.9),
                pred_seg(1, CELL, 0.8)])
    ])
    assert_all_ap(res, 50.0)


def test_partial_iou_counts_at_the_low_thresholds_only():
    # gt cell 8 px, prediction 5 of them: IoU 5/8 = 0.625, a TP at
    # t = 0.50, 0.55, 0.60 and a miss above: mAP = 3 / 10 * 100.
    gt = np.zeros((4, 4), dtype=np.int64)
    gt[:2] = 1
    pred = np.zeros((4, 4), dtype=np.int64)
    pred[0] = 1
    pred[1, 0] = 1
    res = evaluate([sample(gt, [gt_seg(1, CELL)], pred,
                           [pred_seg(1, CELL, 0.5)])])
    assert res['mAP'] == pytest.approx(30.0, rel=1e-6)
    assert res['AP50'] == pytest.approx(100.0, rel=1e-6)
    assert res['AP75'] == 0.0


def test_crowd_region_covering_a_prediction_is_not_a_false_positive():
    # row 0: cell 1 on 4 px; row 1: a crowd region of cells (id 2).
    gt = np.zeros((2, 4), dtype=np.int64)
    gt[0] = 1
    gt[1] = 2
    pred = np.zeros((2, 4), dtype=np.int64)
    pred[0] = 1  # TP
    pred[1, :3] = 2  # inside the crowd, ranked first
    pred_segs = [pred_seg(1, CELL, 0.5), pred_seg(2, CELL, 0.9)]
    crowd = [gt_seg(1, CELL), gt_seg(2, CELL, iscrowd=1)]
    assert_all_ap(evaluate([sample(gt, crowd, pred, pred_segs)]), 100.0)
    # the same prediction on unlabeled pixels (id 0) is an FP ranked
    # first: AP = 50 (see above)
    void = np.where(gt == 2, 0, gt)
    assert_all_ap(
        evaluate([sample(void, [gt_seg(1, CELL)], pred, pred_segs)]), 50.0)
    # a crowd region nobody predicts is no false negative
    pred_one = np.where(pred == 1, 1, 0)
    assert_all_ap(
        evaluate(
            [sample(gt, crowd, pred_one, [pred_seg(1, CELL, 0.5)])]), 100.0)


def test_pred_instances_with_overlapping_masks():
    gt, gt_segs = two_cells()
    a, b = torch.as_tensor(gt == 1), torch.as_tensor(gt == 2)
    half_b = b.clone()
    half_b[:, 4:] = False
    # a | half_b (24 px) overlaps a and b; IoU 16/24 = 2/3 with cell 1 and
    # 8/32 with cell 2. Ranked first, then a, then b:
    # t = 0.50..0.65 (4 thresholds): a | half_b matches cell 1, a is then an
    # FP and b a TP: TP, FP, TP -> AP_TP_FP_TP.
    # t = 0.70..0.95 (6 thresholds): a | half_b is an FP, a and b are TPs:
    # (recall, precision) (0, 0), (0.5, 1/2), (1, 2/3), monotone 2/3 at
    # every recall level -> 200/3.
    instances = InstanceData(
        masks=torch.stack([a | half_b, a, b]).long(),  # 0/1, not bool
        labels=torch.tensor([CELL, CELL, CELL]),
        scores=torch.tensor([0.95, 0.9, 0.8]))
    # pred_instances is used even when a (here empty) panoptic map exists
    s = sample(gt, gt_segs, np.zeros((8, 8), dtype=np.int64), [],
               pred_instances=instances)
    res = evaluate([s])
    later = 100 * 2 / 3
    assert res['AP50'] == pytest.approx(AP_TP_FP_TP, rel=1e-6)
    assert res['AP75'] == pytest.approx(later, rel=1e-6)
    assert res['mAP'] == pytest.approx((4 * AP_TP_FP_TP + 6 * later) / 10,
                                       rel=1e-6)


def test_max_dets_keeps_the_best_predictions_per_image():
    gt, gt_segs = two_cells()
    instances = InstanceData(
        masks=torch.stack([torch.as_tensor(gt == k) for k in (1, 2)]),
        labels=torch.tensor([CELL, CELL]),
        scores=torch.tensor([0.9, 0.8]))
    s = sample(gt, gt_segs, pred_instances=instances)
    assert_all_ap(evaluate([s]), 100.0)
    assert_all_ap(evaluate([s], max_dets=1), AP_ONE_OF_TWO)


def test_images_without_instances():
    gt, gt_segs = two_cells()
    empty = np.zeros((8, 8), dtype=np.int64)
    background = [gt_seg(1, BG)]
    perfect = sample(gt, gt_segs, gt, [
        pred_seg(1, CELL, 0.9), pred_seg(2, CELL, 0.8), pred_seg(3, BG, 1.0)
    ])
    nothing = sample(empty + 1, background, empty + 1,
                     [pred_seg(1, BG, 1.0)])
    assert_all_ap(evaluate([nothing, perfect, nothing]), 100.0)


def test_no_ground_truth_instance_at_all_warns_and_reports_zero():
    empty = np.ones((8, 8), dtype=np.int64)
    pred = np.zeros((8, 8), dtype=np.int64)
    pred[:2] = 1  # a prediction without any ground truth
    records = []
    handler = logging.Handler()
    handler.emit = records.append
    logger = MMLogger.get_current_instance()
    logger.addHandler(handler)
    try:
        res = evaluate([
            sample(empty, [gt_seg(1, BG)], pred, [pred_seg(1, CELL, 0.9)])
        ])
    finally:
        logger.removeHandler(handler)
    assert res == dict(mAP=0.0, AP50=0.0, AP75=0.0, APs=0.0, APm=0.0,
                       APl=0.0)
    warnings = [r for r in records if r.levelno == logging.WARNING]
    assert len(warnings) == 1
    assert 'no (non-crowd) ground-truth instance' in warnings[0].getMessage()


def test_classwise_reports_classes_with_ground_truth():
    gt, gt_segs = two_cells()
    pred = np.where(gt == 1, 1, 0)
    res = evaluate(
        [sample(gt, gt_segs, pred, [pred_seg(1, CELL, 0.9)])],
        classwise=True)
    assert res['AP_cell'] == pytest.approx(AP_ONE_OF_TWO, rel=1e-6)
    assert 'AP_car' not in res  # no ground truth


def test_through_the_registry_and_evaluator_with_prefix():
    gt, gt_segs = two_cells()
    evaluator = Evaluator([
        METRICS.build(dict(type='MaskAPMetric')),
        METRICS.build(dict(type='PanopticQualityMetric'))
    ])
    evaluator.dataset_meta = META
    # the evaluator turns SegDataSample into (nested) dicts
    evaluator.process([
        sample(gt, gt_segs, gt, [
            pred_seg(1, CELL, 0.9),
            pred_seg(2, CELL, 0.8),
            pred_seg(3, BG, 1.0)
        ])
    ])
    res = evaluator.evaluate(1)
    assert res['mask/mAP'] == pytest.approx(100.0)
    assert res['PQ'] == pytest.approx(100.0)
    assert set(k for k in res if k.startswith('mask/')) == {
        'mask/mAP', 'mask/AP50', 'mask/AP75', 'mask/APs', 'mask/APm',
        'mask/APl'
    }


def test_missing_score_names_the_key():
    gt, gt_segs = two_cells()
    with pytest.raises(ValueError, match="'score'"):
        evaluate([
            sample(gt, gt_segs, gt,
                   [dict(id=1, category_id=CELL, isthing=True)])
        ])


@pytest.mark.parametrize('gt_cat,pred_segs,pred_labels,text', [
    (7, [], None, 'category_id=7'),
    (CELL, [dict(id=1, category_id=9, score=0.5)], None, 'category_id=9'),
    (CELL, [dict(id=1, category_id=BG, isthing=True, score=0.5)], None,
     'category_id=0'),
    (CELL, [], [BG], r'\[0\]'),
])
def test_unknown_or_stuff_category_names_the_id(gt_cat, pred_segs,
                                               pred_labels, text):
    gt = np.ones((4, 4), dtype=np.int64)
    preds = {}
    if pred_labels is not None:
        preds['pred_instances'] = InstanceData(
            masks=torch.ones(1, 4, 4, dtype=torch.bool),
            labels=torch.tensor(pred_labels),
            scores=torch.tensor([0.5]))
    with pytest.raises(ValueError, match=text):
        evaluate([
            sample(gt, [dict(id=1, category_id=gt_cat)], gt, pred_segs,
                   **preds)
        ])


@pytest.mark.parametrize('field,value,text', [
    ('masks', torch.ones(1, 4, 4, dtype=torch.bool), 'masks'),
    ('masks', torch.full((1, 8, 8), 0.7), 'binary'),
    ('labels', torch.tensor([CELL, CELL]), 'labels'),
    ('labels', torch.tensor([1.0]), 'labels'),
    ('scores', torch.tensor([0.5, 0.4]), 'scores'),
])
def test_bad_pred_instances_name_the_key(field, value, text):
    gt, gt_segs = two_cells()
    fields = dict(
        masks=torch.ones(1, 8, 8, dtype=torch.bool),
        labels=torch.tensor([CELL]),
        scores=torch.tensor([0.5]))
    fields[field] = value
    # the dict form (as mmengine's evaluator passes it): InstanceData itself
    # refuses fields of different lengths
    s = dict(
        gt_panoptic_seg=dict(
            sem_seg=torch.as_tensor(gt)[None], segments_info=gt_segs),
        pred_instances=fields)
    with pytest.raises(ValueError, match=text):
        evaluate([s])


def test_pred_instances_without_scores_names_the_key():
    gt, gt_segs = two_cells()
    s = dict(
        gt_panoptic_seg=dict(
            sem_seg=torch.as_tensor(gt)[None], segments_info=gt_segs),
        pred_instances=dict(
            masks=torch.ones(1, 8, 8, dtype=torch.bool),
            labels=torch.tensor([CELL])))
    with pytest.raises(KeyError, match='scores'):
        evaluate([s])


def test_bad_panoptic_inputs_name_the_key():
    gt, gt_segs = two_cells()
    with pytest.raises(ValueError, match='pred_panoptic_seg'):
        evaluate([sample(gt, gt_segs, gt[:4], [])])  # shape mismatch
    with pytest.raises(KeyError, match='pred_panoptic_seg'):
        evaluate([sample(gt, gt_segs)])  # no prediction at all
    no_gt = SegDataSample(pred_panoptic_seg=pan(gt, []))
    with pytest.raises(KeyError, match='gt_panoptic_seg'):
        evaluate([no_gt])


def test_bad_arguments_and_metadata():
    with pytest.raises(ValueError, match='max_dets'):
        MaskAPMetric(max_dets=0)
    gt, gt_segs = two_cells()
    with pytest.raises(ValueError, match='dataset_meta'):
        evaluate([sample(gt, gt_segs, gt, [])], meta=None)
    with pytest.raises(ValueError, match='thing_classes'):
        evaluate([sample(gt, gt_segs, gt, [])],
                 meta=dict(classes=META['classes']))
