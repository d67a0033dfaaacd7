"""Tests of the input readers shared by the panoptic metrics."""
import numpy as np
import pytest
import torch
from mmengine.structures import PixelData

from mmseg_maskattn.evaluation.metrics.metric_inputs import (
    class_thing_flags, id_map, sample_field, to_numpy)


def test_sample_field_reads_dicts_and_data_elements():
    assert sample_field(dict(a=1), 'a', 'x') == 1
    assert sample_field(PixelData(metainfo=dict(a=2)), 'a', 'x') == 2
    with pytest.raises(KeyError, match="x has no 'b'"):
        sample_field(dict(a=1), 'b', 'x')
    with pytest.raises(TypeError, match='x must be a dict'):
        sample_field([1], 'a', 'x')


def test_id_map_and_to_numpy():
    ids = torch.arange(6).reshape(1, 2, 3)
    np.testing.assert_array_equal(to_numpy(ids), ids.numpy())
    np.testing.assert_array_equal(id_map(ids, 'm'), ids[0].numpy())
    assert id_map(np.zeros((2, 3)), 'm').shape == (2, 3)
    with pytest.raises(ValueError, match=r'm must have shape .*\(2, 2, 3\)'):
        id_map(np.zeros((2, 2, 3)), 'm')


@pytest.mark.parametrize('meta, isthing', [
    (dict(classes=('a', 'b', 'c'), thing_classes=('b', )),
     (False, True, False)),
    (dict(classes=('a', 'b', 'c'), stuff_classes=('b', )),
     (True, False, True)),
    (dict(classes=('a', 'b'), thing_classes=('a', ), stuff_classes=('b', )),
     (True, False)),
])
def test_class_thing_flags(meta, isthing):
    assert class_thing_flags(meta, 'M') == (tuple(meta['classes']), isthing)


@pytest.mark.parametrize('meta, match', [
    (None, "M needs dataset_meta with 'classes'"),
    (dict(classes=('a', )), "neither 'thing_classes'.*; hint"),
    (dict(classes=('a', ), thing_classes=('z', )), "holds 'z'"),
    (dict(classes=('a', 'b'), thing_classes=('a', ),
          stuff_classes=('a', 'b')), "class 'a' must be in exactly one"),
])
def test_class_thing_flags_errors(meta, match):
    with pytest.raises(ValueError, match=match):
        class_thing_flags(meta, 'M', '; hint')
