"""DANet decode head.

Dual Attention Network for Scene Segmentation (Fu et al., CVPR 2019),
https://arxiv.org/abs/1809.02983
"""
from typing import List, Optional, Tuple

import torch
import torch.nn as nn
from mmcv.cnn import ConvModule
from mmseg.models.decode_heads.decode_head import BaseDecodeHead
from mmseg.registry import MODELS
from mmseg.utils import SampleList, add_prefix

from ...utils import is_int
from ..layers import ChannelAttention, PositionAttention

__all__ = ['DANetHead']


@MODELS.register_module()
class DANetHead(BaseDecodeHead):
    """DANet: position and channel attention branches on one feature map.

    Each branch is a 3x3 ConvModule to ``channels``, its attention module
    (:class:`PositionAttention` or :class:`ChannelAttention`) and another
    3x3 ConvModule; each branch has its own classifier, and the sum of the
    two branches goes through the main classifier ``conv_seg``. The head
    returns ``(pam_cam, pam, cam)`` logits and trains with the decode loss
    on each (``pam_cam.loss_*``, ``pam.loss_*``, ``cam.loss_*``); only
    ``pam_cam`` is used at test time.

    The parameter names and outputs are those of mmseg's ``DAHead``, so
    DANet checkpoints trained with mmseg load strictly; the difference is
    the position attention, which never materialises the N x N similarity
    matrix (see :class:`PositionAttention`). The layers keep their default
    initialisation (ConvModule: Kaiming; classifiers: PyTorch's default
    for the branch classifiers and N(0, 0.01) for ``conv_seg``, as
    mmseg's ``DAHead``; attention ``gamma`` = 0, as in the DANet release).

    Args:
        pam_channels (int): Width of the queries / keys of the position
            attention (DANet: ``channels / 8``).
        pam_head_channels (int): Width of a value head of the position
            attention on the GPU path.
        pam_query_block (int, optional): Queries per block of the position
            attention on the CPU path.
        cam_inverse_energy (bool): Channel attention as released
            (``softmax(max(E) - E)``, True) or ``softmax(E)``.
        **kwargs: Forwarded to :class:`BaseDecodeHead` (``in_channels``,
            ``channels``, ``num_classes``, ``norm_cfg``, losses, ...).
    """

    def __init__(self,
                 *,
                 pam_channels: int,
                 pam_head_channels: int = 64,
                 pam_query_block: Optional[int] = 2048,
                 cam_inverse_energy: bool = True,
                 **kwargs) -> None:
        if not is_int(pam_channels) or pam_channels <= 0:
            raise ValueError('DANetHead: pam_channels must be a positive int, '
                             f'got {pam_channels!r}')
        super().__init__(**kwargs)
        if not isinstance(self.in_channels, int):
            raise ValueError('DANetHead: in_channels must be one int (one '
                             'input map), got '
                             f'in_channels={self.in_channels!r}')
        self.pam_channels = pam_channels

        def conv(in_channels: int) -> ConvModule:
            return ConvModule(
                in_channels,
                self.channels,
                3,
                padding=1,
                conv_cfg=self.conv_cfg,
                norm_cfg=self.norm_cfg,
                act_cfg=self.act_cfg)

        self.pam_in_conv = conv(self.in_channels)
        self.pam = PositionAttention(
            in_channels=self.channels,
            key_channels=pam_channels,
            head_channels=pam_head_channels,
            query_block=pam_query_block)
        self.pam_out_conv = conv(self.channels)
        self.pam_conv_seg = nn.Conv2d(self.channels, self.num_classes, 1)
        self.cam_in_conv = conv(self.in_channels)
        self.cam = ChannelAttention(inverse_energy=cam_inverse_energy)
        self.cam_out_conv = conv(self.channels)
        self.cam_conv_seg = nn.Conv2d(self.channels, self.num_classes, 1)

    def _classify(self, feat: torch.Tensor,
                  classifier: nn.Module) -> torch.Tensor:
        if self.dropout is not None:
            feat = self.dropout(feat)
        return classifier(feat)

    def forward(
        self, inputs: List[torch.Tensor]
    ) -> Tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """Return the ``(pam_cam, pam, cam)`` logits."""
        x = self._transform_inputs(inputs)
        if x.shape[1] != self.in_channels:
            raise ValueError(
                f'DANetHead: in_channels={self.in_channels} but backbone '
                f'output {self.in_index} has {x.shape[1]} channels')
        pam_feat = self.pam_out_conv(self.pam(self.pam_in_conv(x)))
        # the classifiers run in mmseg's order, so that training draws the
        # same dropout masks
        pam_out = self._classify(pam_feat, self.pam_conv_seg)
        cam_feat = self.cam_out_conv(self.cam(self.cam_in_conv(x)))
        cam_out = self._classify(cam_feat, self.cam_conv_seg)
        return self.cls_seg(pam_feat + cam_feat), pam_out, cam_out

    def predict(self, inputs: List[torch.Tensor], batch_img_metas: List[dict],
                test_cfg: dict) -> torch.Tensor:
        """Segmentation logits of the ``pam_cam`` output."""
        return self.predict_by_feat(self.forward(inputs)[0], batch_img_metas)

    def loss_by_feat(self, seg_logits: Tuple[torch.Tensor, ...],
                     batch_data_samples: SampleList) -> dict:
        """The decode losses of the three outputs, prefixed by their name."""
        losses = dict()
        for name, logits in zip(('pam_cam', 'pam', 'cam'), seg_logits):
            losses.update(
                add_prefix(
                    super().loss_by_feat(logits, batch_data_samples), name))
        return losses
