"""Panoptic and instance inference of Mask2FormerPanopticSegmentor."""
import pytest
import torch
from mmengine.registry import init_default_scope
from mmseg.registry import MODELS
from mmseg.structures import SegDataSample

import mmseg_maskattn  # noqa: F401

init_default_scope('mmseg')
THINGS = torch.tensor([False, True, True, False])  # classes 1, 2 are things


@pytest.fixture
def make_model(tiny_resnet_cfg, m2f_head_cfg):
    """Builds the tiny segmentor with the given extra arguments."""

    def build(**kw):
        return MODELS.build(
            dict(
                type='Mask2FormerPanopticSegmentor',
                backbone=tiny_resnet_cfg,
                decode_head=m2f_head_cfg,
                **kw))

    return build


def _probs(rows):
    """(Q, C + 1) class probabilities from (class, score) per query."""
    out = torch.zeros(len(rows), 5)
    for q, (cls, score) in enumerate(rows):
        out[q, cls] = score
        out[q, 4 if cls != 4 else 0] += 1 - score
    return out


def test_panoptic_fusion_by_hand(make_model):
    model = make_model()
    h, w = 4, 6
    masks = torch.zeros(6, h, w)
    masks[0, :, :3] = 0.9      # stuff 0, left half
    masks[1, :2, 3:5] = 0.95   # thing 1, top right
    masks[2, 2:, 3:] = 0.7     # thing 2, bottom right
    masks[3, :, :] = 0.6       # thing 1 everywhere, but scored too low
    masks[4, :, 5] = 0.99      # stuff 0 again, right column: merged
    masks[5, :, :] = 0.8       # "no object" query
    cls = _probs([(0, 0.9), (1, 0.95), (2, 0.85), (1, 0.5), (0, 0.97),
                  (4, 0.99)])
    pan, segments = model._panoptic(cls, masks, THINGS)
    # winner per pixel: argmax of score * mask over the kept queries 0, 1,
    # 2 and 4 (query 3 scores 0.5 < 0.8); query 4 (0.97 * 0.99) wins the
    # right column, so query 2 keeps 4 of its 6 pixels: 4 / 6 < 0.8, it is
    # dropped and its other pixels stay void
    by_id = {s['id']: s for s in segments}
    assert [(s['category_id'], s['isthing']) for s in segments] == [
        (0, False), (1, True)]
    stuff, thing = segments
    expected = torch.zeros(h, w, dtype=torch.long)
    expected[:, :3] = stuff['id']
    expected[:, 5] = stuff['id']
    expected[:2, 3:5] = thing['id']
    assert torch.equal(pan, expected)
    assert stuff['area'] == 12 + 4 and thing['area'] == 4
    assert abs(stuff['score'] - 0.97) < 1e-6  # best of the merged queries
    assert abs(by_id[thing['id']]['score'] - 0.95) < 1e-6


def test_panoptic_overlap_threshold_keeps_a_partly_covered_query(make_model):
    model = make_model(overlap_thr=0.5)
    masks = torch.zeros(2, 2, 4)
    masks[0, :, :] = 0.9    # thing 1 everywhere, score 0.9
    masks[1, :, 3] = 0.99   # thing 2 on the last column, wins it
    cls = _probs([(1, 0.9), (2, 0.95)])
    pan, segments = model._panoptic(cls, masks, THINGS)
    assert [s['area'] for s in segments] == [6, 2]  # 6 / 8 >= 0.5
    assert pan[:, 3].tolist() == [2, 2]


def test_panoptic_no_confident_query_gives_void(make_model):
    model = make_model()
    pan, segments = model._panoptic(
        _probs([(1, 0.5), (4, 0.9)]), torch.ones(2, 3, 3), THINGS)
    assert segments == [] and int(pan.max()) == 0


def test_instances_top_k_and_mask_scores(make_model):
    model = make_model(max_per_image=2)
    masks = torch.zeros(3, 2, 2)
    masks[0, 0, :] = torch.tensor([0.9, 0.7])   # mean inside mask 0.8
    masks[1, 1, 0] = 0.6
    masks[2] = 0.95
    cls = torch.tensor([[0.0, 0.8, 0.1, 0.0, 0.1],
                        [0.0, 0.1, 0.6, 0.0, 0.3],
                        [0.9, 0.0, 0.0, 0.0, 0.1]])  # stuff only
    inst = model._instances(cls, masks, THINGS)
    # best (query, thing class) pairs: (0, 1) 0.8, (1, 2) 0.6
    assert inst.labels.tolist() == [1, 2]
    assert torch.allclose(inst.scores, torch.tensor([0.8 * 0.8, 0.6 * 0.6]))
    assert inst.masks[0].tolist() == [[True, True], [False, False]]
    assert inst.masks[1].tolist() == [[False, False], [True, False]]


def test_predict_outputs_at_ori_shape(make_model):
    model = make_model().eval()
    sample = SegDataSample()
    sample.set_metainfo(
        dict(ori_shape=(50, 40), img_shape=(64, 60), pad_shape=(64, 64),
             padding_size=[0, 4, 0, 0]))
    with torch.no_grad():
        out, = model.predict(torch.randn(1, 3, 64, 64), [sample])
    assert out.pred_sem_seg.data.shape == (1, 50, 40)
    assert out.pred_panoptic_seg.sem_seg.shape == (1, 50, 40)
    assert out.pred_instance_seg.data.shape == (1, 50, 40)
    assert out.pred_instances.masks.shape[1:] == (50, 40)
    things = {s['id'] for s in out.pred_panoptic_seg.segments_info
              if s['isthing']}
    ids = set(out.pred_instance_seg.data.unique().tolist()) - {0}
    assert ids == things


def test_tensor_mode_gives_semantic_logits(make_model):
    model = make_model().eval()
    x = torch.randn(2, 3, 64, 64)
    with torch.no_grad():
        logits = model(x, mode='tensor')
        out = model.predict(x)
    assert logits.shape == (2, 4, 64, 64)
    assert torch.allclose(logits[0], out[0].seg_logits.data, atol=1e-5)
