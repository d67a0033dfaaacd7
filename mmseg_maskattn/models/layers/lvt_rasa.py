"""Recursive Atrous Self-Attention (RASA), the stage 2-4 attention of
LVT.

Lite Vision Transformer with Enhanced Self-Attention (Chenglin Yang, Yilin
Wang, Jianming Zhang, He Zhang, Zijun Wei, Zhe Lin, Alan Yuille; CVPR 2022),
https://arxiv.org/abs/2112.10809
"""
from typing import Sequence, Tuple

import torch
import torch.nn as nn
from mmcv.cnn import build_activation_layer, build_norm_layer
from mmengine.model import BaseModule
from mmseg.models.utils import nchw_to_nlc, nlc_to_nchw
from mmseg.utils import ConfigType, OptMultiConfig

from .attention import check_num_heads, multi_head_attention
from .shared_atrous_conv import SharedAtrousConv

__all__ = ['RecursiveAtrousSelfAttention']


class RecursiveAtrousSelfAttention(BaseModule):
    """Recursive Atrous Self-Attention (RASA) of LVT.

    One attention step ``ASA(x)``: queries ``q = A(Linear(x))`` where ``A``
    is :class:`SharedAtrousConv` (multi-scale context, ``atrous_rates``);
    keys and values come from ``x`` after an optional spatial reduction
    (``sr_ratio`` x ``sr_ratio`` strided conv + norm, as in PVT/SegFormer);
    attention is :func:`torch.nn.functional.scaled_dot_product_attention`
    followed by a linear projection. The recursion re-applies the same
    weights on the running sum of the input and the previous outputs::

        y_1 = act(ASA(s_0)),  s_0 = x
        s_t = s_{t-1} + y_t,  y_{t+1} = act(ASA(s_t))

    and returns ``y_R`` for ``R = num_recursions``; ``R = 1`` is a plain
    ``ASA(x)`` without activation.

    Args:
        embed_dims (int): Channels ``C`` of input and output.
        num_heads (int): Attention heads; must divide ``embed_dims``.
        sr_ratio (int): Spatial reduction of keys/values. Default: 1.
        atrous_rates (Sequence[int]): Dilations of the shared query conv;
            empty disables it. Default: (1, 3, 5).
        num_recursions (int): Recursion depth ``R`` >= 1. Default: 2.
        qkv_bias (bool): Bias in the q / kv projections and the atrous
            query conv. Default: False.
        attn_drop_rate (float): Attention dropout. Default: 0.
        proj_drop_rate (float): Dropout after the projection. Default: 0.
        act_cfg (dict): Activation of the atrous branches and of the
            recursion. Default: dict(type='SiLU').
        norm_cfg (dict): Norm after the spatial reduction.
            Default: dict(type='LN').
        init_cfg (dict | list[dict], optional): Initialization config.
    """

    def __init__(self,
                 embed_dims: int,
                 num_heads: int,
                 *,
                 sr_ratio: int = 1,
                 atrous_rates: Sequence[int] = (1, 3, 5),
                 num_recursions: int = 2,
                 qkv_bias: bool = False,
                 attn_drop_rate: float = 0.,
                 proj_drop_rate: float = 0.,
                 act_cfg: ConfigType = dict(type='SiLU'),
                 norm_cfg: ConfigType = dict(type='LN'),
                 init_cfg: OptMultiConfig = None) -> None:
        super().__init__(init_cfg=init_cfg)
        check_num_heads(embed_dims, num_heads, type(self).__name__)
        if num_recursions < 1:
            raise ValueError(
                f'num_recursions must be >= 1, got {num_recursions}')
        self.embed_dims = embed_dims
        self.num_heads = num_heads
        self.sr_ratio = sr_ratio
        self.num_recursions = num_recursions
        self.attn_drop_rate = attn_drop_rate

        self.q = nn.Linear(embed_dims, embed_dims, bias=qkv_bias)
        self.atrous_conv = SharedAtrousConv(
            embed_dims, atrous_rates, bias=qkv_bias,
            act_cfg=act_cfg) if len(atrous_rates) > 0 else None
        self.kv = nn.Linear(embed_dims, embed_dims * 2, bias=qkv_bias)
        if sr_ratio > 1:
            self.sr = nn.Conv2d(
                embed_dims, embed_dims, kernel_size=sr_ratio, stride=sr_ratio)
            self.norm = build_norm_layer(norm_cfg, embed_dims)[1]
        self.proj = nn.Linear(embed_dims, embed_dims)
        self.proj_drop = nn.Dropout(proj_drop_rate)
        self.act = build_activation_layer(
            act_cfg) if num_recursions > 1 else None

    def _attend(self, x: torch.Tensor,
                hw_shape: Tuple[int, int]) -> torch.Tensor:
        """One atrous self-attention step on (B, N, C) tokens."""
        q = self.q(x)  # (B, N, C)
        if self.atrous_conv is not None:
            q = nchw_to_nlc(self.atrous_conv(nlc_to_nchw(q, hw_shape)))
        if self.sr_ratio > 1:
            # (B, C, H / sr, W / sr) -> (B, M, C), M = floor(H/sr)*floor(W/sr)
            x = nchw_to_nlc(self.sr(nlc_to_nchw(x, hw_shape)))
            x = self.norm(x)
        # (B, M, 2 * C) -> two (B, M, C)
        k, v = self.kv(x).chunk(2, dim=-1)
        out = multi_head_attention(
            q, k, v, self.num_heads,
            dropout_p=self.attn_drop_rate if self.training else 0.)
        return self.proj_drop(self.proj(out))

    def forward(self, x: torch.Tensor,
                hw_shape: Tuple[int, int]) -> torch.Tensor:
        """Apply RASA to (B, N, C) tokens of an ``hw_shape`` map."""
        out = self._attend(x, hw_shape)
        if self.num_recursions == 1:
            return out
        out = self.act(out)
        state = x
        for _ in range(self.num_recursions - 1):
            state = state + out
            out = self.act(self._attend(state, hw_shape))
        return out
