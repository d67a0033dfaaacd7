"""Depth-wise 3x3 kernel shared over dilation rates (the RASA query
conv of LVT).

Lite Vision Transformer with Enhanced Self-Attention (Chenglin Yang, Yilin
Wang, Jianming Zhang, He Zhang, Zijun Wei, Zhe Lin, Alan Yuille; CVPR 2022),
https://arxiv.org/abs/2112.10809
"""
from typing import Sequence

import torch
import torch.nn as nn
import torch.nn.functional as F
from mmcv.cnn import build_activation_layer
from mmseg.utils import ConfigType

__all__ = ['SharedAtrousConv']


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
