"""Lite Vision Transformer (LVT) encoder.

Lite Vision Transformer with Enhanced Self-Attention (Chenglin Yang, Yilin
Wang, Jianming Zhang, He Zhang, Zijun Wei, Zhe Lin, Alan Yuille; CVPR 2022),
https://arxiv.org/abs/2112.10809

LVT is a four-stage hierarchical transformer. The first stage uses
Convolutional Self-Attention (CSA), which applies a dynamically generated
attention inside every 3x3 window on top of position-specific (convolution
like) value transforms. Stages 2-4 use Recursive Atrous Self-Attention
(RASA): global multi-head self-attention whose queries are enriched by one
depth-wise 3x3 kernel shared over several dilation rates, applied recursively
with shared weights.
"""
import math
import re
import warnings
from collections import OrderedDict
from typing import Dict, List, Optional, Sequence, Tuple, Union

import torch
import torch.nn as nn
import torch.nn.functional as F
from mmcv.cnn import build_activation_layer, build_norm_layer
from mmcv.cnn.bricks.drop import build_dropout
from mmengine.logging import MMLogger
from mmengine.model import BaseModule
from mmengine.model.weight_init import (constant_init, normal_init,
                                        trunc_normal_init)
from mmengine.runner.checkpoint import CheckpointLoader
from mmseg.models.utils import PatchEmbed, nchw_to_nlc, nlc_to_nchw
from mmseg.registry import MODELS
from mmseg.utils import ConfigType, OptMultiConfig

from ..layers.attention import check_num_heads, multi_head_attention

__all__ = [
    'LVT', 'LVTLayer', 'ConvolutionalSelfAttention',
    'RecursiveAtrousSelfAttention', 'lvt_convert'
]

_ATTN_TYPES = ('csa', 'rasa')


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


class SharedAtrousConv(nn.Module):
    """Depth-wise 3x3 kernel shared over several dilation rates.

    ``out = sum_r act(dwconv_r(x))`` where every branch uses the same weight
    (and bias) with dilation and padding ``r``. This is the multi-scale
    query enrichment of RASA; sharing the kernel keeps the cost at ``9 * C``
    weights whatever the number of rates.

    Args:
        channels (int): Input and output channels.
        atrous_rates (Sequence[int]): Dilation rates of the branches.
        bias (bool): Whether the shared kernel has a bias.
        act_cfg (dict): Activation applied to every branch.
    """

    def __init__(self, channels: int, atrous_rates: Sequence[int], *,
                 bias: bool, act_cfg: ConfigType) -> None:
        super().__init__()
        self.atrous_rates = tuple(atrous_rates)
        self.weight = nn.Parameter(torch.empty(channels, 1, 3, 3))
        self.bias = nn.Parameter(torch.empty(channels)) if bias else None
        self.act = build_activation_layer(act_cfg)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        """Kaiming-uniform weight, bias U(+-1/3), as the LVT release.

        The release's ``init='kaiming'`` (its default and the one of its
        configs): ``kaiming_uniform_`` with a=0 and fan-in 9, i.e.
        U(+-sqrt(6 / 9)), and a bias bound sqrt(groups / (9 * C)) = 1/3.
        """
        nn.init.kaiming_uniform_(self.weight)
        if self.bias is not None:
            nn.init.uniform_(self.bias, -1. / 3., 1. / 3.)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Sum of the activated dilated branches of an NCHW map."""
        channels = x.shape[1]
        out = 0
        for rate in self.atrous_rates:
            out = out + self.act(
                F.conv2d(
                    x,
                    self.weight,
                    self.bias,
                    padding=rate,
                    dilation=rate,
                    groups=channels))
        return out


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


class LVTFFN(BaseModule):
    """LVT feed-forward network, optionally with a depth-wise 3x3 conv.

    ``fc2(drop(act(dwconv(fc1(x)))))``; the depth-wise conv (stages 2-4 of
    LVT) sits between the expansion and the activation.

    Args:
        embed_dims (int): Input and output channels.
        feedforward_channels (int): Hidden channels.
        use_dwconv (bool): Insert the depth-wise 3x3 conv.
        act_cfg (dict): Activation. Default: dict(type='GELU').
        ffn_drop (float): Dropout after the activation and after ``fc2``.
            Default: 0.
        init_cfg (dict | list[dict], optional): Initialization config.
    """

    def __init__(self,
                 embed_dims: int,
                 feedforward_channels: int,
                 *,
                 use_dwconv: bool,
                 act_cfg: ConfigType = dict(type='GELU'),
                 ffn_drop: float = 0.,
                 init_cfg: OptMultiConfig = None) -> None:
        super().__init__(init_cfg=init_cfg)
        self.fc1 = nn.Linear(embed_dims, feedforward_channels)
        self.dwconv = nn.Conv2d(
            feedforward_channels,
            feedforward_channels,
            kernel_size=3,
            padding=1,
            groups=feedforward_channels) if use_dwconv else None
        self.act = build_activation_layer(act_cfg)
        self.fc2 = nn.Linear(feedforward_channels, embed_dims)
        self.drop = nn.Dropout(ffn_drop)

    def forward(self, x: torch.Tensor,
                hw_shape: Tuple[int, int]) -> torch.Tensor:
        """Apply the FFN to (B, N, C) tokens of an ``hw_shape`` map."""
        x = self.fc1(x)  # (B, N, hidden)
        if self.dwconv is not None:
            x = nchw_to_nlc(self.dwconv(nlc_to_nchw(x, hw_shape)))
        x = self.drop(self.act(x))
        return self.drop(self.fc2(x))


class LVTLayer(BaseModule):
    """One pre-norm LVT block: ``x + attn(norm(x))``, ``x + ffn(norm(x))``.

    Args:
        embed_dims (int): Token channels.
        num_heads (int): Attention heads.
        mlp_ratio (float): FFN hidden width / ``embed_dims``.
        attn_type (str): ``'csa'`` or ``'rasa'``.
        sr_ratio (int): Key/value spatial reduction (RASA only).
        ffn_dwconv (bool): Depth-wise conv in the FFN.
        atrous_rates (Sequence[int]): RASA query dilations.
        num_recursions (int): RASA recursion depth.
        qkv_bias (bool): Bias in the attention input projections.
        drop_rate (float): Dropout after projections and in the FFN.
        attn_drop_rate (float): Attention dropout.
        drop_path_rate (float): Stochastic depth of both residual branches.
        act_cfg (dict): FFN activation.
        rasa_act_cfg (dict): RASA activation.
        norm_cfg (dict): Token norm (over the channel dim).
        init_cfg (dict | list[dict], optional): Initialization config.
    """

    def __init__(self,
                 embed_dims: int,
                 num_heads: int,
                 *,
                 mlp_ratio: float,
                 attn_type: str,
                 sr_ratio: int,
                 ffn_dwconv: bool,
                 atrous_rates: Sequence[int],
                 num_recursions: int,
                 qkv_bias: bool = False,
                 drop_rate: float = 0.,
                 attn_drop_rate: float = 0.,
                 drop_path_rate: float = 0.,
                 act_cfg: ConfigType = dict(type='GELU'),
                 rasa_act_cfg: ConfigType = dict(type='SiLU'),
                 norm_cfg: ConfigType = dict(type='LN'),
                 init_cfg: OptMultiConfig = None) -> None:
        super().__init__(init_cfg=init_cfg)
        self.norm1 = build_norm_layer(norm_cfg, embed_dims)[1]
        if attn_type == 'csa':
            self.attn = ConvolutionalSelfAttention(
                embed_dims,
                num_heads,
                qkv_bias=qkv_bias,
                attn_drop_rate=attn_drop_rate,
                proj_drop_rate=drop_rate)
        elif attn_type == 'rasa':
            self.attn = RecursiveAtrousSelfAttention(
                embed_dims,
                num_heads,
                sr_ratio=sr_ratio,
                atrous_rates=atrous_rates,
                num_recursions=num_recursions,
                qkv_bias=qkv_bias,
                attn_drop_rate=attn_drop_rate,
                proj_drop_rate=drop_rate,
                act_cfg=rasa_act_cfg,
                norm_cfg=norm_cfg)
        else:
            raise ValueError(f'attn_type must be one of {_ATTN_TYPES}, '
                             f'got {attn_type!r}')
        self.norm2 = build_norm_layer(norm_cfg, embed_dims)[1]
        self.ffn = LVTFFN(
            embed_dims,
            int(embed_dims * mlp_ratio),
            use_dwconv=ffn_dwconv,
            act_cfg=act_cfg,
            ffn_drop=drop_rate)
        self.drop_path = build_dropout(
            dict(type='DropPath', drop_prob=drop_path_rate)
        ) if drop_path_rate > 0 else nn.Identity()

    def forward(self, x: torch.Tensor,
                hw_shape: Tuple[int, int]) -> torch.Tensor:
        """Apply the block to (B, N, C) tokens of an ``hw_shape`` map."""
        x = x + self.drop_path(self.attn(self.norm1(x), hw_shape))
        return x + self.drop_path(self.ffn(self.norm2(x), hw_shape))


@MODELS.register_module()
class LVT(BaseModule):
    """Lite Vision Transformer encoder.

    Paper: `Lite Vision Transformer with Enhanced Self-Attention
    <https://arxiv.org/abs/2112.10809>`_ (Yang et al., CVPR 2022); the
    encoder of U-MixFormer-LVT.

    Each stage is an overlapping patch embedding (strided conv + norm)
    followed by ``num_layers[i]`` pre-norm blocks whose attention is CSA
    (:class:`ConvolutionalSelfAttention`) or RASA
    (:class:`RecursiveAtrousSelfAttention`). The forward returns a list of
    NCHW maps, one per ``out_indices`` entry; for an ``H x W`` input stage
    ``i`` has ``embed_dims[i]`` channels and stride ``s_i`` = 4, 8, 16, 32
    (defaults), with spatial size ``ceil(H / s_i) x ceil(W / s_i)`` because
    every embedding conv pads by ``kernel // 2`` (e.g. a 65x70 input gives
    17x18, 9x9, 5x5 and 3x3). Inputs must be large enough for the RASA
    spatial reductions to keep at least one key: with the defaults
    ``ceil(H / 8) >= 4`` and ``ceil(H / 16) >= 2``, i.e. H, W >= 25.

    Defaults are LVT as released by the authors with the paper (official
    code, https://github.com/Chenglin-Yang/LVT: the ``lvt`` backbone and the
    ``rasa_cfg`` of ``configs/lvt_imagenet.py`` and of the ADE20K SegFormer
    config):

    =======  ====  =====  ======  =====  =========  ========  ======
    stage    attn  width  layers  heads  mlp ratio  sr ratio  dwconv
    =======  ====  =====  ======  =====  =========  ========  ======
    1 (/4)   CSA   64     2       2      4          (unused)  no
    2 (/8)   RASA  64     2       2      8          4         yes
    3 (/16)  RASA  160    2       5      4          2         yes
    4 (/32)  RASA  256    2       8      4          1         yes
    =======  ====  =====  ======  =====  =========  ========  ======

    Patch embeddings: 7x7 stride 4 (stage 1), 3x3 stride 2 (stages 2-4).
    CSA: 3x3 windows, stride 2. RASA: atrous rates (1, 3, 5), 2 recursions,
    SiLU. No qkv bias, GELU FFNs, LayerNorm (eps 1e-5), no extra norm on the
    stage outputs (the official segmentation backbone returns the block
    outputs directly).

    Parameters: 3,429,092 (3.43M) with the defaults, which matches the
    3.4M "backbone params" published for LVT (the per-layer breakdown is
    checked analytically in ``tests/test_models/test_backbones/test_lvt.py``).
    The ImageNet model additionally has two VOLO-style class-attention post
    layers, a class token and two classifier heads; they are not part of the
    encoder and are not built here. The K/V spatial reduction of stages 2-3
    (``sr_ratios``) is taken from the official code; it accounts for 0.34M
    of the parameters, without it the encoder would have 3.09M.

    Deviations from the official implementation (none changes the maths or
    the parameter count): tokens are kept as (B, N, C) sequences with mmseg's
    :class:`~mmseg.models.utils.PatchEmbed` instead of NHWC maps; RASA uses
    :func:`torch.nn.functional.scaled_dot_product_attention`; CSA's
    position-specific value transforms are an ``einsum`` over a
    (k*k, C, C) weight instead of a grouped 1x1 conv over unfolded windows.
    Official checkpoints are converted on load by :func:`lvt_convert`.

    Args:
        in_channels (int): Input image channels. Default: 3.
        embed_dims (Sequence[int]): Width of each stage; its length sets the
            number of stages. Default: (64, 64, 160, 256).
        num_layers (Sequence[int]): Blocks per stage. Default: (2, 2, 2, 2).
        num_heads (Sequence[int]): Heads per stage, each dividing its width.
            Default: (2, 2, 5, 8).
        mlp_ratios (Sequence[float]): FFN expansion per stage.
            Default: (4, 8, 4, 4).
        attn_types (Sequence[str]): ``'csa'`` or ``'rasa'`` per stage.
            Default: ('csa', 'rasa', 'rasa', 'rasa').
        sr_ratios (Sequence[int]): Key/value spatial reduction per stage;
            only read for RASA stages (CSA attends within 3x3 windows), the
            first entry is kept at the official value 8 for config symmetry
            with SegFormer. Default: (8, 4, 2, 1).
        ffn_dwconv (Sequence[bool]): Depth-wise 3x3 conv in the FFN per
            stage. Default: (False, True, True, True).
        patch_sizes (Sequence[int]): Patch-embedding kernel per stage.
            Default: (7, 3, 3, 3).
        strides (Sequence[int]): Patch-embedding stride per stage.
            Default: (4, 2, 2, 2).
        atrous_rates (Sequence[int]): RASA query dilation rates.
            Default: (1, 3, 5).
        num_recursions (int): RASA recursion depth. Default: 2.
        out_indices (int | Sequence[int]): Stages whose outputs are
            returned. Default: (0, 1, 2, 3).
        qkv_bias (bool): Bias in the attention input projections.
            Default: False.
        drop_rate (float): Dropout after projections and in FFNs.
            Default: 0.
        attn_drop_rate (float): Attention dropout. Default: 0.
        drop_path_rate (float): Stochastic depth, increased linearly from 0
            over all blocks to this value. Default: 0.
        act_cfg (dict): FFN activation. Default: dict(type='GELU').
        rasa_act_cfg (dict): RASA activation. Default: dict(type='SiLU').
        norm_cfg (dict): Token norm; it must normalise the last (channel)
            dim of (B, N, C) tokens. Default: dict(type='LN').
        pretrained (str, optional): Deprecated, use
            ``init_cfg=dict(type='Pretrained', checkpoint=...)``.
        init_cfg (dict | list[dict], optional): Initialization config. With
            ``type='Pretrained'`` the checkpoint (its ``state_dict`` or
            ``model`` entry if present) must provide every weight; official
            LVT checkpoints (keys ``backbone.<stage>.<0|1>...``) are
            converted with :func:`lvt_convert`, otherwise an optional
            ``prefix`` (e.g. ``'backbone.'`` for an mmseg segmentor
            checkpoint) selects and strips the keys.
    """

    def __init__(self,
                 *,
                 in_channels: int = 3,
                 embed_dims: Sequence[int] = (64, 64, 160, 256),
                 num_layers: Sequence[int] = (2, 2, 2, 2),
                 num_heads: Sequence[int] = (2, 2, 5, 8),
                 mlp_ratios: Sequence[float] = (4, 8, 4, 4),
                 attn_types: Sequence[str] = ('csa', 'rasa', 'rasa', 'rasa'),
                 sr_ratios: Sequence[int] = (8, 4, 2, 1),
                 ffn_dwconv: Sequence[bool] = (False, True, True, True),
                 patch_sizes: Sequence[int] = (7, 3, 3, 3),
                 strides: Sequence[int] = (4, 2, 2, 2),
                 atrous_rates: Sequence[int] = (1, 3, 5),
                 num_recursions: int = 2,
                 out_indices: Union[int, Sequence[int]] = (0, 1, 2, 3),
                 qkv_bias: bool = False,
                 drop_rate: float = 0.,
                 attn_drop_rate: float = 0.,
                 drop_path_rate: float = 0.,
                 act_cfg: ConfigType = dict(type='GELU'),
                 rasa_act_cfg: ConfigType = dict(type='SiLU'),
                 norm_cfg: ConfigType = dict(type='LN'),
                 pretrained: Optional[str] = None,
                 init_cfg: OptMultiConfig = None) -> None:
        if pretrained is not None:
            if init_cfg is not None:
                raise ValueError('`init_cfg` and `pretrained` cannot be set '
                                 'at the same time')
            if not isinstance(pretrained, str):
                raise ValueError('`pretrained` must be a checkpoint path, got '
                                 f'{type(pretrained).__name__}')
            warnings.warn('`pretrained` is deprecated, please use '
                          '`init_cfg=dict(type="Pretrained", checkpoint=...)`')
            init_cfg = dict(type='Pretrained', checkpoint=pretrained)
        if (isinstance(init_cfg, dict) and init_cfg.get('type') == 'Pretrained'
                and not init_cfg.get('checkpoint')):
            raise ValueError("`init_cfg` of type 'Pretrained' needs a "
                             "'checkpoint' key")
        super().__init__(init_cfg=init_cfg)

        num_stages = len(embed_dims)
        if num_stages == 0:
            raise ValueError('`embed_dims` must list at least one stage')
        per_stage = dict(
            num_layers=num_layers,
            num_heads=num_heads,
            mlp_ratios=mlp_ratios,
            attn_types=attn_types,
            sr_ratios=sr_ratios,
            ffn_dwconv=ffn_dwconv,
            patch_sizes=patch_sizes,
            strides=strides)
        for key, value in per_stage.items():
            if len(value) != num_stages:
                raise ValueError(
                    f'`{key}` must have one entry per stage ({num_stages}, '
                    f'the length of `embed_dims`), got {len(value)}: '
                    f'{tuple(value)}')
        for i, (dims, heads) in enumerate(zip(embed_dims, num_heads)):
            if heads < 1 or dims % heads != 0:
                raise ValueError(f'`num_heads[{i}]`={heads} must divide '
                                 f'`embed_dims[{i}]`={dims}')
        for i, attn_type in enumerate(attn_types):
            if attn_type not in _ATTN_TYPES:
                raise ValueError(f'`attn_types[{i}]` must be one of '
                                 f'{_ATTN_TYPES}, got {attn_type!r}')
        for key in ('num_layers', 'sr_ratios', 'patch_sizes', 'strides'):
            if any(v < 1 for v in per_stage[key]):
                raise ValueError(f'`{key}` entries must be >= 1, got '
                                 f'{tuple(per_stage[key])}')
        if any(r <= 0 for r in mlp_ratios):
            raise ValueError(
                f'`mlp_ratios` entries must be > 0, got {tuple(mlp_ratios)}')
        if any(r < 1 for r in atrous_rates):
            raise ValueError(f'`atrous_rates` entries must be >= 1, got '
                             f'{tuple(atrous_rates)}')
        if num_recursions < 1:
            raise ValueError(
                f'`num_recursions` must be >= 1, got {num_recursions}')
        if not 0 <= drop_path_rate < 1:
            raise ValueError(
                f'`drop_path_rate` must be in [0, 1), got {drop_path_rate}')
        if isinstance(out_indices, int):
            out_indices = (out_indices, )
        out_indices = tuple(out_indices)
        if not out_indices or any(not 0 <= i < num_stages
                                  for i in out_indices):
            raise ValueError(f'`out_indices` must be non-empty stage indices '
                             f'in [0, {num_stages}), got {out_indices}')

        self.embed_dims = tuple(embed_dims)
        self.num_layers = tuple(num_layers)
        self.num_stages = num_stages
        self.out_indices = out_indices

        # stochastic depth rate, linear over all blocks
        dpr = torch.linspace(0, drop_path_rate, sum(num_layers)).tolist()
        self.layers = nn.ModuleList()
        block_idx = 0
        for i in range(num_stages):
            patch_embed = PatchEmbed(
                in_channels=in_channels if i == 0 else embed_dims[i - 1],
                embed_dims=embed_dims[i],
                kernel_size=patch_sizes[i],
                stride=strides[i],
                padding=patch_sizes[i] // 2,
                norm_cfg=norm_cfg)
            blocks = nn.ModuleList([
                LVTLayer(
                    embed_dims[i],
                    num_heads[i],
                    mlp_ratio=mlp_ratios[i],
                    attn_type=attn_types[i],
                    sr_ratio=sr_ratios[i],
                    ffn_dwconv=ffn_dwconv[i],
                    atrous_rates=atrous_rates,
                    num_recursions=num_recursions,
                    qkv_bias=qkv_bias,
                    drop_rate=drop_rate,
                    attn_drop_rate=attn_drop_rate,
                    drop_path_rate=dpr[block_idx + j],
                    act_cfg=act_cfg,
                    rasa_act_cfg=rasa_act_cfg,
                    norm_cfg=norm_cfg) for j in range(num_layers[i])
            ])
            block_idx += num_layers[i]
            self.layers.append(nn.ModuleList([patch_embed, blocks]))

    def init_weights(self) -> None:
        """Initialize weights as the LVT release does, or load ``init_cfg``.

        Without ``init_cfg`` every parameter gets the initialisation of the
        official LVT code (Yang et al., CVPR 2022,
        https://arxiv.org/abs/2112.10809; release
        https://github.com/Chenglin-Yang/LVT,
        ``segmentation/mmseg/models/backbones/lvt.py``, the encoder of
        U-MixFormer-LVT). The release initialises at construction (its own
        ``init_weights`` does nothing); the rule it ends up with is:

        * ``nn.Linear`` (CSA attention generator and projection, RASA q, kv
          and projection, the stage-1 FFN): truncated normal, std 0.02, cut
          at +-2; bias 0.
        * ``nn.LayerNorm``: weight 1, bias 0.
        * Patch-embedding convs and RASA spatial-reduction convs:
          N(0, sqrt(2 / fan_out)), fan_out = kh * kw * out_channels /
          groups; bias 0.
        * CSA value transforms: N(0, sqrt(2 / (k * k * C))), the fan-out of
          the release's grouped 1x1 conv; bias 0 (the release has none).
        * RASA shared atrous kernel (the release's ``init='kaiming'``):
          ``kaiming_uniform_`` (a=0, fan-in 9), U(+-sqrt(6 / 9)); bias
          U(+-1/3).
        * FFNs with the depth-wise conv (stages 2-4): fc1, dwconv and fc2
          keep PyTorch's default, U(+-1/sqrt(fan_in)) for weight and bias.
          In the release they are ``nn.Conv2d`` layers (1x1, 3x3
          depth-wise, 1x1), which no init touches: the model-wide init
          covers only ``nn.Linear`` and ``nn.LayerNorm``. Our fc1 / fc2
          are the equivalent ``nn.Linear`` layers, with the same default.
        """
        init_cfg = self.init_cfg
        if init_cfg is None:
            torch_default = {
                layer
                for m in self.modules()
                if isinstance(m, LVTFFN) and m.dwconv is not None
                for layer in (m.fc1, m.dwconv, m.fc2)
            }
            for m in self.modules():
                if m in torch_default or isinstance(
                        m, (ConvolutionalSelfAttention, SharedAtrousConv)):
                    m.reset_parameters()
                elif isinstance(m, nn.Linear):
                    trunc_normal_init(m, std=.02, bias=0.)
                elif isinstance(m, nn.LayerNorm):
                    constant_init(m, val=1.0, bias=0.)
                elif isinstance(m, nn.Conv2d):
                    fan_out = (m.kernel_size[0] * m.kernel_size[1] *
                               m.out_channels) // m.groups
                    normal_init(
                        m, mean=0, std=math.sqrt(2.0 / fan_out), bias=0)
        elif (isinstance(init_cfg, dict)
              and init_cfg.get('type') == 'Pretrained'):
            self._load_pretrained(init_cfg['checkpoint'],
                                  init_cfg.get('prefix'))
        else:
            super().init_weights()

    def _load_pretrained(self, checkpoint: str,
                         prefix: Optional[str] = None) -> None:
        """Load a checkpoint, converting official LVT keys.

        ``prefix`` is applied first, so an mmseg segmentor checkpoint
        (``'backbone.'``) and a U-MixFormer-LVT release checkpoint, whose
        backbone is stored as ``backbone.backbone.<stage>...``
        (``prefix='backbone.'`` leaves LVT's official layout), both load.
        Every weight of this backbone must come from the checkpoint: a
        missing key, or a shape that does not fit, raises a ``ValueError``
        naming the checkpoint and the keys. Extra keys (e.g. the ImageNet
        classifier) are ignored.
        """
        ckpt = CheckpointLoader.load_checkpoint(
            checkpoint, map_location="cpu",
            logger=MMLogger.get_current_instance())
        state_dict = ckpt
        for key in ('state_dict', 'model'):  # mmengine / timm layouts
            if isinstance(ckpt, dict) and key in ckpt:
                state_dict = ckpt[key]
                break
        if prefix:
            state_dict = OrderedDict((k[len(prefix):], v)
                                     for k, v in state_dict.items()
                                     if k.startswith(prefix))
            if not state_dict:
                raise ValueError(f'no key of {checkpoint} starts with the '
                                 f'`init_cfg` prefix {prefix!r}')
        if any(_OFFICIAL_KEY.match(k) for k in state_dict):
            state_dict = lvt_convert(state_dict)
        own = self.state_dict()
        missing = sorted(set(own) - set(state_dict))
        wrong = sorted(f'{k}: {tuple(state_dict[k].shape)} vs '
                       f'{tuple(v.shape)}' for k, v in own.items()
                       if k in state_dict and state_dict[k].shape != v.shape)
        if missing or wrong:
            raise ValueError(
                f'LVT: {checkpoint} (prefix {prefix!r}) leaves '
                f'{len(missing)} of {len(own)} weights unloaded: '
                f'{missing[:8]}{" ..." if len(missing) > 8 else ""}; '
                f'shape mismatches (checkpoint vs model): {wrong}')
        self.load_state_dict(
            OrderedDict((k, state_dict[k]) for k in own), strict=True)

    def forward(self, x: torch.Tensor) -> List[torch.Tensor]:
        """Return the NCHW maps of the ``out_indices`` stages."""
        outs = []
        for i, (patch_embed, blocks) in enumerate(self.layers):
            x, hw_shape = patch_embed(x)  # (B, H_i * W_i, C_i)
            for block in blocks:
                x = block(x, hw_shape)
            x = nlc_to_nchw(x, hw_shape)  # (B, C_i, H_i, W_i)
            if i in self.out_indices:
                outs.append(x)
        return outs


# official key: backbone.<stage>.<0: patch embed | 1: blocks>.<rest>
_OFFICIAL_KEY = re.compile(r'^backbone\.(\d+)\.([01])\.(.+)$')
# official block sub-key prefix -> this implementation (first match wins)
_BLOCK_RENAMES = (
    ('attn.attn.', 'attn.attn_gen.'),
    ('attn.weight.weight', 'attn.value_weight'),
    ('attn.ds.', 'attn.atrous_conv.'),
    ('mlp.depconv.', 'ffn.dwconv.'),
    ('mlp.', 'ffn.'),
)


def lvt_convert(
        state_dict: Dict[str, torch.Tensor]) -> Dict[str, torch.Tensor]:
    """Convert an official LVT state dict to :class:`LVT` keys and shapes.

    The official code (https://github.com/Chenglin-Yang/LVT) stores stage
    ``i`` as ``backbone.i.0`` (patch embedding) and ``backbone.i.1.j``
    (blocks). Keys outside ``backbone.`` (the ImageNet class-attention post
    layers, class token, final norm and heads) are dropped. Shapes: the
    CSA grouped 1x1 conv ``(k*k*C, C, 1, 1)`` becomes the ``(k*k, C, C)``
    value weight and the 1x1-conv FFN linears ``(out, in, 1, 1)`` become
    ``(out, in)``.

    Args:
        state_dict (dict[str, Tensor]): Official checkpoint weights.

    Returns:
        dict[str, Tensor]: Weights named as in :class:`LVT` (ordered).
    """
    converted = OrderedDict()
    for key, value in state_dict.items():
        match = _OFFICIAL_KEY.match(key)
        if match is None:
            continue
        stage, part, rest = match.groups()
        if part == '0':
            rest = re.sub(r'^proj\.', 'projection.', rest)
        else:
            block, name = rest.split('.', 1)
            for old, new in _BLOCK_RENAMES:
                if name.startswith(old):
                    name = new + name[len(old):]
                    break
            if name == 'attn.value_weight':
                channels = value.shape[1]
                # (k2 * C_out, C_in, 1, 1) -> (k2, C_out, C_in)
                value = value.reshape(-1, channels, channels)
            elif name in ('ffn.fc1.weight',
                          'ffn.fc2.weight') and value.dim() == 4:
                value = value.flatten(1)  # (out, in, 1, 1) -> (out, in)
            rest = f'{block}.{name}'
        converted[f'layers.{stage}.{part}.{rest}'] = value
    return converted
