"""Convolutional Self-Attention (CSA), the stage-1 attention of LVT.

Lite Vision Transformer with Enhanced Self-Attention (Chenglin Yang, Yilin
Wang, Jianming Zhang, He Zhang, Zijun Wei, Zhe Lin, Alan Yuille; CVPR 2022),
https://arxiv.org/abs/2112.10809
"""
import math
from typing import Tuple

import torch
import torch.nn as nn
import torch.nn.functional as F
from mmengine.model import BaseModule
from mmseg.models.utils import nchw_to_nlc, nlc_to_nchw
from mmseg.utils import OptMultiConfig

from .attention import check_num_heads

__all__ = ['ConvolutionalSelfAttention']


class ConvolutionalSelfAttention(BaseModule):
    """Convolutional Self-Attention (CSA) of LVT.

    The feature map is cut into overlapping ``kernel_size`` x
    ``kernel_size`` windows placed every ``stride`` pixels. Inside a window,
    each of the ``k*k`` source positions ``j`` gets its own linear value
    transform ``W_j`` (the convolution part; ``k*k*C*C`` weights like a dense
    ``k x k`` conv), and every target position ``i`` mixes the transformed
    values with a per-head ``k*k x k*k`` attention ``alpha_{i->j}``. The
    attention logits are not query-key products: they are predicted by a
    linear layer from the average-pooled (``stride`` x ``stride``) window
    feature, then scaled by ``head_dim ** -0.5`` and soft-maxed over ``j``.
    Because there is no dot product, this module does not use
    :func:`torch.nn.functional.scaled_dot_product_attention`. The window
    outputs are folded back (overlaps summed) and projected.

    Args:
        embed_dims (int): Channels ``C`` of input and output.
        num_heads (int): Attention heads; must divide ``embed_dims``.
        kernel_size (int): Odd window size ``k``. Default: 3.
        stride (int): Window stride, also the pooling size that feeds the
            attention generator. Default: 2.
        qkv_bias (bool): Add a learnable bias to each position-specific
            value transform. Default: False.
        attn_drop_rate (float): Dropout on the attention weights.
            Default: 0.
        proj_drop_rate (float): Dropout after the output projection.
            Default: 0.
        init_cfg (dict | list[dict], optional): Initialization config.
    """

    def __init__(self,
                 embed_dims: int,
                 num_heads: int,
                 *,
                 kernel_size: int = 3,
                 stride: int = 2,
                 qkv_bias: bool = False,
                 attn_drop_rate: float = 0.,
                 proj_drop_rate: float = 0.,
                 init_cfg: OptMultiConfig = None) -> None:
        super().__init__(init_cfg=init_cfg)
        check_num_heads(embed_dims, num_heads, type(self).__name__)
        if kernel_size % 2 != 1:
            # an odd window with padding k // 2 gives ceil(H / stride)
            # windows, the same count as the ceil-mode pooling
            raise ValueError(f'kernel_size must be odd, got {kernel_size}')
        self.embed_dims = embed_dims
        self.num_heads = num_heads
        self.kernel_size = kernel_size
        self.stride = stride
        self.padding = kernel_size // 2
        self.scale = (embed_dims // num_heads)**-0.5
        window = kernel_size * kernel_size

        # per head, a (k*k x k*k) attention matrix for every window
        self.attn_gen = nn.Linear(embed_dims, num_heads * window * window)
        self.attn_drop = nn.Dropout(attn_drop_rate)
        # one (C_out x C_in) value transform per window position
        self.value_weight = nn.Parameter(
            torch.empty(window, embed_dims, embed_dims))
        self.value_bias = nn.Parameter(torch.zeros(
            window, embed_dims)) if qkv_bias else None
        self.proj = nn.Linear(embed_dims, embed_dims)
        self.proj_drop = nn.Dropout(proj_drop_rate)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        """He-normal value transforms, N(0, sqrt(2 / (k*k*C))); bias 0.

        The LVT release's rule: its grouped 1x1 conv holding the transforms
        is drawn with the fan-out ``k*k*C`` at construction.
        """
        fan_out = self.value_weight.shape[0] * self.embed_dims
        nn.init.normal_(self.value_weight, 0., math.sqrt(2. / fan_out))
        if self.value_bias is not None:
            nn.init.zeros_(self.value_bias)

    def forward(self, x: torch.Tensor,
                hw_shape: Tuple[int, int]) -> torch.Tensor:
        """Apply CSA to (B, N, C) tokens of an ``hw_shape`` map."""
        B, _, C = x.shape
        H, W = hw_shape
        window = self.kernel_size * self.kernel_size
        x_map = nlc_to_nchw(x, hw_shape)  # (B, C, H, W)

        # windows: n = ceil(H / s) * ceil(W / s) (odd k, padding k // 2)
        pooled = F.avg_pool2d(
            x_map, self.stride, self.stride, ceil_mode=True)  # (B, C, h, w)
        pooled = nchw_to_nlc(pooled)  # (B, n, C)
        n = pooled.shape[1]
        # (B, n, heads * k2 * k2) -> (B, heads, n, k2 [target i], k2 [src j])
        attn = self.attn_gen(pooled).reshape(B, n, self.num_heads, window,
                                             window).permute(0, 2, 1, 3, 4)
        attn = (attn * self.scale).softmax(dim=-1)
        attn = self.attn_drop(attn)

        # (B, C * k2, n) -> (B, C, k2, n); unfold orders channels as (C, k2)
        patches = F.unfold(
            x_map,
            self.kernel_size,
            padding=self.padding,
            stride=self.stride).reshape(B, C, window, n)
        # position-specific transform: v[b, n, j] = W_j @ patch[b, :, j, n]
        v = torch.einsum('joc,bcjn->bnjo', self.value_weight,
                         patches)  # (B, n, k2, C)
        if self.value_bias is not None:
            v = v + self.value_bias
        # (B, n, k2, heads, C / heads) -> (B, heads, n, k2, C / heads)
        v = v.reshape(B, n, window, self.num_heads,
                      C // self.num_heads).permute(0, 3, 1, 2, 4)

        out = attn @ v  # (B, heads, n, k2, C / heads)
        # -> (B, heads, C / heads, k2, n) -> (B, C * k2, n), fold's layout
        out = out.permute(0, 1, 4, 3, 2).reshape(B, C * window, n)
        out = F.fold(
            out, (H, W),
            self.kernel_size,
            padding=self.padding,
            stride=self.stride)  # (B, C, H, W), overlapping windows summed
        out = self.proj(nchw_to_nlc(out))  # (B, N, C)
        return self.proj_drop(out)
