"""Prototype baseline of few-shot segmentation (cosine to prototypes).

The prototype-cosine classifier is the one of PANet: Few-Shot Image Semantic
Segmentation with Prototype Alignment (Wang et al., ICCV 2019),
https://arxiv.org/abs/1908.06391
"""
from typing import Dict

import torch
import torch.nn as nn
import torch.nn.functional as F
from mmcv.cnn import ConvModule
from mmseg.models.utils import resize
from mmseg.registry import MODELS
from mmseg.utils import ConfigType, OptConfigType, SampleList

from ..utils import masked_average_pooling
from .base_fss import BaseFewShotSegmentor

__all__ = ['PrototypeFSS']


@MODELS.register_module()
class PrototypeFSS(BaseFewShotSegmentor):
    """Few-shot segmentation by cosine similarity to class prototypes.

    Query and (unmasked) support images go through the frozen backbone in
    one batch; their features ``cat(layer2, layer3)`` are projected by a
    learnable ``ConvModule1x1`` to ``channels``. The foreground prototype is
    the masked average of each support's projected feature over its
    foreground, the background prototype over its labelled non-foreground
    pixels (masks resized to the feature grid as the fraction of such pixels
    per cell); with K shots both are averaged over the shots. The logits of
    a query position ``x`` are, as in PANet::

        logit_c(x) = scale * cos(f(x), p_c),   c in (background, foreground)

    with ``scale`` learnable (``learn_scale=True``) or fixed. The logits are
    at stride 8 (the backbone's output stride); ``loss_decode`` is applied
    after upsampling them to the input size. PANet's prototype alignment
    regularisation (segmenting the support from the query) is not used.

    Args:
        backbone (dict): Backbone config returning layer2 and layer3
            (e.g. ResNetV1c with ``num_stages=3, out_indices=(1, 2)``).
        channels (int): Width of the projected features.
        scale (float): Initial (or fixed) multiplier of the cosines (> 0;
            PANet uses 20).
        learn_scale (bool): Learn ``scale``.
        norm_cfg (dict, optional): Norm of the projection.
        act_cfg (dict, optional): Activation of the projection (None: a
            linear projection, so that cosines can be negative).
        loss_decode (dict): Loss of the logits.
        **kwargs: ``freeze_backbone`` (default True, as in the paper),
            ``ignore_index``, ``train_cfg``, ``test_cfg`` (``mode='whole'``
            only), ``data_preprocessor`` and ``init_cfg`` of
            :class:`BaseFewShotSegmentor`.
    """

    num_backbone_outs = 2
    backbone_outs_doc = 'layer2, layer3: ResNet out_indices=(1, 2)'

    def __init__(self,
                 *,
                 backbone: ConfigType,
                 channels: int = 256,
                 scale: float = 20.0,
                 learn_scale: bool = True,
                 norm_cfg: OptConfigType = None,
                 act_cfg: OptConfigType = None,
                 loss_decode: ConfigType = dict(
                     type='CrossEntropyLoss',
                     avg_non_ignore=True,
                     loss_name='loss_ce'),
                 **kwargs) -> None:
        if channels <= 0:
            raise ValueError(f'channels must be positive, got {channels}')
        if not scale > 0:
            raise ValueError(f'scale must be > 0, got {scale!r}')
        super().__init__(backbone=backbone, **kwargs)
        self.proj = ConvModule(
            sum(self.backbone_channels),
            channels,
            1,
            norm_cfg=norm_cfg,
            act_cfg=act_cfg)
        self.scale = nn.Parameter(
            torch.tensor(float(scale)), requires_grad=learn_scale)
        self.loss_decode = MODELS.build(loss_decode)

    def encode_decode(self, inputs: torch.Tensor,
                      batch_data_samples: SampleList) -> torch.Tensor:
        """Query logits (B, 2, H/8, W/8): background, foreground."""
        query, supports, fg, valid = self._episode(inputs,
                                                   batch_data_samples)
        b = query.shape[0]
        k = supports.shape[0] // b
        feats = self.proj(
            torch.cat(self.extract_feat(torch.cat([query, supports])), dim=1))
        q_feat, s_feat = feats[:b], feats[b:]
        size = feats.shape[2:]
        fg = self._cell_fraction(fg, size)
        bg = self._cell_fraction(valid, size) - fg
        # (B*K, C) -> (B, K, C) -> mean over the shots -> (B, C)
        protos = [
            masked_average_pooling(s_feat, m).reshape(b, k, -1).mean(dim=1)
            for m in (bg, fg)
        ]
        # (B, 2, C): background, foreground
        protos = F.normalize(torch.stack(protos, dim=1), dim=2)
        cos = torch.einsum('bnc,bchw->bnhw', protos,
                           F.normalize(q_feat, dim=1))  # (B, 2, h, w)
        return self.scale * cos

    def loss(self, inputs: torch.Tensor,
             data_samples: SampleList) -> Dict[str, torch.Tensor]:
        """``loss_decode`` of the upsampled query logits."""
        logits = self.encode_decode(inputs, data_samples)
        labels = self._query_labels(data_samples).to(inputs.device)
        logits = resize(
            logits,
            size=labels.shape[-2:],
            mode='bilinear',
            align_corners=self.align_corners)
        return {
            self.loss_decode.loss_name:
            self.loss_decode(logits, labels, ignore_index=self.ignore_index)
        }
