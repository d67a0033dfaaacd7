"""Connected-component instances and panoptic maps of CCPanopticSegmentor.

The hand-built logits go through ``postprocess_result`` (the step that
``predict`` ends with); the expected instances are read off the class maps.
"""
import pytest
import torch
from mmengine.config import ConfigDict
from mmengine.registry import init_default_scope
from mmseg.registry import MODELS
from mmseg.structures import SegDataSample

import mmseg_maskattn  # noqa: F401
from mmseg_maskattn.evaluation import MaskAPMetric, PanopticQualityMetric

init_default_scope('mmseg')
BG, CELL, SKY = 0, 1, 2  # 3 classes: CELL is a thing


@pytest.fixture
def make_model(cc_panoptic_cfg):
    """Builds the tiny segmentor (3 classes, CELL the thing) in eval mode,
    with ``kw`` replacing its arguments."""

    def build(**kw):
        cfg = dict(
            cc_panoptic_cfg,
            thing_classes=[CELL],
            decode_head=dict(cc_panoptic_cfg['decode_head'], num_classes=3))
        cfg.update(kw)
        return MODELS.build(cfg).eval()

    return build


def _logits(classes, high=5.0):
    """(1, 3, H, W) logits: ``high`` for the class of each pixel, else 0."""
    classes = torch.as_tensor(classes)
    return high * torch.nn.functional.one_hot(classes, 3).permute(
        2, 0, 1)[None].float()


def _predict(model, logits):
    h, w = logits.shape[2:]
    sample = SegDataSample(
        metainfo=dict(ori_shape=(h, w), img_shape=(h, w), pad_shape=(h, w)))
    return model.postprocess_result(logits, [sample])[0]


# 0 background, 1 cell, 2 sky (stuff in two separate pieces)
CLASSES = [
    [1, 1, 0, 0, 0, 0, 0, 2],
    [1, 1, 0, 0, 0, 0, 0, 0],
    [0, 0, 0, 0, 0, 0, 0, 0],
    [0, 0, 0, 0, 1, 1, 1, 0],
    [0, 0, 0, 0, 1, 1, 1, 0],
    [2, 2, 0, 0, 0, 0, 0, 0],
    [2, 2, 0, 0, 0, 0, 0, 1],
    [2, 2, 0, 0, 0, 0, 0, 0],
]
# the cell components in raster order of their first pixel
BLOB_A = [(0, 0), (0, 1), (1, 0), (1, 1)]
BLOB_B = [(r, c) for r in (3, 4) for c in (4, 5, 6)]
DOT = [(6, 7)]


def _mask(pixels, shape=(8, 8)):
    out = torch.zeros(shape, dtype=torch.bool)
    for r, c in pixels:
        out[r, c] = True
    return out


def test_separate_blobs_are_instances_and_stuff_is_one_segment(make_model):
    logits = _logits(CLASSES)
    logits[0, CELL, 0, 0] = 1.0  # a less confident pixel in blob A
    result = _predict(make_model(), logits)
    sem = result.pred_sem_seg.data[0]
    assert torch.equal(sem, torch.as_tensor(CLASSES))
    inst = result.pred_instance_seg.data
    assert inst.shape == (1, 8, 8) and inst.dtype == torch.long
    expected = torch.zeros(8, 8, dtype=torch.long)
    for k, blob in enumerate((BLOB_A, BLOB_B, DOT), 1):
        expected[_mask(blob)] = k
    assert torch.equal(inst[0], expected)

    pan = result.pred_panoptic_seg.sem_seg
    assert pan.shape == (1, 8, 8) and pan.dtype == torch.long
    segments = result.pred_panoptic_seg.segments_info
    probs = logits[0].softmax(dim=0)
    regions = {
        (BG, False): torch.as_tensor(CLASSES) == BG,
        (SKY, False): torch.as_tensor(CLASSES) == SKY,  # two pieces
        (CELL, True, 1): _mask(BLOB_A),
        (CELL, True, 2): _mask(BLOB_B),
        (CELL, True, 3): _mask(DOT),
    }
    assert len(segments) == len(regions)
    things = [s for s in segments if s['isthing']]
    stuff = [s for s in segments if not s['isthing']]
    assert [s['category_id'] for s in stuff] == [BG, SKY]
    assert [s['category_id'] for s in things] == [CELL] * 3
    for s in stuff:
        region = regions[(s['category_id'], False)]
        assert torch.equal(pan[0] == s['id'], region)
    for k, s in enumerate(things, 1):
        region = regions[(CELL, True, k)]
        assert torch.equal(pan[0] == s['id'], region)
        assert torch.equal(inst[0] == k, region)
        assert s['area'] == int(region.sum())
        # mean softmax probability of the class over the component
        assert s['score'] == pytest.approx(float(probs[CELL][region].mean()))
    # the less confident pixel lowers the score of blob A only
    assert things[0]['score'] < things[1]['score'] == pytest.approx(
        things[2]['score'])
    assert set(pan.unique().tolist()) == {s['id'] for s in segments}


def test_min_area_drops_small_components(make_model):
    result = _predict(make_model(min_area=5), _logits(CLASSES))
    inst = result.pred_instance_seg.data[0]
    # blob A (4 px) and the dot (1 px) are dropped, blob B (6 px) is 1
    expected = torch.zeros(8, 8, dtype=torch.long)
    expected[_mask(BLOB_B)] = 1
    assert torch.equal(inst, expected)
    pan = result.pred_panoptic_seg.sem_seg[0]
    segments = result.pred_panoptic_seg.segments_info
    assert [s['category_id'] for s in segments if s['isthing']] == [CELL]
    # dropped components keep their class but are void in the panoptic map
    assert torch.equal(result.pred_sem_seg.data[0],
                       torch.as_tensor(CLASSES))
    assert (pan[_mask(BLOB_A + DOT)] == 0).all()
    assert (pan[_mask(BLOB_B)] > 0).all()


def test_diagonal_touch_joins_with_8_connectivity_only(make_model):
    classes = [
        [1, 0, 0],
        [0, 1, 0],
        [0, 0, 0],
    ]
    eight = _predict(make_model(), _logits(classes))
    four = _predict(make_model(connectivity=4), _logits(classes))
    assert eight.pred_instance_seg.data.max() == 1
    assert four.pred_instance_seg.data.max() == 2
    assert four.pred_instance_seg.data[0, 0, 0] == 1
    assert four.pred_instance_seg.data[0, 1, 1] == 2
    assert len(four.pred_panoptic_seg.segments_info) == 3  # bg + 2 cells


def test_several_thing_classes_are_numbered_in_order(make_model):
    # thing classes [2, 1]: sky's components first, then the cells
    result = _predict(
        make_model(thing_classes=[SKY, CELL]), _logits(CLASSES))
    inst = result.pred_instance_seg.data[0]
    assert inst[0, 7] == 1 and inst[5, 0] == 2  # the two sky pieces
    assert inst[0, 0] == 3 and inst[3, 4] == 4 and inst[6, 7] == 5


def test_predict_end_to_end_is_read_by_the_metrics(make_model):
    torch.manual_seed(0)
    model = make_model(test_cfg=ConfigDict(mode='whole'))
    # an untrained head predicts no cell: make the cell logit the negative
    # of the background's, so that both occur, in several components
    conv_seg = model.decode_head.conv_seg
    with torch.no_grad():
        conv_seg.weight[CELL] = -conv_seg.weight[BG]
        conv_seg.bias[CELL] = conv_seg.bias[BG]
    inputs = torch.randn(2, 3, 64, 64)
    samples = [
        SegDataSample(
            metainfo=dict(
                ori_shape=(48, 40),
                img_shape=(64, 64),
                pad_shape=(64, 64),
                padding_size=[0, 0, 0, 0])) for _ in range(2)
    ]
    with torch.no_grad():
        results = model.predict(inputs, samples)
    meta = dict(
        classes=('background', 'cell', 'sky'),
        thing_classes=('cell', ),
        stuff_classes=('background', 'sky'))
    pq, ap = PanopticQualityMetric(), MaskAPMetric()
    for metric in (pq, ap):
        metric.dataset_meta = meta
    for r in results:
        assert r.pred_sem_seg.data.shape == (1, 48, 40)
        assert r.pred_instance_seg.data.shape == (1, 48, 40)
        sem = r.pred_sem_seg.data[0]
        inst = r.pred_instance_seg.data[0]
        assert ((inst > 0) == (sem == CELL)).all()
        # the prediction as its own ground truth: perfect scores
        gt_segments = [
            dict(s, iscrowd=0) for s in r.pred_panoptic_seg.segments_info
        ]
        r.gt_panoptic_seg = r.pred_panoptic_seg.clone()
        r.gt_panoptic_seg.set_metainfo(dict(segments_info=gt_segments))
    for metric in (pq, ap):
        metric.process({}, results)
    assert pq.compute_metrics(pq.results)['PQ'] == pytest.approx(100.0)
    assert all(r.pred_instance_seg.data.max() >= 1 for r in results)
    assert ap.compute_metrics(ap.results)['mAP'] == pytest.approx(100.0)


def test_single_channel_head_scores_are_sigmoid_probabilities(
        make_model, cc_panoptic_cfg):
    model = make_model(decode_head=dict(
        cc_panoptic_cfg['decode_head'],
        num_classes=2,
        out_channels=1,
        threshold=0.5,
        loss_decode=dict(type='CrossEntropyLoss', use_sigmoid=True)))
    logits = torch.full((1, 1, 4, 4), -3.0)
    logits[0, 0, :2, :2] = 2.0
    logits[0, 0, 0, 0] = 1.0
    logits[0, 0, 3, 3] = 4.0
    result = _predict(model, logits)
    inst = result.pred_instance_seg.data[0]
    assert inst.max() == 2 and inst[0, 0] == 1 and inst[3, 3] == 2
    probs = logits[0, 0].sigmoid()
    things = [
        s for s in result.pred_panoptic_seg.segments_info if s['isthing']
    ]
    assert things[0]['score'] == pytest.approx(float(probs[:2, :2].mean()))
    assert things[1]['score'] == pytest.approx(float(probs[3, 3]))
    stuff, = [
        s for s in result.pred_panoptic_seg.segments_info
        if not s['isthing']
    ]
    assert stuff['score'] == pytest.approx(float(
        (1 - probs)[inst == 0].mean()))


@pytest.mark.parametrize('kw,text', [
    (dict(thing_classes=[3]), '[3]'),
    (dict(thing_classes=[]), 'thing_classes'),
    (dict(thing_classes=[1, 1]), 'duplicates'),
    (dict(connectivity=6), 'connectivity'),
    (dict(min_area=-1), 'min_area'),
])
def test_bad_arguments_name_the_argument(kw, text, make_model):
    with pytest.raises(ValueError) as err:
        make_model(**kw)
    assert text in str(err.value)
