"""Matching module of HDMNet (attention with an inverse softmax).

HDMNet: Hierarchical Dense Correlation Distillation for Few-Shot Segmentation
(Peng et al., CVPR 2023), https://arxiv.org/abs/2303.14652
"""
from typing import Tuple

import torch
import torch.nn as nn
import torch.nn.functional as F
from mmcv.cnn import build_norm_layer
from mmengine.model import BaseModule
from mmseg.models.backbones.mit import MixFFN
from mmseg.registry import MODELS

from ...utils import is_int
from .attention import check_num_heads, merge_heads, split_heads

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
    """HDMNet's matching layer: a pre-norm cross-attention transformer layer
    whose attention is the inverse softmax.

    With ``x`` the query tokens of an (H, W) grid and ``s`` the support
    tokens of all shots::

        y, z = LN1(x), LN1(s)                         (one shared norm)
        per head h: out_h, corr_h = inverse_softmax_matching(
                        Q_h(y), K_h(z), V_h(z), m, temperature)
        x = x + Drop(O(cat_h out_h))
        x = x + MixFFN(LN2(x))
        corr = mean_h corr_h

    As in the official release: ``num_heads`` heads (2), bias-free q, k, v
    and output projections (``qkv_bias=False``), dropout 0.1 after the
    output projection and in the Mix-FFN, the query tokens as the residual.
    The cosine scores of a head are taken over its own channels.

    Args:
        embed_dims (int): Width of the tokens and of the output.
        num_heads (int): Attention heads; must divide ``embed_dims``.
        temperature (float): Divisor of the cosine similarities (0.1 in the
            paper).
        mlp_ratio (int): Hidden width ratio of the Mix-FFN.
        drop_rate (float): Dropout after the output projection and in the
            Mix-FFN.
        qkv_bias (bool): Bias of the q, k, v and output projections.
        act_cfg (dict): Activation of the Mix-FFN.
        norm_cfg (dict): Token normalisation (the release: LN, eps 1e-6).
        init_cfg (dict, optional): mmengine initialisation config.
    """

    def __init__(self,
                 *,
                 embed_dims: int,
                 num_heads: int = 2,
                 temperature: float = 0.1,
                 mlp_ratio: int = 4,
                 drop_rate: float = 0.1,
                 qkv_bias: bool = False,
                 act_cfg: dict = dict(type='GELU'),
                 norm_cfg: dict = dict(type='LN', eps=1e-6),
                 init_cfg=None) -> None:
        super().__init__(init_cfg=init_cfg)
        if not is_int(embed_dims) or embed_dims <= 0:
            raise ValueError(
                f'embed_dims must be a positive int, got {embed_dims!r}')
        check_num_heads(embed_dims, num_heads, type(self).__name__)
        if not temperature > 0:
            raise ValueError(f'temperature must be > 0, got {temperature!r}')
        if not (is_int(mlp_ratio) and mlp_ratio > 0):
            raise ValueError(
                f'mlp_ratio must be a positive int, got {mlp_ratio!r}')
        self.embed_dims = embed_dims
        self.num_heads = num_heads
        self.temperature = temperature
        self.norm1 = build_norm_layer(norm_cfg, embed_dims)[1]
        self.q = nn.Linear(embed_dims, embed_dims, bias=qkv_bias)
        self.k = nn.Linear(embed_dims, embed_dims, bias=qkv_bias)
        self.v = nn.Linear(embed_dims, embed_dims, bias=qkv_bias)
        self.proj = nn.Linear(embed_dims, embed_dims, bias=qkv_bias)
        self.proj_drop = nn.Dropout(drop_rate)
        self.norm2 = build_norm_layer(norm_cfg, embed_dims)[1]
        self.ffn = MixFFN(
            embed_dims=embed_dims,
            feedforward_channels=mlp_ratio * embed_dims,
            act_cfg=act_cfg,
            ffn_drop=drop_rate)

    def forward(self, query: torch.Tensor, hw_shape: Tuple[int, int],
                support: torch.Tensor, support_mask: torch.Tensor
                ) -> Tuple[torch.Tensor, torch.Tensor]:
        """Match ``query`` (B, Nq, C) to ``support`` (B, Ns, C).

        Args:
            query (Tensor): Query tokens (B, Nq, C) of an ``hw_shape`` grid.
            hw_shape (tuple[int, int]): (H, W) of the query grid.
            support (Tensor): Support tokens of all shots (B, Ns, C).
            support_mask (Tensor): Foreground weight of each support token
                (B, Ns).

        Returns:
            tuple[Tensor, Tensor]: The updated query tokens (B, Nq, C) and
            the correlation map (B, Nq), averaged over the heads.
        """
        b, nq, c = query.shape
        if nq != hw_shape[0] * hw_shape[1]:
            raise ValueError(f'{nq} query tokens do not match hw_shape='
                             f'{tuple(hw_shape)}')
        h = self.num_heads
        y, z = self.norm1(query), self.norm1(support)

        def heads(x: torch.Tensor) -> torch.Tensor:
            # (B, N, C) -> (B, heads, N, d) -> (B*heads, N, d)
            return split_heads(x, h).flatten(0, 1)

        out, corr, _ = inverse_softmax_matching(
            heads(self.q(y)),
            heads(self.k(z)),
            heads(self.v(z)),
            support_mask.repeat_interleave(h, dim=0),
            temperature=self.temperature)
        # (B*heads, Nq, d) -> (B, heads, Nq, d) -> (B, Nq, C)
        out = merge_heads(out.reshape(b, h, nq, c // h))
        x = query + self.proj_drop(self.proj(out))
        x = self.ffn(self.norm2(x), hw_shape, identity=x)
        # (B*heads, Nq) -> (B, heads, Nq) -> mean over the heads
        return x, corr.reshape(b, h, nq).mean(dim=1)
