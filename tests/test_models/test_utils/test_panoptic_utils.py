"""Panoptic outputs: thing-class check, assembly and packing."""
import numpy as np
import pytest
import torch
from mmseg.structures import SegDataSample

from mmseg_maskattn.models.utils import (assemble_panoptic,
                                         check_thing_classes, pack_panoptic)


def test_check_thing_classes():
    assert check_thing_classes([2, np.int64(0)], 3) == (2, 0)
    assert all(type(c) is int for c in check_thing_classes((np.int64(1), ),
                                                           3))


@pytest.mark.parametrize('things, match', [
    ([], r'thing_classes=\[\] must name at least one class'),
    ([3], r'thing_classes=\[3\]: \[3\] not class ids in 0..2'),
    ([True], r'\[True\] not class ids'),
    ([1.0], r'\[1.0\] not class ids'),
    ([1, 1], r'thing_classes=\[1, 1\] has duplicates'),
])
def test_check_thing_classes_errors(things, match):
    with pytest.raises(ValueError, match=match):
        check_thing_classes(things, 3)


def test_assemble_panoptic_by_hand():
    # class 0 = stuff, class 1 = thing; the thing pixel (2, 2) is ungrouped
    sem = torch.tensor([[0, 0, 1], [0, 1, 1], [0, 0, 1]])
    instances = torch.tensor([[0, 0, 1], [0, 1, 1], [0, 0, 0]])
    probs = torch.zeros(2, 3, 3)
    probs[0] = 0.8
    probs[1] = 0.2
    probs[1][sem == 1] = 0.9
    probs[0][sem == 1] = 0.1
    probs[1, 0, 2] = 0.6
    pan, segments = assemble_panoptic(sem, probs, instances, [1])
    assert segments[0] == dict(
        id=1, category_id=0, isthing=False, area=5, score=segments[0]['score'])
    assert abs(segments[0]['score'] - 0.8) < 1e-6
    assert segments[1]['category_id'] == 1 and segments[1]['isthing']
    assert segments[1]['area'] == 3
    assert abs(segments[1]['score'] - (0.6 + 0.9 + 0.9) / 3) < 1e-6
    expected = torch.tensor([[1, 1, 2], [1, 2, 2], [1, 1, 0]])
    assert torch.equal(pan, expected)


def test_pack_panoptic():
    sample = SegDataSample()
    pan = torch.tensor([[1, 2], [0, 2]])
    instances = torch.tensor([[0, 1], [0, 1]])
    segments = [dict(id=1, category_id=0, isthing=False, area=1, score=1.0)]
    pack_panoptic(sample, pan, segments, instances)
    assert torch.equal(sample.pred_panoptic_seg.sem_seg, pan[None])
    assert sample.pred_panoptic_seg.segments_info == segments
    assert torch.equal(sample.pred_instance_seg.data, instances[None])
