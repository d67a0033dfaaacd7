"""Feed-forward network of the LVT blocks.

Lite Vision Transformer with Enhanced Self-Attention (Chenglin Yang, Yilin
Wang, Jianming Zhang, He Zhang, Zijun Wei, Zhe Lin, Alan Yuille; CVPR 2022),
https://arxiv.org/abs/2112.10809
"""
from typing import Tuple

import torch
import torch.nn as nn
from mmcv.cnn import build_activation_layer
from mmengine.model import BaseModule
from mmseg.models.utils import nchw_to_nlc, nlc_to_nchw
from mmseg.utils import ConfigType, OptMultiConfig

__all__ = ['LVTFFN']


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
