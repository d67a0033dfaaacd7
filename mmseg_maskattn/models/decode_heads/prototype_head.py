"""Prototype head of the few-shot baseline (cosine to prototypes).

The prototype-cosine classifier is the one of PANet: Few-Shot Image Semantic
Segmentation with Prototype Alignment (Wang et al., ICCV 2019),
https://arxiv.org/abs/1908.06391
"""
from typing import Tuple

import torch
import torch.nn as nn
import torch.nn.functional as F
from mmcv.cnn import ConvModule
from mmseg.models.decode_heads.decode_head import BaseDecodeHead
from mmseg.registry import MODELS

from ...utils import is_int
from ..utils import masked_average_pooling

__all__ = ['PrototypeHead']


@MODELS.register_module()
class PrototypeHead(BaseDecodeHead):
    """Few-shot segmentation by cosine similarity to class prototypes.

    Input (from :class:`~mmseg_maskattn.models.segmentors.PrototypeFSS`):
    the backbone features of the queries and the (unmasked) supports,
    concatenated along channels (B + B*K, ``in_channels``, h, w), and the
    supports' foreground and labelled-pixel masks (B*K, 1, H, W). A
    learnable ``ConvModule1x1`` (``proj``) projects the features to
    ``channels``. The foreground prototype is the masked average of each
    support's projected feature over its foreground, the background
    prototype over its labelled non-foreground pixels (masks resized to the
    feature grid as the fraction of such pixels per cell); with K shots
    both are averaged over the shots. The logits of a query position ``x``
    are, as in PANet::

        logit_c(x) = scale * cos(f(x), p_c),   c in (background, foreground)

    with ``scale`` learnable (``learn_scale=True``) or fixed. There is no
    classifier conv: ``conv_seg`` of the base class is removed.

    Args:
        scale (float): Initial (or fixed) multiplier of the cosines (> 0;
            PANet uses 20).
        learn_scale (bool): Learn ``scale``.
        init_cfg (dict, optional): mmengine initialisation config.
        **kwargs: Forwarded to :class:`BaseDecodeHead`: ``in_channels``
            (the summed backbone widths), ``channels`` (the projection
            width), ``norm_cfg`` / ``act_cfg`` of the projection (default
            None: a linear projection, so that cosines can be negative),
            ``loss_decode``, ``ignore_index``, ...
    """

    # its input is the channel concatenation of the backbone outputs (see
    # mmseg_maskattn.engine.check_decode_head_channels)
    reads_backbone_outputs = False

    def __init__(self,
                 *,
                 scale: float = 20.0,
                 learn_scale: bool = True,
                 init_cfg=None,
                 **kwargs) -> None:
        if not scale > 0:
            raise ValueError(f'PrototypeHead: scale must be > 0, got '
                             f'{scale!r}')
        for key in ('in_channels', 'channels'):
            value = kwargs.get(key)
            if not (is_int(value) and value > 0):
                raise ValueError(f'PrototypeHead: {key} must be a positive '
                                 f'int, got {value!r}')
        kwargs.setdefault('num_classes', 2)
        kwargs.setdefault('dropout_ratio', 0.0)
        kwargs.setdefault('act_cfg', None)
        kwargs.setdefault(
            'loss_decode',
            dict(
                type='CrossEntropyLoss',
                avg_non_ignore=True,
                loss_name='loss_ce'))
        super().__init__(init_cfg=init_cfg, **kwargs)
        if self.num_classes != 2:
            raise ValueError('PrototypeHead: num_classes must be 2 '
                             f'(background, episode class), got '
                             f'{self.num_classes}')
        del self.conv_seg
        self.proj = ConvModule(
            self.in_channels,
            self.channels,
            1,
            norm_cfg=self.norm_cfg,
            act_cfg=self.act_cfg)
        self.scale = nn.Parameter(
            torch.tensor(float(scale)), requires_grad=learn_scale)

    def forward(
        self, inputs: Tuple[torch.Tensor, torch.Tensor, torch.Tensor]
    ) -> torch.Tensor:
        """Query logits (B, 2, h, w): background, foreground.

        Args:
            inputs (tuple[Tensor]): ``(feats, support_fg, support_valid)``:
                (B + B*K, in_channels, h, w), (B*K, 1, H, W) and
                (B*K, 1, H, W).
        """
        feats, fg, valid = inputs
        n_support = fg.shape[0]
        b = feats.shape[0] - n_support
        if b < 1 or n_support % b:
            raise ValueError(
                f'PrototypeHead: {feats.shape[0]} feature maps for '
                f'{n_support} support masks; expected B + B*K')
        k = n_support // b
        feats = self.proj(feats)
        q_feat, s_feat = feats[:b], feats[b:]
        size = tuple(feats.shape[2:])
        fg = F.adaptive_avg_pool2d(fg, size)
        bg = F.adaptive_avg_pool2d(valid, size) - fg
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
