"""Semantic, instance and panoptic inference of Mask2Former inside mmseg.

Mask2Former: Masked-attention Mask Transformer for Universal Image
Segmentation (Cheng et al., CVPR 2022), https://arxiv.org/abs/2112.01527
"""
from typing import List, Tuple

import torch
from mmengine.structures import InstanceData
from mmseg.models.segmentors import EncoderDecoder
from mmseg.registry import MODELS
from mmseg.utils import OptSampleList, SampleList
from torch import Tensor

from ..utils import batch_metas, pack_panoptic, restore_to_ori_shape

__all__ = ['Mask2FormerPanopticSegmentor']


@MODELS.register_module()
class Mask2FormerPanopticSegmentor(EncoderDecoder):
    """Encoder-decoder that reads Mask2Former's masks three ways.

    Training is mmseg's, with a
    :class:`~mmseg_maskattn.models.decode_heads.Mask2FormerPanopticHead`
    (panoptic targets). At inference, from the class scores ``p_q`` (softmax
    over the classes and "no object") and mask probabilities ``m_q`` of the
    last decoder layer, as in the Mask2Former paper:

    - semantic: ``sum_q p_q(c) * m_q`` per class (``seg_logits``,
      ``pred_sem_seg``), as mmseg's ``Mask2FormerHead``;
    - panoptic: queries whose best class is not "no object" and scores
      above ``object_mask_thr`` compete per pixel by ``score_q * m_q``; a
      query keeps the pixels it wins where ``m_q >= 0.5`` if they are at
      least ``overlap_thr`` of its own mask (``m_q >= 0.5``); stuff queries
      of one class are merged into one segment. Each segment has the score
      of its query (the best of the merged ones for stuff);
    - instance: the ``max_per_image`` best (query, thing class) pairs of
      ``p_q(c)``, each with the mask ``m_q > 0.5`` and the score
      ``p_q(c)`` times the mean of ``m_q`` inside that mask
      (``pred_instances``: ``masks`` (N, H, W) bool, ``labels``,
      ``scores``; masks may overlap).

    Every output sample carries ``seg_logits``, ``pred_sem_seg``,
    ``pred_panoptic_seg`` (PixelData ``sem_seg`` (1, H, W) ids, 0 = void,
    with ``segments_info`` [dict(id, category_id, isthing, area, score)] in
    its metainfo), ``pred_instance_seg`` (the thing segments of the
    panoptic map, (1, H, W), 0 = none) and ``pred_instances``, at
    ``ori_shape``: the output format of
    :class:`~mmseg_maskattn.models.segmentors.MaskAttnUNetSegmentor`, so
    both are evaluated by the same metrics (MaskAttn-UNet comparison, Cheng
    et al., arXiv 2503.10686, https://arxiv.org/abs/2503.10686).

    Args:
        object_mask_thr (float): Minimum query score of a panoptic segment.
            Defaults to 0.8 (Mask2Former).
        overlap_thr (float): Minimum fraction of its mask a query must keep.
            Defaults to 0.8 (Mask2Former).
        max_per_image (int): Instances kept per image. Defaults to 100.
        **kwargs: Forwarded to :class:`EncoderDecoder`; ``decode_head``
            must be a ``Mask2FormerPanopticHead``.
    """

    def __init__(self,
                 *,
                 object_mask_thr: float = 0.8,
                 overlap_thr: float = 0.8,
                 max_per_image: int = 100,
                 **kwargs) -> None:
        super().__init__(**kwargs)
        if not hasattr(self.decode_head, 'predict_masks'):
            raise ValueError(
                'Mask2FormerPanopticSegmentor needs decode_head='
                "dict(type='Mask2FormerPanopticHead', ...), got "
                f'{type(self.decode_head).__name__}')
        for key, value in (('object_mask_thr', object_mask_thr),
                           ('overlap_thr', overlap_thr)):
            if not 0.0 <= value <= 1.0:
                raise ValueError(f'{key} must be in [0, 1], got {value}')
        if max_per_image < 1:
            raise ValueError(f'max_per_image must be >= 1, got '
                             f'{max_per_image}')
        self.object_mask_thr = float(object_mask_thr)
        self.overlap_thr = float(overlap_thr)
        self.max_per_image = int(max_per_image)

    def _forward(self,
                 inputs: Tensor,
                 data_samples: OptSampleList = None) -> Tensor:
        """Semantic logits (B, C, H, W) at the input size (tensor mode).

        mmseg's ``EncoderDecoder._forward`` calls the head without the data
        samples, which a Mask2Former head needs.
        """
        shape = tuple(inputs.shape[2:])
        metas = [dict(img_shape=shape, pad_shape=shape)] * inputs.shape[0]
        cls_logits, mask_logits = self.decode_head.predict_masks(
            self.extract_feat(inputs), metas)
        return torch.einsum('bqc,bqhw->bchw',
                            cls_logits.softmax(dim=-1)[..., :-1],
                            mask_logits.sigmoid())

    def predict(self,
                inputs: Tensor,
                data_samples: OptSampleList = None) -> SampleList:
        if (self.test_cfg or {}).get('mode', 'whole') != 'whole':
            raise ValueError('Mask2FormerPanopticSegmentor supports '
                             "test_cfg.mode='whole' only, got "
                             f"{(self.test_cfg or {}).get('mode')!r}")
        metas = batch_metas(inputs, data_samples)
        cls_logits, mask_logits = self.decode_head.predict_masks(
            self.extract_feat(inputs), metas)
        cls_probs = cls_logits.softmax(dim=-1)  # (B, Q, C + 1)
        mask_probs = mask_logits.sigmoid()  # (B, Q, H, W)
        seg_logits = torch.einsum('bqc,bqhw->bchw', cls_probs[..., :-1],
                                  mask_probs)
        results = self.postprocess_result(seg_logits, data_samples)
        things = torch.zeros(
            self.num_classes, dtype=torch.bool, device=inputs.device)
        things[list(self.decode_head.thing_classes)] = True
        for i, sample in enumerate(results):
            probs = restore_to_ori_shape(mask_logits[i:i + 1],
                                         metas[i])[0].sigmoid()
            pan, segments = self._panoptic(cls_probs[i], probs, things)
            instances = torch.zeros_like(pan)
            for seg in segments:
                if seg['isthing']:
                    instances[pan == seg['id']] = seg['id']
            pack_panoptic(sample, pan, segments, instances)
            sample.pred_instances = self._instances(cls_probs[i], probs,
                                                    things)
        return results

    def _panoptic(self, cls_probs: Tensor, mask_probs: Tensor,
                  things: Tensor) -> Tuple[Tensor, List[dict]]:
        """Panoptic map and segments of one image.

        Args:
            cls_probs (Tensor): (Q, C + 1) class probabilities.
            mask_probs (Tensor): (Q, H, W) mask probabilities.
            things (Tensor): (C, ) bool, thing classes.

        Returns:
            tuple: (H, W) long id map (0 = void) and ``segments_info``.
        """
        num_classes = cls_probs.shape[1] - 1
        scores, labels = cls_probs.max(dim=-1)
        keep = (labels != num_classes) & (scores > self.object_mask_thr)
        pan = torch.zeros(
            mask_probs.shape[1:], dtype=torch.long, device=mask_probs.device)
        segments: List[dict] = []
        if not keep.any():
            return pan, segments
        scores, labels, probs = scores[keep], labels[keep], mask_probs[keep]
        winner = (scores[:, None, None] * probs).argmax(dim=0)  # (H, W)
        own = probs >= 0.5  # (K, H, W)
        won = (winner[None] == torch.arange(
            len(scores), device=winner.device)[:, None, None]) & own
        own_area = own.flatten(1).sum(dim=1)
        won_area = won.flatten(1).sum(dim=1)
        stuff_ids = {}
        for k in range(len(scores)):
            if won_area[k] == 0 or own_area[k] == 0 or (
                    won_area[k] < self.overlap_thr * own_area[k]):
                continue
            cls = int(labels[k])
            isthing = bool(things[cls])
            if not isthing and cls in stuff_ids:
                seg = segments[stuff_ids[cls]]
                pan[won[k]] = seg['id']
                seg['area'] += int(won_area[k])
                seg['score'] = max(seg['score'], float(scores[k]))
                continue
            seg_id = len(segments) + 1
            pan[won[k]] = seg_id
            if not isthing:
                stuff_ids[cls] = len(segments)
            segments.append(
                dict(
                    id=seg_id,
                    category_id=cls,
                    isthing=isthing,
                    area=int(won_area[k]),
                    score=float(scores[k])))
        return pan, segments

    def _instances(self, cls_probs: Tensor, mask_probs: Tensor,
                   things: Tensor) -> InstanceData:
        """Instance masks of one image (masks may overlap).

        Args:
            cls_probs (Tensor): (Q, C + 1) class probabilities.
            mask_probs (Tensor): (Q, H, W) mask probabilities.
            things (Tensor): (C, ) bool, thing classes.

        Returns:
            InstanceData: ``masks`` (N, H, W) bool, ``labels`` (N, ) and
            ``scores`` (N, ).
        """
        probs = cls_probs[:, :-1] * things[None]  # stuff scores 0, (Q, C)
        num_classes = probs.shape[1]
        k = min(self.max_per_image, int(things.sum()) * probs.shape[0])
        scores, index = probs.flatten().topk(k)
        labels, queries = index % num_classes, index // num_classes
        masks = mask_probs[queries] > 0.5  # (N, H, W)
        area = masks.flatten(1).sum(dim=1)
        mask_scores = (mask_probs[queries] * masks).flatten(1).sum(
            dim=1) / area.clamp(min=1)
        scores = scores * mask_scores
        keep = area > 0
        return InstanceData(
            masks=masks[keep], labels=labels[keep], scores=scores[keep])
