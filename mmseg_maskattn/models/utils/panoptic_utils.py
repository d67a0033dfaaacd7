"""Panoptic outputs of the universal segmentors.

The output format shared by
:class:`~mmseg_maskattn.models.segmentors.MaskAttnUNetSegmentor` (Cheng et
al., "MaskAttn-UNet: A Mask Attention-Driven Framework for Universal
Low-Resolution Image Segmentation", arXiv 2503.10686,
https://arxiv.org/abs/2503.10686),
:class:`~mmseg_maskattn.models.segmentors.CCPanopticSegmentor` and
:class:`~mmseg_maskattn.models.segmentors.Mask2FormerPanopticSegmentor`:
the check of their ``thing_classes``, the assembly of a panoptic map from a
semantic map and instances, and the packing of both into a data sample.
"""
from typing import List, Sequence, Tuple

import torch
from mmengine.structures import PixelData
from mmseg.structures import SegDataSample

from ...utils import is_int

__all__ = ['check_thing_classes', 'assemble_panoptic', 'pack_panoptic']


def check_thing_classes(thing_classes: Sequence[int],
                        num_classes: int) -> Tuple[int, ...]:
    """Check the ``thing_classes`` argument of a panoptic model.

    Args:
        thing_classes (Sequence[int]): Class ids that are things.
        num_classes (int): Number of classes of the model.

    Returns:
        tuple[int]: The thing class ids, as Python ints, in the given order.

    Raises:
        ValueError: Naming ``thing_classes`` and its value, if it is empty,
            holds a value that is not an int class id in
            ``0..num_classes - 1`` (bools are not ids), or has duplicates.
    """
    things = list(thing_classes)
    if not things:
        raise ValueError(f'thing_classes={things} must name at least one '
                         'class (without things, use a semantic model)')
    bad = [c for c in things if not is_int(c) or not 0 <= c < num_classes]
    if bad:
        raise ValueError(f'thing_classes={things}: {bad} not class ids '
                         f'in 0..{num_classes - 1}')
    if len(set(things)) != len(things):
        raise ValueError(f'thing_classes={things} has duplicates')
    return tuple(int(c) for c in things)


def assemble_panoptic(
        sem_seg: torch.Tensor, probs: torch.Tensor, instances: torch.Tensor,
        thing_classes: Sequence[int]) -> Tuple[torch.Tensor, List[dict]]:
    """Panoptic map: stuff from the semantic map, things from instances.

    Args:
        sem_seg (Tensor): (H, W) predicted class per pixel.
        probs (Tensor): (K, H, W) class probabilities.
        instances (Tensor): (H, W) instance index per pixel (0 = none),
            each instance inside one thing class.
        thing_classes (Sequence[int]): Thing class ids.

    Returns:
        tuple: (H, W) long id map (0 = void: thing pixels not grouped into
        an instance) and the ``segments_info`` list with ``id``,
        ``category_id``, ``isthing``, ``area`` and ``score`` (mean
        probability of the segment's class over its pixels).
    """
    things = torch.zeros(probs.shape[0], dtype=torch.bool,
                         device=sem_seg.device)
    things[list(thing_classes)] = True
    pan = torch.zeros_like(sem_seg, dtype=torch.long)
    segments = []
    next_id = 1
    for cls in torch.unique(sem_seg).tolist():
        if things[cls]:
            continue
        region = sem_seg == cls
        pan[region] = next_id
        segments.append(
            dict(
                id=next_id,
                category_id=cls,
                isthing=False,
                area=int(region.sum()),
                score=float(probs[cls][region].mean())))
        next_id += 1
    num = int(instances.max()) if instances.numel() else 0
    if num:
        flat = instances.flatten()
        area = torch.bincount(flat, minlength=num + 1)
        # class of each instance: the (unique) predicted class of its pixels
        cls_of = torch.zeros(num + 1, dtype=torch.long, device=flat.device)
        cls_of[flat] = sem_seg.flatten()
        prob_sum = torch.zeros(num + 1, device=flat.device, dtype=probs.dtype)
        prob_sum.index_add_(
            0, flat,
            probs.flatten(1).gather(0, sem_seg.flatten()[None])[0])
        for k in range(1, num + 1):
            if area[k] == 0:
                continue
            pan[instances == k] = next_id
            segments.append(
                dict(
                    id=next_id,
                    category_id=int(cls_of[k]),
                    isthing=True,
                    area=int(area[k]),
                    score=float(prob_sum[k] / area[k])))
            next_id += 1
    return pan, segments


def pack_panoptic(sample: SegDataSample, pan: torch.Tensor,
                  segments: List[dict], instances: torch.Tensor) -> None:
    """Set the panoptic and instance outputs of a data sample.

    The sample gets ``pred_instance_seg``, ``PixelData(data=(1, H, W))``,
    and ``pred_panoptic_seg``, ``PixelData(sem_seg=(1, H, W))`` with
    ``segments_info`` in its metainfo.

    Args:
        sample (SegDataSample): The output sample, changed in place.
        pan (Tensor): (H, W) long panoptic id map, 0 = void.
        segments (list[dict]): Its ``segments_info`` (``id``,
            ``category_id``, ``isthing``, ``area``, ``score``).
        instances (Tensor): (H, W) long instance map, 0 = no instance.
    """
    sample.set_data(
        dict(
            pred_instance_seg=PixelData(data=instances[None]),
            pred_panoptic_seg=PixelData(
                sem_seg=pan[None], metainfo=dict(segments_info=segments))))
