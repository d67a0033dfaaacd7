"""Prototype baseline of few-shot segmentation (cosine to prototypes).

The prototype-cosine classifier is the one of PANet: Few-Shot Image Semantic
Segmentation with Prototype Alignment (Wang et al., ICCV 2019),
https://arxiv.org/abs/1908.06391
"""
from typing import Dict

import torch
from mmseg.registry import MODELS
from mmseg.utils import ConfigType, SampleList

from .base_fss import BaseFewShotSegmentor

__all__ = ['PrototypeFSS']


@MODELS.register_module()
class PrototypeFSS(BaseFewShotSegmentor):
    """Few-shot segmentation by cosine similarity to class prototypes.

    The segmentor holds the episode plumbing and the frozen backbone: query
    and (unmasked) support images go through the backbone in one batch and
    their features ``cat(layer2, layer3)`` go, with the support masks, to
    the decode head (:class:`PrototypeHead`: projection, prototypes, scaled
    cosines, as PANet). The logits are at stride 8 (the backbone's output
    stride); the head's ``loss_decode`` is applied after upsampling them to
    the input size. PANet's prototype alignment regularisation (segmenting
    the support from the query) is not used.

    Args:
        backbone (dict): Backbone config returning layer2 and layer3
            (e.g. ResNetV1c with ``num_stages=3, out_indices=(1, 2)``).
        decode_head (dict): The head, :class:`PrototypeHead`; its
            ``in_channels`` must be the summed widths of layer2 and layer3.
        **kwargs: ``freeze_backbone`` (default True, as in the paper),
            ``ignore_index``, ``train_cfg``, ``test_cfg`` (``mode='whole'``
            only), ``data_preprocessor`` and ``init_cfg`` of
            :class:`BaseFewShotSegmentor`.
    """

    num_backbone_outs = 2
    backbone_outs_doc = 'layer2, layer3: ResNet out_indices=(1, 2)'

    def __init__(self, *, backbone: ConfigType, decode_head: ConfigType,
                 **kwargs) -> None:
        super().__init__(backbone=backbone, **kwargs)
        self.decode_head = MODELS.build(decode_head)
        widths = sum(self.backbone_channels)
        if self.decode_head.in_channels != widths:
            raise ValueError(
                f'decode_head.in_channels={self.decode_head.in_channels} '
                f'but layer2 + layer3 of the backbone have {widths} '
                f'channels ({self.backbone_channels})')

    def encode_decode(self, inputs: torch.Tensor,
                      batch_data_samples: SampleList) -> torch.Tensor:
        """Query logits (B, 2, H/8, W/8): background, foreground."""
        query, supports, fg, valid = self._episode(inputs,
                                                   batch_data_samples)
        feats = torch.cat(
            self.extract_feat(torch.cat([query, supports])), dim=1)
        return self.decode_head((feats, fg, valid))

    def loss(self, inputs: torch.Tensor,
             data_samples: SampleList) -> Dict[str, torch.Tensor]:
        """The head's ``loss_decode`` (and ``acc_seg``) of the upsampled
        query logits."""
        return self.decode_head.loss_by_feat(
            self.encode_decode(inputs, data_samples), data_samples)
