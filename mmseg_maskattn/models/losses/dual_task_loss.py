"""Dual-task regulariser of Gated-SCNN.

Gated-SCNN: Gated Shape CNNs for Semantic Segmentation (Takikawa et al.,
ICCV 2019), https://arxiv.org/abs/1907.05740
"""
from typing import Optional, Union

import torch
import torch.nn.functional as F
from mmseg.registry import MODELS

from .pixel_loss_utils import check_reduction, reduce_pixels, valid_labels
from .weighted_loss import WeightedLoss

__all__ = ['DualTaskLoss', 'dual_task_loss', 'gradient_magnitude']


def gradient_magnitude(maps: torch.Tensor, eps: float = 1e-10) -> torch.Tensor:
    """Spatial gradient magnitude of (B, K, H, W) maps.

    Central differences with replicated borders,
    ``dx = (m[:, :, :, j+1] - m[:, :, :, j-1]) / 2`` and the same along H,
    and ``sqrt(dx^2 + dy^2 + eps)`` (``eps`` keeps the gradient finite
    where the map is flat).
    """
    padded = F.pad(maps, (1, 1, 1, 1), mode='replicate')
    dx = (padded[:, :, 1:-1, 2:] - padded[:, :, 1:-1, :-2]) / 2
    dy = (padded[:, :, 2:, 1:-1] - padded[:, :, :-2, 1:-1]) / 2
    return torch.sqrt(dx**2 + dy**2 + eps)


def dual_task_loss(seg_logits: torch.Tensor,
                   seg_label: torch.Tensor,
                   *,
                   tau: float = 0.5,
                   ignore_index: int = 255,
                   reduction: str = 'mean',
                   avg_factor: Optional[Union[int, float]] = None,
                   gumbel_noise: Optional[torch.Tensor] = None,
                   eps: float = 1e-10) -> torch.Tensor:
    """The dual-task loss: boundaries of the segmentation vs the ground
    truth's.

    The class probabilities come from a Gumbel softmax of the logits at
    temperature ``tau`` (differentiable), their spatial gradient magnitude
    (:func:`gradient_magnitude`) is the predicted boundary map of each
    class, and it is compared by L1 with the gradient magnitude of the
    one-hot ground truth, averaged over the classes::

        p = softmax((logits + g) / tau),   g ~ Gumbel(0, 1)
        l = 1/K sum_k | |grad p_k| - |grad onehot(y)_k| |

    Pixels that are ignored, or have an ignored 4-neighbour (their ground
    truth gradient would see the ignored label), are left out.

    Args:
        seg_logits (Tensor): (B, K, H, W) logits.
        seg_label (Tensor): (B, H, W) labels, ``ignore_index`` ignored.
        tau (float): Gumbel-softmax temperature (> 0; the paper: 0.5).
        ignore_index (int): Ignored label.
        reduction (str): ``'mean'`` (over the kept pixels, or divided by
            ``avg_factor``), ``'sum'`` or ``'none'`` ((B, H, W), 0 where
            left out).
        avg_factor (int | float, optional): Denominator of the mean.
        gumbel_noise (Tensor, optional): (B, K, H, W) noise ``g``; sampled
            when None (pass zeros for the plain softmax).
        eps (float): See :func:`gradient_magnitude`.

    Returns:
        Tensor: The loss.
    """
    if seg_logits.ndim != 4:
        raise ValueError('dual_task_loss: seg_logits must be (B, K, H, W), '
                         f'got {tuple(seg_logits.shape)}')
    b, k, h, w = seg_logits.shape
    if tuple(seg_label.shape) != (b, h, w):
        raise ValueError(
            f'dual_task_loss: seg_label {tuple(seg_label.shape)} does not '
            f'match seg_logits {tuple(seg_logits.shape)}; resize the '
            'logits to the label first')
    if not tau > 0:
        raise ValueError(f'dual_task_loss: tau must be > 0, got {tau!r}')
    check_reduction(reduction, 'dual_task_loss')
    valid = valid_labels(seg_label, k, ignore_index, 'dual_task_loss')
    if gumbel_noise is None:
        uniform = torch.rand_like(seg_logits).clamp_(1e-10, 1 - 1e-10)
        gumbel_noise = -torch.log(-torch.log(uniform))
    probs = F.softmax((seg_logits + gumbel_noise) / tau, dim=1)
    onehot = F.one_hot(
        torch.where(valid, seg_label, 0).long(), k).permute(0, 3, 1, 2)
    onehot = onehot.to(probs.dtype) * valid[:, None]
    diff = (gradient_magnitude(probs, eps) -
            gradient_magnitude(onehot, eps)).abs().mean(dim=1)
    # keep pixels whose 4-neighbourhood is valid (borders replicate)
    pad = F.pad(valid[:, None].float(), (1, 1, 1, 1), mode='replicate')[:, 0]
    keep = valid & (pad[:, :-2, 1:-1] > 0) & (pad[:, 2:, 1:-1] > 0) & (
        pad[:, 1:-1, :-2] > 0) & (pad[:, 1:-1, 2:] > 0)
    loss = diff * keep
    return reduce_pixels(loss, keep, reduction, avg_factor)


@MODELS.register_module()
class DualTaskLoss(WeightedLoss):
    """Gated-SCNN's dual-task regulariser, weighted.

    A thin module around :func:`dual_task_loss` (see it for the formula).

    Args:
        tau (float): Gumbel-softmax temperature (the paper: 0.5).
        loss_weight (float): Multiplier of the loss.
        reduction (str): ``'mean'``, ``'sum'`` or ``'none'``.
        ignore_index (int): Ignored label.
        loss_name (str): Name of the loss item; mmseg only back-propagates
            items whose name starts with ``loss_``.
    """

    def __init__(self,
                 *,
                 tau: float = 0.5,
                 loss_weight: float = 1.0,
                 reduction: str = 'mean',
                 ignore_index: int = 255,
                 loss_name: str = 'loss_dual_task') -> None:
        super().__init__(
            loss_weight=loss_weight,
            reduction=reduction,
            ignore_index=ignore_index,
            loss_name=loss_name)
        if not tau > 0:
            raise ValueError(f'DualTaskLoss: tau must be > 0, got {tau!r}')
        self.tau = tau

    def forward(self,
                seg_logits: torch.Tensor,
                seg_label: torch.Tensor,
                avg_factor: Optional[Union[int, float]] = None,
                reduction_override: Optional[str] = None,
                ignore_index: Optional[int] = None,
                gumbel_noise: Optional[torch.Tensor] = None) -> torch.Tensor:
        """Weighted loss of ``seg_logits`` (B, K, H, W) against
        ``seg_label`` (B, H, W); ``ignore_index`` replaces the module's."""
        return self.loss_weight * dual_task_loss(
            seg_logits,
            seg_label,
            tau=self.tau,
            avg_factor=avg_factor,
            gumbel_noise=gumbel_noise,
            **self.resolve(reduction_override, ignore_index))
