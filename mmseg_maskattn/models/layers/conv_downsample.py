"""Conv patch embeddings of the transformer stages of HDMNet.

HDMNet: Hierarchical Dense Correlation Distillation for Few-Shot Segmentation
(Peng et al., CVPR 2023), https://arxiv.org/abs/2303.14652
"""
import torch
import torch.nn as nn
from mmcv.cnn import build_norm_layer
from mmseg.registry import MODELS

from ...utils import is_int

__all__ = ['ConvDownsample']


@MODELS.register_module()
class ConvDownsample(nn.Module):
    """Conv patch embedding of a transformer stage, with a token norm.

    A ``kernel_size`` conv with stride ``stride`` and padding
    ``kernel_size // 2`` maps (N, C, H, W) to (N, C, ceil(H / stride),
    ceil(W / stride)) (for odd kernels), then every position's C channels
    are normalised as a token (e.g. LayerNorm). HDMNet's release opens its
    first stage with a 1x1, stride-1 embedding and every later stage with a
    3x3, stride-2 one (the defaults).

    Args:
        embed_dims (int): Channels C of the input and the output.
        norm_cfg (dict): Config of the token norm, e.g. ``dict(type='LN')``.
        kernel_size (int): Kernel of the conv (odd).
        stride (int): Stride of the conv.
    """

    def __init__(self,
                 embed_dims: int,
                 norm_cfg: dict,
                 kernel_size: int = 3,
                 stride: int = 2) -> None:
        super().__init__()
        if not (is_int(kernel_size) and kernel_size > 0 and kernel_size % 2
                and is_int(stride) and stride > 0):
            raise ValueError('ConvDownsample: kernel_size must be an odd int '
                             f'> 0 and stride an int > 0, got kernel_size='
                             f'{kernel_size!r}, stride={stride!r}')
        self.conv = nn.Conv2d(
            embed_dims,
            embed_dims,
            kernel_size=kernel_size,
            stride=stride,
            padding=kernel_size // 2)
        self.norm = build_norm_layer(norm_cfg, embed_dims)[1]

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Downsample and normalise (N, C, H, W) features."""
        x = self.conv(x)
        n, c, h, w = x.shape
        # (N, C, h, w) -> (N, h*w, C) -> norm -> (N, C, h, w)
        x = self.norm(x.flatten(2).transpose(1, 2))
        return x.transpose(1, 2).reshape(n, c, h, w)
