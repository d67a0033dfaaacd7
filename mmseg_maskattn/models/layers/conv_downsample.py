"""Downsampling between the transformer stages of HDMNet.

HDMNet: Hierarchical Dense Correlation Distillation for Few-Shot Segmentation
(Peng et al., CVPR 2023), https://arxiv.org/abs/2303.14652
"""
import torch
import torch.nn as nn
from mmcv.cnn import build_norm_layer
from mmseg.registry import MODELS

__all__ = ['ConvDownsample']


@MODELS.register_module()
class ConvDownsample(nn.Module):
    """Stride-2 3x3 conv between transformer stages, with a token norm.

    Maps (N, C, H, W) to (N, C, ceil(H / 2), ceil(W / 2)) and normalises
    every position's C channels as a token (e.g. LayerNorm): the
    downsampling before each but the first stage of HDMNet's transformer.

    Args:
        embed_dims (int): Channels C of the input and the output.
        norm_cfg (dict): Config of the token norm, e.g. ``dict(type='LN')``.
    """

    def __init__(self, embed_dims: int, norm_cfg: dict) -> None:
        super().__init__()
        self.conv = nn.Conv2d(
            embed_dims, embed_dims, kernel_size=3, stride=2, padding=1)
        self.norm = build_norm_layer(norm_cfg, embed_dims)[1]

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Downsample and normalise (N, C, H, W) features."""
        x = self.conv(x)
        n, c, h, w = x.shape
        # (N, C, h, w) -> (N, h*w, C) -> norm -> (N, C, h, w)
        x = self.norm(x.flatten(2).transpose(1, 2))
        return x.transpose(1, 2).reshape(n, c, h, w)
