"""Transformer block of the U-MixFormer decoder.

U-MixFormer: UNet-like Transformer with Mix-Attention for Efficient Semantic
Segmentation (Yeom & von Klitzing, WACV 2025),
https://arxiv.org/abs/2312.06272
"""
import math
from typing import Tuple

import torch
import torch.nn as nn
from mmcv.cnn import build_activation_layer, build_norm_layer
from mmcv.cnn.bricks import DropPath
from mmengine.model import (BaseModule, constant_init, normal_init,
                            trunc_normal_init)
from mmseg.models.backbones.mit import MixFFN
from mmseg.models.utils import nchw_to_nlc, nlc_to_nchw, resize
from mmseg.registry import MODELS

from .mix_attention import MixAttention

__all__ = ['MixAttentionBlock']


@MODELS.register_module()
class MixAttentionBlock(BaseModule):
    """Decoder block: mix-attention followed by a Mix-FFN.

    With ``x`` the lateral (query) tokens and ``y`` the mixed key/value
    tokens, the block computes, as in the paper::

        x = LN1(x); y = LN2(y)
        x = x + DropPath(MixAttn(x, y))
        x = LN3(x)
        x = x + DropPath(MixFFN(x))

    The Mix-FFN (Linear -> 3x3 depthwise conv -> GELU -> Linear) is mmseg's
    :class:`~mmseg.models.backbones.mit.MixFFN`.

    For the Cityscapes variant (``query_pool_ratio > 1``) the normalised
    queries are average-pooled, projected by a 1x1 conv, normalised and
    activated before attention, and the attention output is bilinearly
    upsampled back to the query grid before the residual sum, and the
    attention normalises its key/value input once more (``kv_norm``).

    Initialisation (``init_cfg=None``) follows the official release, layer by
    layer: every Linear (q, kv, proj) and the two point-wise layers of the
    Mix-FFN (Linear layers in the release, 1x1 convs here) get a truncated
    normal with std 0.02 and zero bias; LayerNorms get weight 1 and bias 0;
    every other conv (the 3x3 depth-wise conv of the Mix-FFN and the 1x1 conv
    of the query pooling) gets He-normal by fan-out,
    ``N(0, sqrt(2 / (k * k * out_channels / groups)))``, and zero bias.
    A given ``init_cfg`` replaces this rule.

    Args:
        embed_dims (int): Width of the query tokens.
        kv_dims (int): Width of the mixed key/value tokens.
        num_heads (int): Attention heads (must divide ``embed_dims``).
        mlp_ratio (int): Hidden width of the Mix-FFN over ``embed_dims``.
        drop_path_rate (float): Stochastic depth on both residual branches.
        attn_drop (float): Dropout on the attention weights.
        drop_rate (float): Dropout after the projections.
        query_pool_ratio (int): Pooling of the queries before attention
            (1 = none).
        kv_norm (bool): Normalise the key/value input inside the attention
            with a second ``norm_cfg`` layer (the release's Cityscapes head).
        act_cfg (dict): Activation of the Mix-FFN, of the key/value input
            and of the query pooling.
        norm_cfg (dict): Token normalisation layer.
        init_cfg (dict, optional): mmengine initialisation config.
    """

    def __init__(self,
                 *,
                 embed_dims: int,
                 kv_dims: int,
                 num_heads: int,
                 mlp_ratio: int = 4,
                 drop_path_rate: float = 0.1,
                 attn_drop: float = 0.0,
                 drop_rate: float = 0.0,
                 query_pool_ratio: int = 1,
                 kv_norm: bool = False,
                 act_cfg: dict = dict(type='GELU'),
                 norm_cfg: dict = dict(type='LN'),
                 init_cfg=None) -> None:
        super().__init__(init_cfg=init_cfg)
        if query_pool_ratio < 1:
            raise ValueError(
                f'query_pool_ratio must be >= 1, got {query_pool_ratio}')
        self.norm1 = build_norm_layer(norm_cfg, embed_dims)[1]
        self.norm2 = build_norm_layer(norm_cfg, kv_dims)[1]
        self.attn = MixAttention(
            embed_dims=embed_dims,
            kv_dims=kv_dims,
            num_heads=num_heads,
            attn_drop=attn_drop,
            proj_drop=drop_rate,
            kv_act_cfg=act_cfg,
            kv_norm_cfg=norm_cfg if kv_norm else None)
        self.norm3 = build_norm_layer(norm_cfg, embed_dims)[1]
        drop_path = dict(type='DropPath', drop_prob=drop_path_rate)
        self.ffn = MixFFN(
            embed_dims=embed_dims,
            feedforward_channels=mlp_ratio * embed_dims,
            act_cfg=act_cfg,
            ffn_drop=drop_rate,
            dropout_layer=drop_path)
        self.drop_path = DropPath(drop_path_rate)
        self.query_pool_ratio = query_pool_ratio
        if query_pool_ratio > 1:
            self.q_pool = nn.AvgPool2d(
                query_pool_ratio, query_pool_ratio, ceil_mode=True)
            self.q_proj = nn.Conv2d(embed_dims, embed_dims, 1)
            self.q_norm = build_norm_layer(norm_cfg, embed_dims)[1]
            self.q_act = build_activation_layer(act_cfg)

    def init_weights(self) -> None:
        """Initialise as the official release does (see the class doc)."""
        if self.init_cfg is not None:
            super().init_weights()
            return
        # the Mix-FFN's point-wise convs are the release's fc1 / fc2 Linears
        linear_like = {id(self.ffn.layers[0]), id(self.ffn.layers[4])}
        for m in self.modules():
            if isinstance(m, nn.Linear) or id(m) in linear_like:
                trunc_normal_init(m, std=0.02, bias=0.)
            elif isinstance(m, nn.Conv2d):
                fan_out = m.kernel_size[0] * m.kernel_size[1] * \
                    m.out_channels // m.groups
                normal_init(m, mean=0., std=math.sqrt(2.0 / fan_out), bias=0.)
            elif isinstance(m, (nn.LayerNorm, nn.GroupNorm,
                                nn.modules.batchnorm._BatchNorm)):
                constant_init(m, val=1.0, bias=0.)
        self._is_init = True

    def pooled_query(self, x: torch.Tensor,
                     hw_shape: Tuple[int, int]) -> Tuple[torch.Tensor, tuple]:
        """Queries of the Cityscapes variant: ``x`` (B, H*W, C) pooled by
        ``query_pool_ratio``, projected, normalised and activated.

        Returns:
            tuple: (B, h*w, C) tokens and their grid (h, w).
        """
        x = self.q_proj(self.q_pool(nlc_to_nchw(x, hw_shape)))
        pooled_hw = tuple(x.shape[2:])
        x = nchw_to_nlc(x)  # (B, C, h, w) -> (B, h*w, C)
        return self.q_act(self.q_norm(x)), pooled_hw

    def forward(self, x: torch.Tensor, hw_shape: Tuple[int, int],
                kv: torch.Tensor) -> torch.Tensor:
        """Run the block.

        Args:
            x (Tensor): Query tokens (B, H*W, embed_dims).
            hw_shape (tuple[int, int]): (H, W) of the query grid.
            kv (Tensor): Mixed key/value tokens (B, Nk, kv_dims).

        Returns:
            Tensor: (B, H*W, embed_dims).
        """
        x = self.norm1(x)
        kv = self.norm2(kv)
        if self.query_pool_ratio > 1:
            q, pooled_hw = self.pooled_query(x, hw_shape)
            # (B, h*w, C) -> (B, C, h, w) -> upsample -> (B, H*W, C)
            out = nlc_to_nchw(self.attn(q, kv), pooled_hw)
            out = resize(out, size=hw_shape, mode='bilinear',
                         align_corners=False)
            out = nchw_to_nlc(out)
        else:
            out = self.attn(x, kv)
        x = x + self.drop_path(out)
        x = self.norm3(x)
        return self.ffn(x, hw_shape, identity=x)
