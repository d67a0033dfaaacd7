"""Matching module of HDMNet (attention with an inverse softmax).

HDMNet: Hierarchical Dense Correlation Distillation for Few-Shot Segmentation
(Peng et al., CVPR 2023), https://arxiv.org/abs/2303.14652
"""
from typing import Tuple

import torch
import torch.nn as nn
import torch.nn.functional as F
from mmengine.model import BaseModule
from mmseg.registry import MODELS

__all__ = ['InverseSoftmaxMatching', 'inverse_softmax_matching']

# smallest foreground mass of a support set; below it the set is treated as
# empty (no correlation, no matched feature)
_EPS = 1e-6


def inverse_softmax_matching(
        query: torch.Tensor, support: torch.Tensor, values: torch.Tensor,
        support_mask: torch.Tensor, *,
        temperature: float) -> Tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """Match query tokens to the foreground support tokens.

    With ``q`` and ``s`` the L2-normalised query and support tokens and
    ``m`` the foreground weight of each support token::

        S = q s^T / temperature                        (B, Nq, Ns)
        A = softmax_{over Nq}(S) * m                   (inverse softmax)
        out = A v                                      (B, Nq, Cv)
        corr = sum_j m_j S_ij / sum_j m_j              (B, Nq)

    The softmax runs over the *query* positions ("inverse softmax"): each
    support token distributes a unit of attention over the query image, so
    a query position only receives features from the support tokens that
    single it out, instead of every query position (background included)
    being forced to pick some support token. The columns of background
    support tokens (``m = 0``) are zeroed. ``m`` may be fractional (a token
    covering a partly-foreground window at a coarse level): its column is
    then scaled by that fraction. ``corr``, the mean score over the
    foreground support tokens, is the correlation map that HDMNet distills
    across levels; it is 0 for a support set without foreground.

    Args:
        query (Tensor): Query tokens (B, Nq, C), normalised here.
        support (Tensor): Support tokens (B, Ns, C), normalised here (all the
            shots of an episode concatenated along Ns).
        values (Tensor): Values of the support tokens (B, Ns, Cv).
        support_mask (Tensor): Foreground weight in [0, 1] of each support
            token (B, Ns).
        temperature (float): Divisor of the cosine similarities (> 0).

    Returns:
        tuple[Tensor, Tensor, Tensor]: ``out`` (B, Nq, Cv), ``corr``
        (B, Nq) and the attention ``A`` (B, Nq, Ns).
    """
    if not temperature > 0:
        raise ValueError(f'temperature must be > 0, got {temperature!r}')
    b, ns, _ = support.shape
    if tuple(support_mask.shape) != (b, ns):
        raise ValueError(
            f'support_mask shape {tuple(support_mask.shape)} does not match '
            f'the support tokens {tuple(support.shape)}: expected (B, Ns) = '
            f'{(b, ns)}')
    m = support_mask.to(query.dtype)
    scores = F.normalize(query, dim=-1) @ F.normalize(
        support, dim=-1).transpose(1, 2) / temperature  # (B, Nq, Ns)
    attn = scores.softmax(dim=1) * m[:, None, :]
    out = attn @ values
    corr = (scores * m[:, None, :]).sum(-1) / m.sum(
        -1, keepdim=True).clamp(min=_EPS)
    return out, corr, attn


@MODELS.register_module()
class InverseSoftmaxMatching(BaseModule):
    """HDMNet's matching module with learned projections.

    Query tokens, support tokens and support values are projected by
    separate linear layers, matched by :func:`inverse_softmax_matching`
    (cosine scores over ``temperature``, softmax over the query positions,
    background support columns zeroed), and the matched features go through
    an output projection.

    Args:
        embed_dims (int): Width of the tokens and of the output.
        temperature (float): Divisor of the cosine similarities (0.1 in the
            paper).
        init_cfg (dict, optional): mmengine initialisation config.
    """

    def __init__(self,
                 *,
                 embed_dims: int,
                 temperature: float = 0.1,
                 init_cfg=None) -> None:
        super().__init__(init_cfg=init_cfg)
        if embed_dims <= 0:
            raise ValueError(f'embed_dims must be positive, got {embed_dims}')
        if not temperature > 0:
            raise ValueError(f'temperature must be > 0, got {temperature!r}')
        self.embed_dims = embed_dims
        self.temperature = temperature
        self.q = nn.Linear(embed_dims, embed_dims)
        self.k = nn.Linear(embed_dims, embed_dims)
        self.v = nn.Linear(embed_dims, embed_dims)
        self.proj = nn.Linear(embed_dims, embed_dims)

    def forward(
            self, query: torch.Tensor, support: torch.Tensor,
            support_mask: torch.Tensor) -> Tuple[torch.Tensor, torch.Tensor]:
        """Match ``query`` (B, Nq, C) to ``support`` (B, Ns, C).

        Args:
            query (Tensor): Query tokens (B, Nq, C).
            support (Tensor): Support tokens of all shots (B, Ns, C).
            support_mask (Tensor): Foreground weight of each support token
                (B, Ns).

        Returns:
            tuple[Tensor, Tensor]: The matched features (B, Nq, C) and the
            correlation map (B, Nq).
        """
        out, corr, _ = inverse_softmax_matching(
            self.q(query),
            self.k(support),
            self.v(support),
            support_mask,
            temperature=self.temperature)
        return self.proj(out), corr
