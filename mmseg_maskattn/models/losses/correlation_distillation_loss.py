"""Correlation distillation loss of HDMNet.

HDMNet: Hierarchical Dense Correlation Distillation for Few-Shot Segmentation
(Peng et al., CVPR 2023), https://arxiv.org/abs/2303.14652
"""
from typing import Optional, Tuple, Union

import torch
import torch.nn.functional as F
from mmseg.models.utils import resize
from mmseg.registry import MODELS

from .pixel_loss_utils import check_reduction
from .weighted_loss import WeightedLoss

__all__ = ['CorrelationDistillationLoss', 'correlation_distillation_loss']

FOREGROUND_ID = 1


def _check_options(temperature: float, reduction: str) -> None:
    if not temperature > 0:
        raise ValueError(f'temperature must be > 0, got {temperature!r}')
    check_reduction(reduction, 'correlation_distillation_loss')


def _label_distribution(
        labels: torch.Tensor, size: Tuple[int, int],
        ignore_index: int) -> Tuple[torch.Tensor, torch.Tensor]:
    """Spatial distribution of the foreground of ``labels`` (B, H, W) on a
    ``size`` grid, and the cells that hold at least one labelled pixel.

    Each cell gets the fraction of its pixels that are foreground (an
    adaptive average pool of the indicator, so small objects survive the
    downsampling), normalised to sum to 1 per image.
    """
    labels = labels.long()
    fg = (labels == FOREGROUND_ID).float()[:, None]
    valid = (labels != ignore_index).float()[:, None]
    # (B, 1, H, W) -> (B, h*w)
    fg = F.adaptive_avg_pool2d(fg, size).flatten(1)
    valid = F.adaptive_avg_pool2d(valid, size).flatten(1) > 0
    return fg / fg.sum(1, keepdim=True).clamp(min=1e-12), valid


def correlation_distillation_loss(
        student: torch.Tensor,
        teacher: torch.Tensor,
        *,
        temperature: float = 1.0,
        ignore_index: int = 255,
        reduction: str = 'mean',
        avg_factor: Optional[Union[int, float]] = None) -> torch.Tensor:
    """KL divergence between spatial distributions of correlation maps.

    Both maps are turned into distributions over the spatial positions of
    the student grid (h, w) and, per image::

        t = softmax_x(teacher(x) / temperature)   (float teacher: logits)
        s = softmax_x(student(x) / temperature)
        loss = KL(t || s) = sum_x t(x) (log t(x) - log s(x))

    The teacher is a target: it is detached. A floating-point teacher is a
    correlation map (logits) of another level, bilinearly resized to the
    student grid when its size differs. An integer teacher is a label map
    (B, H, W) (1 = foreground, ``ignore_index`` = unlabelled, anything else
    background): ``t`` is the fraction of foreground pixels of each student
    cell, normalised to sum to 1, and the student softmax runs over the
    cells with at least one labelled pixel only. Images whose label map has
    no foreground pixel have no target distribution and are skipped (loss 0,
    not counted by the mean).

    Args:
        student (Tensor): Student correlation map (B, h, w) or (B, 1, h, w).
        teacher (Tensor): Teacher correlation map (B, h', w') or
            (B, 1, h', w') (floating point), or a label map (B, H, W)
            (integer).
        temperature (float): Softening of both softmaxes (> 0).
        ignore_index (int): Ignored label of an integer teacher.
        reduction (str): ``'mean'`` (over the images with a target, or
            ``avg_factor``), ``'sum'`` or ``'none'``.
        avg_factor (int | float, optional): Denominator of ``'mean'``
            (mmseg convention: not allowed with ``'sum'``).

    Returns:
        Tensor: A scalar, or (B, ) per-image losses for ``'none'``.
    """
    _check_options(temperature, reduction)
    if avg_factor is not None and reduction == 'sum':
        raise ValueError('avg_factor can not be used with reduction="sum"')
    if student.dim() == 4 and student.shape[1] == 1:
        student = student[:, 0]
    if student.dim() != 3:
        raise ValueError(f'student must be (B, h, w) or (B, 1, h, w), got '
                         f'shape {tuple(student.shape)}')
    b, h, w = student.shape
    teacher = teacher.detach()
    if teacher.dim() == 4 and teacher.shape[1] == 1:
        teacher = teacher[:, 0]
    if teacher.dim() != 3 or teacher.shape[0] != b:
        raise ValueError(
            f'teacher shape {tuple(teacher.shape)} does not match student '
            f'shape {tuple(student.shape)}: expected (B, H, W) with B={b}')
    # (B, h, w) -> (B, h*w)
    s_logits = student.flatten(1) / temperature
    if teacher.is_floating_point():
        if tuple(teacher.shape[1:]) != (h, w):
            teacher = resize(
                teacher[:, None], size=(h, w), mode='bilinear',
                align_corners=False)[:, 0]
        t_prob = (teacher.flatten(1).to(s_logits.dtype) /
                  temperature).softmax(dim=1)
        has_target = torch.ones(b, dtype=torch.bool, device=student.device)
    else:
        t_prob, valid = _label_distribution(teacher, (h, w), ignore_index)
        t_prob = t_prob.to(s_logits.dtype)
        has_target = t_prob.sum(1) > 0
        # cells without labelled pixels leave the student's softmax; an
        # image with none at all keeps every cell (it has no target anyway)
        valid = valid | ~valid.any(1, keepdim=True)
        s_logits = s_logits.masked_fill(~valid, float('-inf'))
    log_s = s_logits.log_softmax(dim=1)
    # t log t - t log s, with 0 log 0 = 0 and no -inf * 0 where t = 0
    loss = (torch.xlogy(t_prob, t_prob) -
            t_prob * log_s.masked_fill(t_prob == 0, 0.0)).sum(1)  # (B, )

    if reduction == 'none':
        return loss
    total = loss.sum()
    if reduction == 'sum':
        return total
    if avg_factor is None:
        return total / has_target.sum().clamp(min=1)
    # as mmseg's weight_reduce_loss: no ZeroDivisionError for avg_factor 0
    return total / (avg_factor + torch.finfo(torch.float32).eps)


@MODELS.register_module()
class CorrelationDistillationLoss(WeightedLoss):
    """HDMNet's correlation distillation loss (CDL), weighted.

    A thin module around :func:`correlation_distillation_loss` (see it for
    the formula); HDMNet trains with ``L_CE + L_meta + lambda * L_CDL``,
    ``lambda`` being ``loss_weight`` here.

    Args:
        temperature (float): Softening of both softmaxes (> 0).
        loss_weight (float): Multiplier of the loss.
        reduction (str): ``'mean'``, ``'sum'`` or ``'none'``.
        ignore_index (int): Ignored label of a label-map teacher.
        loss_name (str): Name of the loss item; mmseg only back-propagates
            items whose name starts with ``loss_``.
    """

    def __init__(self,
                 *,
                 temperature: float = 1.0,
                 loss_weight: float = 1.0,
                 reduction: str = 'mean',
                 ignore_index: int = 255,
                 loss_name: str = 'loss_distill') -> None:
        super().__init__(
            loss_weight=loss_weight,
            reduction=reduction,
            ignore_index=ignore_index,
            loss_name=loss_name)
        _check_options(temperature, reduction)
        self.temperature = temperature

    def forward(self,
                student: torch.Tensor,
                teacher: torch.Tensor,
                avg_factor: Optional[Union[int, float]] = None,
                reduction_override: Optional[str] = None) -> torch.Tensor:
        """Weighted loss of the ``student`` map against the ``teacher``.

        Args:
            student (Tensor): Student correlation map (B, [1,] h, w).
            teacher (Tensor): Teacher correlation map (float) or label map
                (integer).
            avg_factor (int | float, optional): Denominator of the mean.
            reduction_override (str, optional): Replaces ``reduction``.

        Returns:
            Tensor: The loss (see :func:`correlation_distillation_loss`).
        """
        return self.loss_weight * correlation_distillation_loss(
            student,
            teacher,
            temperature=self.temperature,
            avg_factor=avg_factor,
            **self.resolve(reduction_override))
