"""Transformer layer with spatial-reduction (efficient) self-attention.

The attention is the efficient self-attention of SegFormer (Xie et al.,
NeurIPS 2021, https://arxiv.org/abs/2105.15203), used by the decoupled
self-attention stages of HDMNet: Hierarchical Dense Correlation Distillation
for Few-Shot Segmentation (Peng et al., CVPR 2023),
https://arxiv.org/abs/2303.14652
"""
from typing import Tuple

import torch
import torch.nn as nn
import torch.nn.functional as F
from mmcv.cnn import build_norm_layer
from mmengine.model import BaseModule
from mmseg.models.backbones.mit import MixFFN
from mmseg.models.utils import nchw_to_nlc, nlc_to_nchw
from mmseg.registry import MODELS

from ...utils import is_int
from .attention import check_num_heads, multi_head_attention

__all__ = ['EfficientSelfAttention']


@MODELS.register_module()
class EfficientSelfAttention(BaseModule):
    """Pre-norm transformer layer: spatial-reduction attention + Mix-FFN.

    With ``x`` the tokens of an (H, W) grid::

        y = LN1(x)
        kv = LN_sr(Conv_{r x r, stride r}(y))      (only when r > 1)
        x = x + Proj(MHA(Q(y), K(kv), V(kv)))
        x = x + MixFFN(LN2(x))

    Keys and values come from the grid downsampled by a strided conv of
    kernel = stride = ``sr_ratio`` (SegFormer's efficient attention), which
    divides the attention cost by ``sr_ratio ** 2``. A grid whose side is
    not a multiple of ``sr_ratio`` is zero-padded on the right / bottom
    before the reduction (so a grid smaller than the ratio still gives one
    key); with ``sr_pad=False`` the reduction is a plain strided conv, as in
    HDMNet's release, which drops the trailing rows / columns. The
    attention is :func:`multi_head_attention`
    (:func:`torch.nn.functional.scaled_dot_product_attention`); the Mix-FFN
    (1x1 conv, 3x3 depth-wise conv, GELU, 1x1 conv) is mmseg's
    :class:`~mmseg.models.backbones.mit.MixFFN`.

    Args:
        embed_dims (int): Token width.
        num_heads (int): Attention heads; must divide ``embed_dims``.
        sr_ratio (int): Spatial reduction of the keys and values (>= 1).
        mlp_ratio (int): Hidden width of the Mix-FFN over ``embed_dims``.
        attn_drop (float): Dropout on the attention weights (training only).
        drop_rate (float): Dropout after the output projection and in the
            Mix-FFN.
        qkv_bias (bool): Bias of the query, key/value and output
            projections (HDMNet's release has none).
        sr_pad (bool): Zero-pad the grid to a multiple of ``sr_ratio``
            before the reduction (False: no padding, as HDMNet's release).
        act_cfg (dict): Activation of the Mix-FFN.
        norm_cfg (dict): Token normalisation layer.
        init_cfg (dict, optional): mmengine initialisation config.
    """

    def __init__(self,
                 *,
                 embed_dims: int,
                 num_heads: int,
                 sr_ratio: int = 1,
                 mlp_ratio: int = 4,
                 attn_drop: float = 0.0,
                 drop_rate: float = 0.0,
                 qkv_bias: bool = True,
                 sr_pad: bool = True,
                 act_cfg: dict = dict(type='GELU'),
                 norm_cfg: dict = dict(type='LN'),
                 init_cfg=None) -> None:
        super().__init__(init_cfg=init_cfg)
        check_num_heads(embed_dims, num_heads, type(self).__name__)
        if not is_int(sr_ratio) or sr_ratio < 1:
            raise ValueError(f'sr_ratio must be an int >= 1, got {sr_ratio!r}')
        if mlp_ratio <= 0:
            raise ValueError(f'mlp_ratio must be positive, got {mlp_ratio}')
        self.embed_dims = embed_dims
        self.num_heads = num_heads
        self.sr_ratio = sr_ratio
        self.sr_pad = sr_pad
        self.attn_drop = attn_drop
        self.norm1 = build_norm_layer(norm_cfg, embed_dims)[1]
        self.q = nn.Linear(embed_dims, embed_dims, bias=qkv_bias)
        self.kv = nn.Linear(embed_dims, 2 * embed_dims, bias=qkv_bias)
        if sr_ratio > 1:
            self.sr = nn.Conv2d(
                embed_dims, embed_dims, kernel_size=sr_ratio, stride=sr_ratio)
            self.sr_norm = build_norm_layer(norm_cfg, embed_dims)[1]
        self.proj = nn.Linear(embed_dims, embed_dims, bias=qkv_bias)
        self.proj_drop = nn.Dropout(drop_rate)
        self.norm2 = build_norm_layer(norm_cfg, embed_dims)[1]
        self.ffn = MixFFN(
            embed_dims=embed_dims,
            feedforward_channels=mlp_ratio * embed_dims,
            act_cfg=act_cfg,
            ffn_drop=drop_rate)

    def _reduced(self, y: torch.Tensor,
                 hw_shape: Tuple[int, int]) -> torch.Tensor:
        """Key/value tokens: ``y`` (B, H*W, C) reduced by ``sr_ratio``."""
        if self.sr_ratio == 1:
            return y
        h, w = hw_shape
        r = self.sr_ratio
        # (B, H*W, C) -> (B, C, H, W)
        grid = nlc_to_nchw(y, hw_shape)
        if self.sr_pad:
            # padded to multiples of r
            grid = F.pad(grid, (0, (-w) % r, 0, (-h) % r))
        elif h < r or w < r:
            raise ValueError(
                f'EfficientSelfAttention: a {h}x{w} grid is smaller than '
                f'sr_ratio={r} without sr_pad; use a larger input')
        # (B, C, H/r, W/r) -> (B, H*W/r^2, C)
        return self.sr_norm(nchw_to_nlc(self.sr(grid)))

    def forward(self, x: torch.Tensor,
                hw_shape: Tuple[int, int]) -> torch.Tensor:
        """Apply the layer to the tokens ``x`` (B, H*W, C) of an (H, W) grid.

        Returns:
            Tensor: (B, H*W, C).
        """
        n = x.shape[1]
        if n != hw_shape[0] * hw_shape[1]:
            raise ValueError(f'{n} tokens do not match hw_shape={hw_shape}')
        y = self.norm1(x)
        # (B, Nk, 2C) -> two (B, Nk, C)
        k, v = self.kv(self._reduced(y, hw_shape)).chunk(2, dim=-1)
        out = multi_head_attention(
            self.q(y), k, v, self.num_heads,
            dropout_p=self.attn_drop if self.training else 0.0)
        x = x + self.proj_drop(self.proj(out))
        return self.ffn(self.norm2(x), hw_shape, identity=x)
