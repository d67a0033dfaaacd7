"""CheckSegMap: a label map must fit its image and the classes."""
import numpy as np
import pytest
from mmengine.registry import init_default_scope
from mmseg.registry import DATASETS

from mmseg_maskattn.datasets.transforms import CheckSegMap


def _results(label, shape=(4, 6)):
    return dict(gt_seg_map=label, ori_shape=shape, seg_map_path='lab.png',
                img_path='img.png')


def test_valid_label_and_ignored_pixels_pass_unchanged():
    label = np.array([[0, 1, 2, 255, 0, 1]] * 4, dtype=np.uint8)
    results = _results(label)
    out = CheckSegMap(num_classes=3)(results)
    assert out is results and out['gt_seg_map'] is label


def test_size_mismatch_names_both_files_and_sizes():
    label = np.zeros((2, 3), dtype=np.uint8)
    with pytest.raises(ValueError) as err:
        CheckSegMap(num_classes=3, owner='CamVidDataset')(_results(label))
    msg = str(err.value)
    for text in ('CamVidDataset', "'lab.png'", '2x3', "'img.png'", '4x6'):
        assert text in msg, (text, msg)


def test_size_check_can_be_switched_off():
    label = np.zeros((2, 3), dtype=np.uint8)
    out = CheckSegMap(num_classes=3, check_size=False)(_results(label))
    assert out['gt_seg_map'].shape == (2, 3)


@pytest.mark.parametrize('value,dtype', [(42, np.uint8), (3, np.uint8),
                                         (-1, np.int64), (254, np.uint8)])
def test_ids_outside_the_classes_are_named(value, dtype):
    label = np.zeros((4, 6), dtype=dtype)
    label[1, 2] = value
    label[0, 0] = 255  # ignored: not reported
    with pytest.raises(ValueError) as err:
        CheckSegMap(num_classes=3)(_results(label))
    msg = str(err.value)
    assert f'[{value}]' in msg and "'lab.png'" in msg and '0..2' in msg


def test_another_ignore_index_is_respected():
    label = np.full((4, 6), 7, dtype=np.uint8)
    CheckSegMap(num_classes=3, ignore_index=7)(_results(label))
    label[0, 0] = 255
    with pytest.raises(ValueError, match=r'\[255\]'):
        CheckSegMap(num_classes=3, ignore_index=7)(_results(label))


def test_many_bad_ids_are_cut_after_ten():
    label = np.arange(24, dtype=np.uint8).reshape(4, 6) + 10
    with pytest.raises(ValueError, match=r'\.\.\. outside'):
        CheckSegMap(num_classes=3)(_results(label))


def test_a_sample_without_label_passes():
    assert CheckSegMap(num_classes=3)(dict(img_path='x')) == dict(
        img_path='x')


@pytest.mark.parametrize('kwargs,key', [(dict(num_classes=0), 'num_classes'),
                                        (dict(num_classes=2.0),
                                         'num_classes'),
                                        (dict(num_classes=True),
                                         'num_classes'),
                                        (dict(num_classes=3,
                                              ignore_index=None),
                                         'ignore_index')])
def test_bad_options_name_the_key(kwargs, key):
    with pytest.raises(ValueError, match=key):
        CheckSegMap(**kwargs)


def _camvid(root, pipeline):
    init_default_scope('mmseg')
    return DATASETS.build(
        dict(type='CamVidDataset', data_root=str(root),
             data_prefix=dict(img_path='val', seg_map_path='valannot'),
             pipeline=pipeline))


def test_dataset_inserts_one_check_after_the_label_loader(camvid_root):
    load = [dict(type='LoadImageFromFile'), dict(type='LoadAnnotations')]
    names = [type(t).__name__ for t in _camvid(
        camvid_root, load + [dict(type='PackSegInputs')]).pipeline.transforms]
    assert names == ['LoadImageFromFile', 'LoadAnnotations', 'CheckSegMap',
                     'PackSegInputs']
    check = _camvid(camvid_root, load).pipeline.transforms[2]
    # CamVid: 11 classes, void (11) mapped to 255 by the label map
    assert (check.num_classes, check.ignore_index, check.owner) == (
        11, 255, 'CamVidDataset')
    own = dict(type='CheckSegMap', num_classes=11, check_size=False)
    names = [type(t).__name__
             for t in _camvid(camvid_root, load + [own]).pipeline.transforms]
    assert names.count('CheckSegMap') == 1
    # no label loaded (inference pipeline): nothing inserted
    names = [type(t).__name__ for t in _camvid(
        camvid_root, load[:1]).pipeline.transforms]
    assert names == ['LoadImageFromFile']


def test_label_loaded_after_a_resize_is_compared_with_the_original_size(
        camvid_root):
    dataset = _camvid(camvid_root, [
        dict(type='LoadImageFromFile'),
        dict(type='Resize', scale=(32, 24), keep_ratio=True),
        dict(type='LoadAnnotations'),
        dict(type='PackSegInputs')
    ])
    sample = dataset[0]
    assert tuple(sample['inputs'].shape[1:]) == (24, 32)
    assert tuple(sample['data_samples'].gt_sem_seg.shape) == (12, 16)
