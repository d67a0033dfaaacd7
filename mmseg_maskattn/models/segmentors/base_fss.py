"""Common base of the few-shot segmentors (episodes, frozen backbone).

An episode batch is ``inputs`` (B, 1+K, 3, H, W) (row 0 the query, rows
1..K the supports) and data samples carrying the binary query mask
``gt_sem_seg`` (1, H, W) and the binary support masks ``gt_support_seg``
(K, H, W) (1 = episode class, 0 = other, 255 = ignored / padding).
"""
from abc import abstractmethod
from typing import List, Sequence, Tuple

import torch
import torch.nn.functional as F
from mmseg.models.segmentors.base import BaseSegmentor
from mmseg.models.utils import resize
from mmseg.registry import MODELS
from mmseg.utils import (ConfigType, OptConfigType, OptMultiConfig,
                         OptSampleList, SampleList)

__all__ = ['BaseFewShotSegmentor']

FOREGROUND_ID = 1
# spatial size of the dummy image that probes the backbone's output widths
_PROBE_SIZE = 64


class BaseFewShotSegmentor(BaseSegmentor):
    """Base of the episodic (query + K supports) 2-class segmentors.

    It builds the (optionally frozen) backbone, checks and unpacks episode
    batches, and implements ``predict`` and ``_forward`` on top of
    :meth:`encode_decode`, which subclasses implement and which returns the
    2-class logits of the query (B, 2, h, w) at the resolution of the
    model. ``predict`` upsamples them to the batch input size and hands them
    to mmseg's :meth:`postprocess_result` (removal of the padding, flip,
    resize to ``ori_shape``, ``argmax``).

    A frozen backbone (``freeze_backbone=True``) has no trainable parameter,
    always stays in eval mode (its BN statistics are fixed) and runs without
    autograd; load its weights through its ``init_cfg``.

    Args:
        backbone (dict): Backbone config; it must return
            ``num_backbone_outs`` feature maps (see the subclass).
        freeze_backbone (bool): Freeze the backbone.
        ignore_index (int): Ignored label of the query and support masks.
        train_cfg (dict, optional): Unused, accepted for mmseg configs.
        test_cfg (dict, optional): Only ``mode='whole'`` is supported.
        data_preprocessor (dict, optional): Data preprocessor config.
        init_cfg (dict, optional): mmengine initialisation config.
    """

    num_classes = 2
    out_channels = 2
    align_corners = False
    # number of backbone outputs the subclass uses, and what they are
    num_backbone_outs = 3
    backbone_outs_doc = 'layer2, layer3, layer4: ResNet out_indices=(1, 2, 3)'

    def __init__(self,
                 *,
                 backbone: ConfigType,
                 freeze_backbone: bool = True,
                 ignore_index: int = 255,
                 train_cfg: OptConfigType = None,
                 test_cfg: OptConfigType = None,
                 data_preprocessor: OptConfigType = None,
                 init_cfg: OptMultiConfig = None) -> None:
        super().__init__(
            data_preprocessor=data_preprocessor, init_cfg=init_cfg)
        self.train_cfg = train_cfg or {}
        self.test_cfg = test_cfg or {}
        mode = self.test_cfg.get('mode', 'whole')
        if mode != 'whole':
            raise ValueError(f"{type(self).__name__} supports test_cfg.mode="
                             f"'whole' only, got {mode!r}")
        self.backbone = MODELS.build(backbone)
        self.freeze_backbone = freeze_backbone
        self.ignore_index = ignore_index
        self.backbone_channels = self._probe_backbone()
        if len(self.backbone_channels) != self.num_backbone_outs:
            raise ValueError(
                f'backbone must return {self.num_backbone_outs} feature maps '
                f'({self.backbone_outs_doc}), got '
                f'{len(self.backbone_channels)}')
        if freeze_backbone:
            self.backbone.requires_grad_(False)
            self.backbone.eval()

    def _probe_backbone(self) -> List[int]:
        """Widths of the backbone outputs, from a dummy forward pass."""
        training = self.backbone.training
        self.backbone.eval()
        with torch.no_grad():
            feats = self.backbone(
                torch.zeros(1, 3, _PROBE_SIZE, _PROBE_SIZE))
        self.backbone.train(training)
        return [f.shape[1] for f in feats]

    def train(self, mode: bool = True) -> 'BaseFewShotSegmentor':
        """Set the train mode; a frozen backbone stays in eval mode."""
        super().train(mode)
        if self.freeze_backbone:
            self.backbone.eval()
        return self

    def extract_feat(self, inputs: torch.Tensor) -> List[torch.Tensor]:
        """Backbone features of images (N, 3, H, W); no autograd when the
        backbone is frozen."""
        with torch.set_grad_enabled(torch.is_grad_enabled()
                                    and not self.freeze_backbone):
            return list(self.backbone(inputs))

    def _episode(
        self, inputs: torch.Tensor, data_samples: OptSampleList
    ) -> Tuple[torch.Tensor, torch.Tensor, torch.Tensor, torch.Tensor]:
        """Check and unpack an episode batch.

        Returns:
            tuple[Tensor, Tensor, Tensor, Tensor]: the query images
            (B, 3, H, W), the support images (B*K, 3, H, W), their
            foreground masks (B*K, 1, H, W) (float, 1 on the episode class,
            0 elsewhere, ignored pixels included) and their labelled-pixel
            masks (B*K, 1, H, W) (float, 0 on ``ignore_index``).
        """
        if inputs.dim() != 5 or inputs.shape[1] < 2 or inputs.shape[2] != 3:
            raise ValueError(
                'inputs must be an episode batch (B, 1+K, 3, H, W) with '
                f'K >= 1 supports, got shape {tuple(inputs.shape)}')
        if not data_samples:
            raise ValueError(
                f'{type(self).__name__} needs data_samples with the support '
                'masks gt_support_seg')
        b, n, _, h, w = inputs.shape
        k = n - 1
        if len(data_samples) != b:
            raise ValueError(f'{len(data_samples)} data_samples for a batch '
                             f'of {b} episodes (inputs {tuple(inputs.shape)})')
        masks = []
        for sample in data_samples:
            if 'gt_support_seg' not in sample:
                raise ValueError('data sample without gt_support_seg')
            mask = sample.gt_support_seg.data
            if mask.dim() == 2:
                mask = mask[None]
            if tuple(mask.shape) != (k, h, w):
                raise ValueError(
                    f'gt_support_seg shape {tuple(mask.shape)} does not '
                    f'match inputs shape {tuple(inputs.shape)}: expected '
                    f'(K, H, W) = {(k, h, w)} (K = inputs.shape[1] - 1)')
            masks.append(mask)
        # (B, K, H, W) -> (B*K, 1, H, W)
        masks = torch.stack(masks).to(inputs.device).reshape(b * k, 1, h, w)
        fg = (masks == FOREGROUND_ID).to(inputs.dtype)
        valid = (masks != self.ignore_index).to(inputs.dtype)
        # (B, K, 3, H, W) -> (B*K, 3, H, W)
        supports = inputs[:, 1:].reshape(b * k, 3, h, w)
        return inputs[:, 0], supports, fg, valid

    def _query_labels(self, data_samples: SampleList) -> torch.Tensor:
        """Query ground truth (B, H, W), long."""
        return torch.stack(
            [s.gt_sem_seg.data.long() for s in data_samples])[:, 0]

    @staticmethod
    def _cell_fraction(mask: torch.Tensor,
                       size: Sequence[int]) -> torch.Tensor:
        """Fraction of the pixels of ``mask`` (N, 1, H, W) that are set in
        each cell of a ``size`` grid (N, 1, h, w)."""
        return F.adaptive_avg_pool2d(mask, tuple(size))

    @abstractmethod
    def encode_decode(self, inputs: torch.Tensor,
                      batch_data_samples: SampleList) -> torch.Tensor:
        """Query logits (B, 2, h, w) of an episode batch."""

    def predict(self,
                inputs: torch.Tensor,
                data_samples: OptSampleList = None) -> SampleList:
        """Segment the queries; ``pred_sem_seg`` (1, h, w) and
        ``seg_logits`` (2, h, w) at ``ori_shape`` (padding removed)."""
        logits = self.encode_decode(inputs, data_samples)
        logits = resize(
            logits,
            size=inputs.shape[-2:],
            mode='bilinear',
            align_corners=self.align_corners)
        return self.postprocess_result(logits, data_samples)

    def _forward(self,
                 inputs: torch.Tensor,
                 data_samples: OptSampleList = None) -> torch.Tensor:
        """Query logits (B, 2, h, w) at the resolution of the model."""
        return self.encode_decode(inputs, data_samples)
