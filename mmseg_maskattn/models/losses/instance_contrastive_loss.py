"""Instance contrastive loss of MaskAttn-UNet.

MaskAttn-UNet: A Mask Attention-Driven Framework for Universal Low-Resolution
Image Segmentation (Cheng et al., 2025), https://arxiv.org/abs/2503.10686
"""
from typing import Optional, Union

import torch
import torch.nn.functional as F
from mmseg.registry import MODELS

from ...utils import is_int
from .pixel_loss_utils import check_reduction
from .weighted_loss import WeightedLoss

__all__ = ['InstanceContrastiveLoss', 'instance_contrastive_loss']

BACKGROUND_ID = 0


def _check_options(num_samples: int, temperature: float,
                   reduction: str) -> None:
    if not is_int(num_samples) or num_samples < 2:
        raise ValueError(
            f'num_samples must be an int >= 2 (an anchor needs another '
            f'sampled pixel), got {num_samples!r}')
    if not temperature > 0:
        raise ValueError(f'temperature must be > 0, got {temperature!r}')
    check_reduction(reduction, 'instance_contrastive_loss')


def instance_contrastive_loss(
        embeddings: torch.Tensor,
        instance_ids: torch.Tensor,
        *,
        num_samples: int,
        temperature: float,
        ignore_index: int = 255,
        reduction: str = 'mean',
        avg_factor: Optional[Union[int, float]] = None,
        generator: Optional[torch.Generator] = None) -> torch.Tensor:
    """Pixel-level instance contrastive loss ``L_IC`` of MaskAttn-UNet.

    With ``e`` the per-pixel embeddings L2-normalised along channels, for an
    anchor pixel ``a``, ``P_a`` the other pixels of its ground-truth instance
    and ``N_a`` the pixels of the other instances of the same image::

        D_a     = sum_{m in P_a u N_a} exp(e_a . e_m / tau)
        l_{a,p} = -log(exp(e_a . e_p / tau) / D_a)
        L_IC    = 1/N sum_a 1/|P_a| sum_{p in P_a} l_{a,p}

    computed as ``log D_a - e_a . e_p / tau`` with a log-sum-exp.

    Choices where the paper leaves room:

    * Instance id 0 is background ("stuff", no instance) and
      ``ignore_index`` is unlabelled: such pixels are neither anchors nor in
      any ``P_a`` or ``N_a``.
    * ``P_a`` excludes the anchor itself (as in supervised contrastive
      learning): its self-similarity ``exp(1 / tau)`` is a constant that
      would otherwise sit in ``P_a`` and dominate ``D_a``.
    * The pairwise cost is ``O((HW)^2)``, so per image ``num_samples``
      instance pixels are drawn uniformly without replacement (all of them
      when there are fewer) and serve both as the anchors and as the
      candidate set ``P u N``: the cost is ``O(B num_samples^2 D)``.
    * Anchors with an empty ``P_a`` (a sampled instance with a single
      sampled pixel) are skipped; ``N`` counts the remaining anchors over the
      whole batch, so an image without instances contributes nothing, and a
      batch without any gives 0 (still attached to the graph).

    Args:
        embeddings (Tensor): (B, D, H, W) per-pixel embeddings (normalised
            here).
        instance_ids (Tensor): (B, H, W) integer instance ids; 0 is
            background, ``ignore_index`` is ignored.
        num_samples (int): Pixels sampled per image (>= 2).
        temperature (float): ``tau`` (> 0).
        ignore_index (int): Id of the ignored pixels.
        reduction (str): ``'mean'`` (over the valid anchors, or
            ``avg_factor``), ``'sum'`` or ``'none'``.
        avg_factor (int | float, optional): Denominator of ``'mean'``
            instead of the number of valid anchors (mmseg convention: not
            allowed with ``'sum'``, no effect with ``'none'``).
        generator (torch.Generator, optional): Random source of the pixel
            sampling (the global one when ``None``).

    Returns:
        Tensor: A scalar, or for ``'none'`` the per-anchor losses
        (B, min(num_samples, H*W)), in pixel order, with zeros in the sampled
        slots that are not valid anchors.
    """
    _check_options(num_samples, temperature, reduction)
    if avg_factor is not None and reduction == 'sum':
        raise ValueError('avg_factor can not be used with reduction="sum"')
    if embeddings.dim() != 4:
        raise ValueError(f'embeddings must be (B, D, H, W), got shape '
                         f'{tuple(embeddings.shape)}')
    b, d, h, w = embeddings.shape
    if tuple(instance_ids.shape) != (b, h, w):
        raise ValueError(
            f'instance_ids shape {tuple(instance_ids.shape)} does not match '
            f'embeddings shape {tuple(embeddings.shape)}: expected '
            f'(B, H, W) = {(b, h, w)}')
    if instance_ids.is_floating_point():
        raise ValueError(f'instance_ids must hold integers, got '
                         f'{instance_ids.dtype}')
    n = min(num_samples, h * w)
    # (B, H, W) -> (B, H*W)
    ids = instance_ids.reshape(b, h * w).to(embeddings.device)
    valid = (ids != BACKGROUND_ID) & (ids != ignore_index)

    # uniform sampling without replacement among the instance pixels: the n
    # smallest random keys, every other pixel being keyed behind them
    rand_device = generator.device if generator is not None else ids.device
    keys = torch.rand(
        b, h * w, generator=generator, device=rand_device).to(ids.device)
    idx = keys.masked_fill(~valid, 2.0).topk(
        n, dim=1, largest=False).indices
    # pixel order within each image (B, n): with n = H*W, the 'none'
    # reduction returns the losses in pixel order
    idx = idx.sort(dim=1).values
    ids = ids.gather(1, idx)
    valid = valid.gather(1, idx)
    # (B, D, H, W) -> (B, H*W, D) -> (B, n, D), unit length per pixel
    e = embeddings.flatten(2).transpose(1, 2)
    e = F.normalize(e.gather(1, idx[..., None].expand(-1, -1, d)), dim=-1)

    logits = e @ e.transpose(1, 2) / temperature  # (B, n, n)
    not_self = ~torch.eye(n, dtype=torch.bool, device=ids.device)
    candidates = valid[:, :, None] & valid[:, None, :] & not_self  # P u N
    positives = candidates & (ids[:, :, None] == ids[:, None, :])  # P
    num_pos = positives.sum(-1)  # (B, n)
    # log D_a; rows without any candidate (not anchors) are zero-filled so
    # that neither their value nor their gradient is NaN
    has_candidate = candidates.any(-1, keepdim=True)
    log_denom = logits.masked_fill(~candidates, float('-inf')).masked_fill(
        ~has_candidate, 0.0).logsumexp(-1)  # (B, n)
    pair_loss = (log_denom[..., None] - logits) * positives
    loss = pair_loss.sum(-1) / num_pos.clamp(min=1)  # (B, n)

    if reduction == 'none':
        return loss
    total = loss.sum()
    if reduction == 'sum':
        return total
    if avg_factor is None:
        return total / (num_pos > 0).sum().clamp(min=1)
    # as mmseg's weight_reduce_loss: no ZeroDivisionError for avg_factor 0
    return total / (avg_factor + torch.finfo(torch.float32).eps)


@MODELS.register_module()
class InstanceContrastiveLoss(WeightedLoss):
    """Instance contrastive loss ``L_IC`` of MaskAttn-UNet, weighted.

    A thin module around :func:`instance_contrastive_loss` (see it for the
    formula and the sampling); the paper trains with
    ``L_CE + lambda * L_IC``, ``lambda`` being ``loss_weight`` here.

    Args:
        num_samples (int): Pixels sampled per image (>= 2).
        temperature (float): Temperature ``tau`` (> 0).
        loss_weight (float): Multiplier of the loss.
        reduction (str): ``'mean'``, ``'sum'`` or ``'none'``.
        ignore_index (int): Instance id of the ignored pixels (0 is
            background).
        loss_name (str): Name of the loss item; mmseg only back-propagates
            items whose name starts with ``loss_``.
    """

    def __init__(self,
                 *,
                 num_samples: int,
                 temperature: float,
                 loss_weight: float = 1.0,
                 reduction: str = 'mean',
                 ignore_index: int = 255,
                 loss_name: str = 'loss_ic') -> None:
        super().__init__(
            loss_weight=loss_weight,
            reduction=reduction,
            ignore_index=ignore_index,
            loss_name=loss_name)
        _check_options(num_samples, temperature, reduction)
        self.num_samples = num_samples
        self.temperature = temperature

    def forward(self,
                embeddings: torch.Tensor,
                instance_ids: torch.Tensor,
                avg_factor: Optional[Union[int, float]] = None,
                reduction_override: Optional[str] = None,
                generator: Optional[torch.Generator] = None) -> torch.Tensor:
        """Weighted loss of ``embeddings`` (B, D, H, W) against
        ``instance_ids`` (B, H, W).

        Args:
            embeddings (Tensor): Per-pixel embeddings (B, D, H, W).
            instance_ids (Tensor): Instance ids (B, H, W).
            avg_factor (int | float, optional): Denominator of the mean.
            reduction_override (str, optional): Replaces ``reduction``.
            generator (torch.Generator, optional): Random source of the
                pixel sampling.

        Returns:
            Tensor: The loss (see :func:`instance_contrastive_loss`).
        """
        return self.loss_weight * instance_contrastive_loss(
            embeddings,
            instance_ids,
            num_samples=self.num_samples,
            temperature=self.temperature,
            avg_factor=avg_factor,
            generator=generator,
            **self.resolve(reduction_override))
