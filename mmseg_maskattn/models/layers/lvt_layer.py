"""Transformer block of LVT (CSA or RASA attention, then an FFN).

Lite Vision Transformer with Enhanced Self-Attention (Chenglin Yang, Yilin
Wang, Jianming Zhang, He Zhang, Zijun Wei, Zhe Lin, Alan Yuille; CVPR 2022),
https://arxiv.org/abs/2112.10809
"""
from typing import Sequence, Tuple

import torch
import torch.nn as nn
from mmcv.cnn import build_norm_layer
from mmcv.cnn.bricks.drop import build_dropout
from mmengine.model import BaseModule
from mmseg.utils import ConfigType, OptMultiConfig

from .lvt_csa import ConvolutionalSelfAttention
from .lvt_ffn import LVTFFN
from .lvt_rasa import RecursiveAtrousSelfAttention

__all__ = ['LVTLayer']


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

    #: accepted ``attn_type`` values
    ATTN_TYPES = ('csa', 'rasa')

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
            raise ValueError(f'attn_type must be one of {self.ATTN_TYPES}, '
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
