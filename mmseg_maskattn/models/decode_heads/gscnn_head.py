"""Gated-SCNN decode head: shape stream, gated fusion and ASPP decoder.

Gated-SCNN: Gated Shape CNNs for Semantic Segmentation (Takikawa et al.,
ICCV 2019), https://arxiv.org/abs/1907.05740
"""
from typing import Dict, List, Optional, Sequence, Tuple

import torch
import torch.nn as nn
from mmcv.cnn import ConvModule
from mmseg.models.backbones.resnet import BasicBlock
from mmseg.models.decode_heads.aspp_head import ASPPModule
from mmseg.models.decode_heads.decode_head import BaseDecodeHead
from mmseg.models.utils import resize
from mmseg.registry import MODELS
from mmseg.utils import ConfigType, SampleList

from ...utils import is_int
from ..layers import GatedSpatialConv

__all__ = ['GSCNNHead']


def _positive_int(value, key: str) -> None:
    if not is_int(value) or value <= 0:
        raise ValueError(f'GSCNNHead: {key} must be a positive int, got '
                         f'{value!r}')


@MODELS.register_module()
class GSCNNHead(BaseDecodeHead):
    """Gated-SCNN: a shape stream gated by the regular stream, fused by ASPP.

    ``in_index`` selects n >= 2 backbone stages, shallowest first (for a
    ResNet-D8: the four stages). With ``shape_channels = (c_0, ..., c_{n-1})``
    (the paper's 64, 32, 16, 8):

    * **Shape stream** (at the input image's resolution): stage 0 reduced to
      ``c_0`` by a 1x1 conv, upsampled; then for i = 1 .. n-1 a residual
      block at ``c_{i-1}``, a 1x1 conv to ``c_i`` and a gated conv layer
      (:class:`GatedSpatialConv`) gated by stage i reduced to one map by a
      1x1 conv and upsampled; a 1x1 conv gives the edge logits.
    * **Fusion**: the edge probability and the image's Canny edges (the
      last element of the inputs, appended by the :class:`GSCNN` segmentor)
      go through a 1x1 conv and a sigmoid; ASPP on the deepest stage
      (image pooling, this edge map through a 1x1 conv, a 1x1 conv and
      3x3 convs at ``dilations[1:]``), a 1x1 bottleneck to ``channels``.
    * **Decoder**: the bottleneck upsampled to stage 0 and concatenated
      with stage 0 reduced to ``low_level_channels``, two 3x3 ConvModules,
      the classifier.

    The paper's backbone is a WideResNet-38 whose first stage (64 channels)
    feeds the shape stream directly; with another backbone the 1x1
    reduction of stage 0 to ``c_0`` adapts it (being linear, it commutes
    with the upsampling, so it runs before it, at 1/4 of the cost).

    ``forward`` returns the segmentation logits (at stage 0's resolution);
    training adds the edge losses: ``loss_edge`` (class-balanced BCE on the
    edge logits against ``gt_edge_map``, which mmseg's ``GenerateEdge``
    writes in the pipeline), ``loss_edge_attention`` and
    ``loss_dual_task`` (the paper's two regularisers), all at the input
    resolution. With ``with_shape_stream=False`` the head is the paper's
    baseline, the regular stream alone (no edge inputs, no edge losses).

    Initialisation (``init_cfg=None``) follows the authors' release
    (nv-tlabs/GSCNN): the decoder's two 3x3 convs and the classifier
    Kaiming-normal by fan-in with no bias, the GCL output convs
    Xavier-normal, every other conv PyTorch's default, norms 1 / 0.

    Args:
        shape_channels (Sequence[int]): Widths of the shape stream, one per
            selected stage.
        dilations (Sequence[int]): ASPP: 1 for the 1x1 branch, then the
            atrous rates (12, 24, 36 at output stride 8 in the paper).
        low_level_channels (int): Width of stage 0 in the decoder.
        with_shape_stream (bool): False: the regular stream alone.
        loss_edge (dict, optional): Edge loss; called as
            ``loss(edge_logits, gt_edge)``.
        loss_edge_attention (dict, optional): Called as
            ``loss(seg_logits, seg_label, edge_logits)``.
        loss_dual_task (dict, optional): Called as
            ``loss(seg_logits, seg_label)``.
        **kwargs: Forwarded to :class:`BaseDecodeHead` (``in_channels``,
            ``in_index``, ``channels``, ``num_classes``, ``norm_cfg``,
            ``loss_decode``, ...); ``input_transform`` is fixed to
            ``'multiple_select'``.
    """

    def __init__(self,
                 *,
                 shape_channels: Sequence[int] = (64, 32, 16, 8),
                 dilations: Sequence[int] = (1, 12, 24, 36),
                 low_level_channels: int = 48,
                 with_shape_stream: bool = True,
                 loss_edge: Optional[ConfigType] = dict(
                     type='BoundaryLoss', loss_weight=20.0,
                     loss_name='loss_edge'),
                 loss_edge_attention: Optional[ConfigType] = dict(
                     type='EdgeAttentionLoss', threshold=0.8,
                     loss_weight=1.0),
                 loss_dual_task: Optional[ConfigType] = dict(
                     type='DualTaskLoss', tau=0.5, loss_weight=1.0),
                 **kwargs) -> None:
        if kwargs.get('input_transform', 'multiple_select') != \
                'multiple_select':
            raise ValueError('GSCNNHead: input_transform must be '
                             "'multiple_select' (it reads several stages), "
                             f"got {kwargs['input_transform']!r}")
        kwargs['input_transform'] = 'multiple_select'
        kwargs.setdefault('init_cfg', None)
        super().__init__(**kwargs)
        if not isinstance(with_shape_stream, bool):
            raise TypeError('GSCNNHead: with_shape_stream must be a bool, '
                            f'got {with_shape_stream!r}')
        shape_channels = tuple(shape_channels)
        num_stages = len(self.in_channels)
        if num_stages < 2:
            raise ValueError('GSCNNHead: in_channels / in_index must select '
                             f'at least 2 stages, got {self.in_channels}')
        if len(shape_channels) != num_stages:
            raise ValueError(
                f'GSCNNHead: shape_channels {shape_channels} needs one width '
                f'per selected stage ({num_stages}, in_channels '
                f'{self.in_channels})')
        for c in shape_channels:
            _positive_int(c, 'shape_channels')
        dilations = tuple(dilations)
        if len(dilations) < 1 or dilations[0] != 1:
            raise ValueError('GSCNNHead: dilations must start with 1 (the '
                             f'1x1 branch), got {dilations}')
        for d in dilations:
            _positive_int(d, 'dilations')
        _positive_int(low_level_channels, 'low_level_channels')
        self.with_shape_stream = with_shape_stream
        self.shape_channels = shape_channels

        conv = dict(conv_cfg=self.conv_cfg, norm_cfg=self.norm_cfg,
                    act_cfg=self.act_cfg)
        plain = dict(conv_cfg=self.conv_cfg, norm_cfg=None, act_cfg=None)
        deepest = self.in_channels[-1]
        self.image_pool = nn.Sequential(
            nn.AdaptiveAvgPool2d(1),
            ConvModule(deepest, self.channels, 1, **conv))
        self.aspp = ASPPModule(dilations, deepest, self.channels,
                               **conv)
        branches = len(dilations) + 1
        if with_shape_stream:
            self.shape_in = ConvModule(
                self.in_channels[0], shape_channels[0], 1, **plain)
            self.shape_blocks = nn.ModuleList(
                BasicBlock(c, c, norm_cfg=self.norm_cfg)
                for c in shape_channels[:-1])
            self.shape_reduce = nn.ModuleList(
                ConvModule(c_in, c_out, 1, **plain)
                for c_in, c_out in zip(shape_channels[:-1],
                                       shape_channels[1:]))
            self.gate_in = nn.ModuleList(
                ConvModule(c, 1, 1, **plain) for c in self.in_channels[1:])
            self.gates = nn.ModuleList(
                GatedSpatialConv(in_channels=c, gate_channels=1,
                                 norm_cfg=self.norm_cfg)
                for c in shape_channels[1:])
            self.edge_out = ConvModule(
                shape_channels[-1], 1, 1, bias=False, **plain)
            self.edge_fuse = ConvModule(2, 1, 1, bias=False, **plain)
            self.edge_conv = ConvModule(1, self.channels, 1, **conv)
            branches += 1
            self.loss_edge = self._build_loss(loss_edge)
            self.loss_edge_attention = self._build_loss(loss_edge_attention)
        else:
            for key, value in (('loss_edge', loss_edge),
                               ('loss_edge_attention', loss_edge_attention)):
                if value is not None:
                    raise ValueError(
                        f'GSCNNHead: {key} needs the shape stream; set it '
                        'to None with with_shape_stream=False')
            self.loss_edge = self.loss_edge_attention = None
        self.loss_dual_task = self._build_loss(loss_dual_task)
        self.bottleneck = ConvModule(
            branches * self.channels, self.channels, 1, bias=False, **plain)
        self.low_level = ConvModule(
            self.in_channels[0], low_level_channels, 1, bias=False, **plain)
        self.decoder = nn.Sequential(
            ConvModule(self.channels + low_level_channels, self.channels, 3,
                       padding=1, **conv),
            ConvModule(self.channels, self.channels, 3, padding=1, **conv))
        self.conv_seg = nn.Conv2d(
            self.channels, self.out_channels, 1, bias=False)

    @staticmethod
    def _build_loss(cfg: Optional[ConfigType]) -> Optional[nn.Module]:
        return None if cfg is None else MODELS.build(cfg)

    def init_weights(self) -> None:
        """Initialise as the authors' release does (see the class doc).

        With a user ``init_cfg``, mmengine's initialisation runs instead.
        """
        if self.init_cfg is not None:
            super().init_weights()
            return
        for m in self.modules():
            if isinstance(m, (nn.Conv2d, nn.modules.batchnorm._BatchNorm)):
                m.reset_parameters()
        for m in self.modules():
            if isinstance(m, GatedSpatialConv):
                m.init_weights()
        for m in [c.conv for c in self.decoder] + [self.conv_seg]:
            nn.init.kaiming_normal_(m.weight, mode='fan_in',
                                    nonlinearity='relu')
        self._is_init = True

    def _image_gradient(self, inputs: Sequence[torch.Tensor]) -> torch.Tensor:
        grad = inputs[-1]
        if grad.dim() != 4 or grad.shape[1] != 1:
            raise ValueError(
                'GSCNNHead: the last input must be the image gradient map '
                '(N, 1, H, W) that the GSCNN segmentor appends to the '
                f'backbone features, got {tuple(grad.shape)}; use '
                "type='GSCNN' as the segmentor")
        stage0 = inputs[self.in_index[0]]
        if grad.shape[0] != stage0.shape[0] or \
                grad.shape[2] < stage0.shape[2]:
            raise ValueError(
                f'GSCNNHead: the image gradient {tuple(grad.shape)} does not '
                f'fit the first stage {tuple(stage0.shape)}')
        return grad

    def _shape_stream(self, feats: List[torch.Tensor],
                      size: Tuple[int, int]) -> torch.Tensor:
        """Edge logits (N, 1, H, W) at the image size ``size``."""
        up = dict(size=size, mode='bilinear', align_corners=self.align_corners)
        s = resize(self.shape_in(feats[0]), **up)
        for block, reduce, gate_in, gate, feat in zip(
                self.shape_blocks, self.shape_reduce, self.gate_in,
                self.gates, feats[1:]):
            s = gate(reduce(block(s)), resize(gate_in(feat), **up))
        return self.edge_out(s)

    def _forward(self, inputs: Sequence[torch.Tensor]
                 ) -> Tuple[torch.Tensor, Optional[torch.Tensor]]:
        feats = self._transform_inputs(inputs)
        x = feats[-1]
        size = x.shape[2:]
        branches = [
            resize(self.image_pool(x), size=size, mode='bilinear',
                   align_corners=self.align_corners)
        ]
        edge_logits = None
        if self.with_shape_stream:
            grad = self._image_gradient(inputs)
            edge_logits = self._shape_stream(feats, grad.shape[2:])
            edge = torch.sigmoid(
                self.edge_fuse(torch.cat([torch.sigmoid(edge_logits), grad],
                                         dim=1)))
            branches.append(self.edge_conv(
                resize(edge, size=size, mode='bilinear',
                       align_corners=self.align_corners)))
        branches.extend(self.aspp(x))
        out = self.bottleneck(torch.cat(branches, dim=1))
        low = self.low_level(feats[0])
        out = resize(out, size=low.shape[2:], mode='bilinear',
                     align_corners=self.align_corners)
        out = self.decoder(torch.cat([low, out], dim=1))
        return self.cls_seg(out), edge_logits

    def forward(self, inputs: Sequence[torch.Tensor]) -> torch.Tensor:
        """Segmentation logits (N, K, H/4, W/4) for a ResNet-D8 stage 0."""
        return self._forward(inputs)[0]

    def loss(self, inputs: Sequence[torch.Tensor],
             batch_data_samples: SampleList,
             train_cfg: ConfigType) -> Dict[str, torch.Tensor]:
        """Segmentation, edge and regulariser losses of a batch."""
        return self.loss_by_feat(self._forward(inputs), batch_data_samples)

    def loss_by_feat(self, seg_logits: Tuple[torch.Tensor,
                                             Optional[torch.Tensor]],
                     batch_data_samples: SampleList
                     ) -> Dict[str, torch.Tensor]:
        """Losses of ``(seg_logits, edge_logits)`` against the samples."""
        seg_logits, edge_logits = seg_logits
        losses = super().loss_by_feat(seg_logits, batch_data_samples)
        if self.loss_dual_task is None and edge_logits is None:
            return losses
        seg_label = self._stack_batch_gt(batch_data_samples)[:, 0]
        seg_full = resize(seg_logits, size=seg_label.shape[1:],
                          mode='bilinear', align_corners=self.align_corners)
        if self.loss_dual_task is not None:
            losses[self.loss_dual_task.loss_name] = self.loss_dual_task(
                seg_full, seg_label, ignore_index=self.ignore_index)
        if edge_logits is None:
            return losses
        if edge_logits.shape[2:] != seg_label.shape[1:]:
            raise ValueError(
                f'GSCNNHead: edge logits {tuple(edge_logits.shape[2:])} and '
                f'labels {tuple(seg_label.shape[1:])} differ in size')
        if self.loss_edge is not None:
            losses[self.loss_edge.loss_name] = self.loss_edge(
                edge_logits, self._stack_edge_gt(batch_data_samples,
                                                 edge_logits.shape[2:]))
        if self.loss_edge_attention is not None:
            name = self.loss_edge_attention.loss_name
            losses[name] = self.loss_edge_attention(
                seg_full, seg_label, edge_logits,
                ignore_index=self.ignore_index)
        return losses

    @staticmethod
    def _stack_edge_gt(batch_data_samples: SampleList,
                       size: torch.Size) -> torch.Tensor:
        """(N, 1, H, W) edge labels from each sample's ``gt_edge_map``."""
        maps = []
        for i, sample in enumerate(batch_data_samples):
            if 'gt_edge_map' not in sample:
                raise KeyError(
                    f'GSCNNHead: data sample {i} has no gt_edge_map; add '
                    "dict(type='GenerateEdge') to the train pipeline before "
                    'PackSegInputs')
            edge = sample.gt_edge_map.data
            if edge.shape[-2:] != size:
                raise ValueError(
                    f'GSCNNHead: gt_edge_map of sample {i} is '
                    f'{tuple(edge.shape[-2:])}, the edge logits '
                    f'{tuple(size)}')
            maps.append(edge.reshape(1, *size))
        return torch.stack(maps)
