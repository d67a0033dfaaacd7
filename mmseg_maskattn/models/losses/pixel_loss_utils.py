"""Checks and reduction shared by the per-pixel losses of Gated-SCNN.

Gated-SCNN: Gated Shape CNNs for Semantic Segmentation (Takikawa et al.,
ICCV 2019), https://arxiv.org/abs/1907.05740
"""
from typing import Optional, Union

import torch

__all__ = ['REDUCTIONS', 'check_reduction', 'valid_labels', 'reduce_pixels']

REDUCTIONS = ('mean', 'sum', 'none')


def check_reduction(reduction: str, owner: str) -> None:
    """Raise a ``ValueError`` naming ``owner`` for an unknown reduction."""
    if reduction not in REDUCTIONS:
        raise ValueError(f'{owner}: reduction must be one of {REDUCTIONS}, '
                         f'got {reduction!r}')


def valid_labels(seg_label: torch.Tensor, num_classes: int,
                 ignore_index: int, owner: str) -> torch.Tensor:
    """The not-ignored pixels of ``seg_label``; labels out of range raise a
    ``ValueError`` naming them."""
    valid = seg_label != ignore_index
    bad = seg_label[valid]
    bad = bad[(bad < 0) | (bad >= num_classes)]
    if bad.numel():
        raise ValueError(
            f'{owner}: labels {bad.unique().tolist()} outside '
            f'0..{num_classes - 1} (ignore_index={ignore_index})')
    return valid


def reduce_pixels(loss: torch.Tensor, keep: torch.Tensor, reduction: str,
                  avg_factor: Optional[Union[int, float]]) -> torch.Tensor:
    """Reduce a (B, H, W) loss that is 0 outside ``keep``: ``'none'``,
    ``'sum'``, or ``'mean'`` over the kept pixels (or over ``avg_factor``).
    """
    if reduction == 'none':
        return loss
    if reduction == 'sum':
        return loss.sum()
    if avg_factor is None:
        return loss.sum() / keep.sum().clamp(min=1)
    return loss.sum() / avg_factor
