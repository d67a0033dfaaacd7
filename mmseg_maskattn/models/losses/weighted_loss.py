"""Base of the package's thin loss modules.

Each registered loss of the package is a pure function plus a module that
holds its options and weights its value. The options every such module
honours (``loss_weight``, ``reduction``, ``ignore_index``, ``loss_name``)
and the ``loss_name`` property that mmseg's decode heads read live here
once; a subclass adds its own options and its ``forward``.

Used by the losses of HDMNet (Peng et al., CVPR 2023,
https://arxiv.org/abs/2303.14652), MaskAttn-UNet (Cheng et al., 2025,
https://arxiv.org/abs/2503.10686) and Gated-SCNN (Takikawa et al., ICCV 2019,
https://arxiv.org/abs/1907.05740).
"""
from typing import Optional

import torch.nn as nn

from .pixel_loss_utils import check_reduction

__all__ = ['WeightedLoss']


class WeightedLoss(nn.Module):
    """Options shared by the package's loss modules (not registered).

    Args:
        loss_weight (float): Multiplier of the loss.
        reduction (str): ``'mean'``, ``'sum'`` or ``'none'``.
        ignore_index (int): Ignored label.
        loss_name (str): Name of the loss item; mmseg only back-propagates
            items whose name starts with ``loss_``.
    """

    def __init__(self, *, loss_weight: float, reduction: str,
                 ignore_index: int, loss_name: str) -> None:
        super().__init__()
        check_reduction(reduction, type(self).__name__)
        self.loss_weight = loss_weight
        self.reduction = reduction
        self.ignore_index = ignore_index
        self._loss_name = loss_name

    def resolve(self, reduction_override: Optional[str] = None,
                ignore_index: Optional[int] = None) -> dict:
        """The ``reduction`` and ``ignore_index`` of one call: an override
        given to ``forward`` replaces the module's option."""
        if reduction_override is not None:
            check_reduction(reduction_override, type(self).__name__)
        return dict(
            reduction=reduction_override or self.reduction,
            ignore_index=(self.ignore_index
                          if ignore_index is None else ignore_index))

    @property
    def loss_name(self) -> str:
        """Name of the loss item (mmseg combines items by this name)."""
        return self._loss_name
