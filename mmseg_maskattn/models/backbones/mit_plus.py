"""MiT encoder with intermediate stage-3 outputs for U-MixFormer+.

U-MixFormer: UNet-like Transformer with Mix-Attention for Efficient Semantic
Segmentation (Yeom & von Klitzing, WACV 2025),
https://arxiv.org/abs/2312.06272
"""
from typing import List

import torch
from mmseg.models.backbones import MixVisionTransformer
from mmseg.models.utils import nlc_to_nchw
from mmseg.registry import MODELS

__all__ = ['MixVisionTransformerPlus']


@MODELS.register_module()
class MixVisionTransformerPlus(MixVisionTransformer):
    """mmseg's MiT that also returns intermediate maps of one stage.

    U-MixFormer+ (MiT-B4/B5) appends to the key/value mix the outputs of
    blocks of stage ``extra_stage`` (0-based; stage 3 of the paper is
    ``extra_stage=2``). As in the official release, the tapped blocks are
    those whose 0-based index is a non-zero multiple of ``extra_interval``:
    with the default interval 6, blocks 6, 12, 18, 24 of MiT-B4 (27 blocks,
    4 maps) and 6, 12, ..., 36 of MiT-B5 (40 blocks, 6 maps).

    The regular outputs come first (``out_indices``), then the extra maps
    (B, C, H, W) in block order. The weights and their key names are exactly
    those of :class:`~mmseg.models.backbones.MixVisionTransformer`, so MiT
    checkpoints load unchanged.

    Initialisation (without ``init_cfg``) is mmseg's MiT ``init_weights``,
    inherited unchanged; the release's backbone
    (https://github.com/julian-klitzing/u-mixformer,
    ``mmseg/models/backbones/mit_multi.py``) is a copy of mmseg's MiT with
    the same method (SegFormer's rule): ``nn.Linear`` truncated normal, std
    0.02 (cut at +-2), bias 0; ``nn.LayerNorm`` weight 1, bias 0;
    ``nn.Conv2d`` (patch embeddings, spatial reductions, Mix-FFN convs)
    N(0, sqrt(2 / fan_out)) with fan_out = kh * kw * out_channels /
    groups, bias 0. The input projection of each ``nn.MultiheadAttention``
    is a bare parameter, not a linear layer, so it keeps PyTorch's own
    init: Xavier-uniform weight, zero bias.

    Args:
        extra_stage (int): 0-based stage whose intermediate blocks are tapped.
        extra_interval (int): Tap every ``extra_interval``-th block.
        **kwargs: Forwarded to :class:`MixVisionTransformer`.
    """

    def __init__(self,
                 *,
                 extra_stage: int = 2,
                 extra_interval: int = 6,
                 **kwargs) -> None:
        super().__init__(**kwargs)
        if not 0 <= extra_stage < self.num_stages:
            raise ValueError(f'extra_stage={extra_stage} must index one of '
                             f'the {self.num_stages} stages')
        if extra_interval < 1:
            raise ValueError(
                f'extra_interval must be >= 1, got {extra_interval}')
        depth = self.num_layers[extra_stage]
        self.extra_stage = extra_stage
        self.extra_blocks = [
            j for j in range(depth)
            if j > 0 and j % extra_interval == 0
        ]
        self._taps: List[torch.Tensor] = []
        blocks = self.layers[extra_stage][1]
        for j in self.extra_blocks:
            blocks[j].register_forward_hook(self._tap)

    @property
    def num_extra_outs(self) -> int:
        """Number of extra maps appended to the outputs."""
        return len(self.extra_blocks)

    def _tap(self, module, args, output: torch.Tensor) -> None:
        # a MiT block is called as block(x, hw_shape) on (B, N, C) tokens
        self._taps.append(nlc_to_nchw(output, args[1]))

    def forward(self, x: torch.Tensor) -> List[torch.Tensor]:
        self._taps = []
        outs = super().forward(x)
        extras, self._taps = self._taps, []
        return list(outs) + extras
