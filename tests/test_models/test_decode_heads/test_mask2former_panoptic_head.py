"""Panoptic targets of Mask2FormerPanopticHead, checked by hand."""
import pytest
import torch
from mmengine.registry import init_default_scope
from mmengine.structures import PixelData
from mmseg.registry import MODELS
from mmseg.structures import SegDataSample

import mmseg_maskattn  # noqa: F401

init_default_scope('mmseg')


def _sample(sem, inst):
    s = SegDataSample(
        gt_sem_seg=PixelData(data=torch.tensor(sem)[None]),
        gt_instance_seg=PixelData(data=torch.tensor(inst)[None]))
    s.set_metainfo(dict(img_shape=(4, 4), pad_shape=(4, 4)))
    return s


def test_targets_are_instances_and_stuff_classes(m2f_head_cfg):
    head = MODELS.build(m2f_head_cfg)  # 4 classes, things 1 and 2
    sem = [[0, 0, 1, 1],
           [0, 3, 1, 1],
           [2, 2, 255, 3],
           [2, 2, 1, 0]]
    inst = [[0, 0, 7, 7],
            [0, 0, 7, 7],
            [5, 5, 0, 9],   # the 9 sits on stuff (class 3): not an instance
            [5, 5, 0, 0]]   # thing pixel without instance: no target
    (gt, ), _ = head._seg_data_to_instance_data([_sample(sem, inst)])
    masks = gt.masks.tolist()
    got = sorted(zip(gt.labels.tolist(), masks))
    expected = sorted([
        (2, [[0, 0, 0, 0], [0, 0, 0, 0], [1, 1, 0, 0], [1, 1, 0, 0]]),
        (1, [[0, 0, 1, 1], [0, 0, 1, 1], [0, 0, 0, 0], [0, 0, 0, 0]]),
        (0, [[1, 1, 0, 0], [1, 0, 0, 0], [0, 0, 0, 0], [0, 0, 0, 1]]),
        (3, [[0, 0, 0, 0], [0, 1, 0, 0], [0, 0, 0, 1], [0, 0, 0, 0]]),
    ])
    assert got == expected


def test_instance_map_is_padded_to_the_semantic_map(m2f_head_cfg):
    head = MODELS.build(m2f_head_cfg)
    sample = _sample([[1, 1, 255], [0, 0, 255]], [[3, 3], [0, 0]])
    (gt, ), _ = head._seg_data_to_instance_data([sample])
    assert gt.masks.shape == (2, 2, 3)
    assert gt.labels.tolist() == [1, 0]
    assert gt.masks[0].tolist() == [[1, 1, 0], [0, 0, 0]]


def test_image_without_instances(m2f_head_cfg):
    head = MODELS.build(m2f_head_cfg)
    (gt, ), _ = head._seg_data_to_instance_data(
        [_sample([[0, 0], [3, 3]], [[0, 0], [0, 0]])])
    assert gt.labels.tolist() == [0, 3]


def test_missing_instance_map_names_the_key(m2f_head_cfg):
    head = MODELS.build(m2f_head_cfg)
    sample = SegDataSample(gt_sem_seg=PixelData(data=torch.zeros(1, 2, 2)))
    with pytest.raises(KeyError, match='gt_instance_seg'):
        head._seg_data_to_instance_data([sample])


def test_predict_masks_shapes(m2f_head_cfg):
    head = MODELS.build(m2f_head_cfg).eval()
    feats = [torch.randn(1, c, 64 // s, 64 // s)
             for c, s in zip([8, 16, 32, 64], [4, 8, 16, 32])]
    with torch.no_grad():
        cls, masks = head.predict_masks(
            feats, [dict(img_shape=(60, 62), pad_shape=(64, 64))])
    assert cls.shape == (1, 5, 5)  # 5 queries, 4 classes + no object
    assert masks.shape == (1, 5, 64, 64)
