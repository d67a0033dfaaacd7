"""Edge-thresholded cross-entropy of Gated-SCNN.

Gated-SCNN: Gated Shape CNNs for Semantic Segmentation (Takikawa et al.,
ICCV 2019), https://arxiv.org/abs/1907.05740
"""
from typing import Optional, Union

import torch
import torch.nn.functional as F
from mmseg.registry import MODELS

from .pixel_loss_utils import check_reduction, reduce_pixels, valid_labels
from .weighted_loss import WeightedLoss

__all__ = ['EdgeAttentionLoss', 'edge_attention_loss']


def edge_attention_loss(seg_logits: torch.Tensor,
                        seg_label: torch.Tensor,
                        edge_logits: torch.Tensor,
                        *,
                        threshold: float = 0.8,
                        ignore_index: int = 255,
                        reduction: str = 'mean',
                        avg_factor: Optional[Union[int, float]] = None
                        ) -> torch.Tensor:
    """Cross-entropy of the segmentation on the predicted edges only.

    Gated-SCNN's second regulariser: the per-pixel cross-entropy of
    ``seg_logits`` against ``seg_label``, kept where the shape stream's edge
    probability ``sigmoid(edge_logits)`` exceeds ``threshold`` (0.8 in the
    paper) and the label is not ignored. The edge map is a selector, not
    trained by this loss (no gradient flows to ``edge_logits``).

    Args:
        seg_logits (Tensor): (B, K, H, W) segmentation logits.
        seg_label (Tensor): (B, H, W) labels.
        edge_logits (Tensor): (B, 1, H, W) edge logits.
        threshold (float): Edge probability above which a pixel counts.
        ignore_index (int): Ignored label.
        reduction (str): ``'mean'`` (over the kept pixels, or divided by
            ``avg_factor``), ``'sum'`` or ``'none'`` ((B, H, W), 0 where
            not kept).
        avg_factor (int | float, optional): Denominator of the mean.

    Returns:
        Tensor: The loss.
    """
    b, k, h, w = seg_logits.shape
    if tuple(seg_label.shape) != (b, h, w):
        raise ValueError(
            f'edge_attention_loss: seg_label {tuple(seg_label.shape)} does '
            f'not match seg_logits {tuple(seg_logits.shape)}')
    if tuple(edge_logits.shape) != (b, 1, h, w):
        raise ValueError(
            f'edge_attention_loss: edge_logits must be {(b, 1, h, w)}, got '
            f'{tuple(edge_logits.shape)}; resize the edge map first')
    if not 0 <= threshold < 1:
        raise ValueError('edge_attention_loss: threshold must be in [0, 1), '
                         f'got {threshold!r}')
    check_reduction(reduction, 'edge_attention_loss')
    valid = valid_labels(seg_label, k, ignore_index, 'edge_attention_loss')
    keep = (torch.sigmoid(edge_logits.detach())[:, 0] > threshold) & valid
    target = torch.where(keep, seg_label, ignore_index).long()
    loss = F.cross_entropy(
        seg_logits, target, ignore_index=ignore_index, reduction='none')
    return reduce_pixels(loss, keep, reduction, avg_factor)


@MODELS.register_module()
class EdgeAttentionLoss(WeightedLoss):
    """Gated-SCNN's edge-thresholded cross-entropy, weighted.

    A thin module around :func:`edge_attention_loss`; called as
    ``loss(seg_logits, seg_label, edge_logits)``.

    Args:
        threshold (float): Edge probability above which a pixel counts
            (the paper: 0.8).
        loss_weight (float): Multiplier of the loss.
        reduction (str): ``'mean'``, ``'sum'`` or ``'none'``.
        ignore_index (int): Ignored label.
        loss_name (str): Name of the loss item.
    """

    def __init__(self,
                 *,
                 threshold: float = 0.8,
                 loss_weight: float = 1.0,
                 reduction: str = 'mean',
                 ignore_index: int = 255,
                 loss_name: str = 'loss_edge_attention') -> None:
        super().__init__(
            loss_weight=loss_weight,
            reduction=reduction,
            ignore_index=ignore_index,
            loss_name=loss_name)
        if not 0 <= threshold < 1:
            raise ValueError('EdgeAttentionLoss: threshold must be in '
                             f'[0, 1), got {threshold!r}')
        self.threshold = threshold

    def forward(self,
                seg_logits: torch.Tensor,
                seg_label: torch.Tensor,
                edge_logits: torch.Tensor,
                avg_factor: Optional[Union[int, float]] = None,
                reduction_override: Optional[str] = None,
                ignore_index: Optional[int] = None) -> torch.Tensor:
        """Weighted loss; ``ignore_index`` replaces the module's."""
        return self.loss_weight * edge_attention_loss(
            seg_logits,
            seg_label,
            edge_logits,
            threshold=self.threshold,
            avg_factor=avg_factor,
            **self.resolve(reduction_override, ignore_index))
