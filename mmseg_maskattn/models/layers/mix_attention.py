"""Mix-attention of U-MixFormer.

U-MixFormer: UNet-like Transformer with Mix-Attention for Efficient Semantic
Segmentation (Yeom & von Klitzing, WACV 2025),
https://arxiv.org/abs/2312.06272
"""
from typing import Optional

import torch
import torch.nn as nn
from mmcv.cnn import build_activation_layer, build_norm_layer
from mmengine.model import BaseModule
from mmseg.registry import MODELS

from .attention import check_num_heads, multi_head_attention

__all__ = ['MixAttention']


@MODELS.register_module()
class MixAttention(BaseModule):
    """Multi-head cross-attention from query tokens to a mix of feature maps.

    Queries come from one feature map (width ``embed_dims``); keys and values
    come from the channel-wise concatenation of several aligned feature maps
    (width ``kv_dims``). Following the paper, the key/value input goes through
    an activation (GELU) before a single bias-free projection to ``2 *
    embed_dims``; the query projection has no bias and the output projection
    has one. The attention itself is :func:`multi_head_attention`
    (:func:`torch.nn.functional.scaled_dot_product_attention`).

    The Cityscapes head of the official release normalises the key/value
    input once more inside the attention (a LayerNorm of width ``kv_dims``
    between the block's norm and the GELU); ``kv_norm_cfg`` adds that layer.

    Args:
        embed_dims (int): Width of the queries and of the output.
        kv_dims (int): Width of the key/value input (the mixed maps).
        num_heads (int): Number of attention heads; must divide
            ``embed_dims``.
        attn_drop (float): Dropout on the attention weights (training only).
        proj_drop (float): Dropout after the output projection.
        kv_act_cfg (dict): Activation applied to the key/value input.
        kv_norm_cfg (dict, optional): Normalisation of the key/value input
            before the activation (the Cityscapes variant); None = none.
        init_cfg (dict, optional): mmengine initialisation config.
    """

    def __init__(self,
                 *,
                 embed_dims: int,
                 kv_dims: int,
                 num_heads: int,
                 attn_drop: float = 0.0,
                 proj_drop: float = 0.0,
                 kv_act_cfg: dict = dict(type='GELU'),
                 kv_norm_cfg: Optional[dict] = None,
                 init_cfg=None) -> None:
        super().__init__(init_cfg=init_cfg)
        check_num_heads(embed_dims, num_heads, type(self).__name__)
        self.embed_dims = embed_dims
        self.kv_dims = kv_dims
        self.num_heads = num_heads
        self.attn_drop = attn_drop
        self.q = nn.Linear(embed_dims, embed_dims, bias=False)
        self.kv_norm = (
            build_norm_layer(kv_norm_cfg, kv_dims)[1]
            if kv_norm_cfg is not None else nn.Identity())
        self.kv_act = build_activation_layer(kv_act_cfg)
        self.kv = nn.Linear(kv_dims, 2 * embed_dims, bias=False)
        self.proj = nn.Linear(embed_dims, embed_dims)
        self.proj_drop = nn.Dropout(proj_drop)

    def forward(self, query: torch.Tensor, kv: torch.Tensor) -> torch.Tensor:
        """Attend from ``query`` (B, Nq, C) to ``kv`` (B, Nk, kv_dims).

        Returns:
            Tensor: (B, Nq, C).
        """
        q = self.q(query)
        # (B, Nk, 2C) -> two (B, Nk, C)
        k, v = self.kv(self.kv_act(self.kv_norm(kv))).chunk(2, dim=-1)
        out = multi_head_attention(
            q, k, v, self.num_heads,
            dropout_p=self.attn_drop if self.training else 0.0)
        return self.proj_drop(self.proj(out))
