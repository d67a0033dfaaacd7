"""Gated convolutional layer (GCL) of Gated-SCNN.

Gated-SCNN: Gated Shape CNNs for Semantic Segmentation (Takikawa et al.,
ICCV 2019), https://arxiv.org/abs/1907.05740
"""
from typing import Optional

import torch
import torch.nn as nn
from mmcv.cnn import build_activation_layer, build_norm_layer
from mmengine.model import BaseModule
from mmseg.registry import MODELS

from ...utils import is_int

__all__ = ['GatedSpatialConv']


@MODELS.register_module()
class GatedSpatialConv(BaseModule):
    """Gate the shape stream ``s`` by the regular stream ``r``.

    With ``s`` (B, C, H, W) the shape-stream features and ``r``
    (B, C_r, H, W) the regular-stream features brought to the same grid::

        alpha = sigmoid(BN(conv1x1(ReLU(conv1x1(BN(s || r))))))  (B, 1, H, W)
        out   = conv1x1(s * (alpha + 1))

    that is, the paper's ``(s ⊙ alpha + s)`` followed by a 1x1 convolution
    (no bias) to ``out_channels``.

    Args:
        in_channels (int): Channels C of ``s``.
        gate_channels (int): Channels C_r of ``r`` (1 when the regular
            stream is first reduced to one map by a 1x1 conv, as in the
            paper's figure).
        out_channels (int, optional): Output channels; C when None.
        norm_cfg (dict): Normalisation of the gate (BN in the paper).
        act_cfg (dict): Activation inside the gate.
        init_cfg (dict, optional): mmengine initialisation config; without
            it, :meth:`init_weights` follows the authors' release.
    """

    def __init__(self,
                 *,
                 in_channels: int,
                 gate_channels: int = 1,
                 out_channels: Optional[int] = None,
                 norm_cfg: dict = dict(type='BN'),
                 act_cfg: dict = dict(type='ReLU'),
                 init_cfg: Optional[dict] = None) -> None:
        super().__init__(init_cfg=init_cfg)
        for key, value in (('in_channels', in_channels),
                           ('gate_channels', gate_channels),
                           ('out_channels', out_channels or 1)):
            if not is_int(value) or value <= 0:
                raise ValueError(f'GatedSpatialConv: {key} must be a '
                                 f'positive int, got {value!r}')
        self.in_channels = in_channels
        self.gate_channels = gate_channels
        cat = in_channels + gate_channels
        self.gate = nn.Sequential(
            build_norm_layer(norm_cfg, cat)[1], nn.Conv2d(cat, cat, 1),
            build_activation_layer(act_cfg), nn.Conv2d(cat, 1, 1),
            build_norm_layer(norm_cfg, 1)[1], nn.Sigmoid())
        self.conv = nn.Conv2d(
            in_channels, out_channels or in_channels, 1, bias=False)
        if init_cfg is None:
            self.init_weights()

    def init_weights(self) -> None:
        """Initialise as the authors' release (nv-tlabs/GSCNN) does.

        Without ``init_cfg``: the output 1x1 conv is Xavier-normal
        (no bias); the gate's convs keep PyTorch's default (weight and bias
        ~ U(-1/sqrt(fan_in), 1/sqrt(fan_in))) and its BatchNorms 1 / 0.
        """
        if self.init_cfg is not None:
            super().init_weights()
            return
        for m in self.gate:
            if isinstance(m, (nn.Conv2d, nn.modules.batchnorm._BatchNorm)):
                m.reset_parameters()
        nn.init.xavier_normal_(self.conv.weight)
        self._is_init = True

    def forward(self, s: torch.Tensor, r: torch.Tensor) -> torch.Tensor:
        """Gate ``s`` (B, C, H, W) by ``r`` (B, C_r, H, W)."""
        if s.shape[1] != self.in_channels:
            raise ValueError(
                f'GatedSpatialConv: in_channels={self.in_channels} but the '
                f'shape stream has {s.shape[1]} channels')
        if r.shape[1] != self.gate_channels:
            raise ValueError(
                f'GatedSpatialConv: gate_channels={self.gate_channels} but '
                f'the gating input has {r.shape[1]} channels')
        if r.shape[2:] != s.shape[2:]:
            raise ValueError(
                f'GatedSpatialConv: the gating input is '
                f'{tuple(r.shape[2:])} but the shape stream is '
                f'{tuple(s.shape[2:])}; resize it first')
        alpha = self.gate(torch.cat([s, r], dim=1))
        return self.conv(s * (alpha + 1))
