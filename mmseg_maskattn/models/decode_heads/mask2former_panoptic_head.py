"""Mask2Former head trained on panoptic targets inside mmseg.

Mask2Former: Masked-attention Mask Transformer for Universal Image
Segmentation (Cheng et al., CVPR 2022), https://arxiv.org/abs/2112.01527
"""
import inspect
from typing import List, Sequence, Tuple

import torch
from mmengine.config import ConfigDict
from mmdet.models.dense_heads import Mask2FormerHead as MMDetMask2FormerHead
from mmengine.structures import InstanceData
from mmseg.models.decode_heads import Mask2FormerHead
from mmseg.registry import MODELS
from mmseg.structures import SegDataSample
from mmseg.utils import SampleList
from torch import Tensor

from ..utils import check_thing_classes

__all__ = ['Mask2FormerPanopticHead']


def _accepted_kwargs() -> set:
    """Named arguments of mmseg's and mmdet's Mask2Former heads."""
    names = set()
    for cls in (Mask2FormerHead, MMDetMask2FormerHead):
        params = inspect.signature(cls.__init__).parameters.values()
        names |= {
            p.name
            for p in params if p.name != 'self' and p.kind in (
                p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY)
        }
    # mmseg's published Mask2Former configs pass ``strides``, which mmdet's
    # head accepts through ``**kwargs`` and does not use
    return names | {'strides'}


@MODELS.register_module()
class Mask2FormerPanopticHead(Mask2FormerHead):
    """Mask2Former head whose targets are panoptic segments.

    mmseg's :class:`~mmseg.models.decode_heads.Mask2FormerHead` (which runs
    mmdet's Mask2Former transformer decoder, Hungarian matcher and losses)
    turns ``gt_sem_seg`` into one target mask per class present, so it
    learns semantic segmentation only. This head builds the targets of
    Mask2Former's panoptic setting instead: one mask per thing instance
    (from ``gt_instance_seg``, 0 = no instance) and one mask per stuff
    class present (from ``gt_sem_seg``). It is the panoptic Mask2Former of
    the MaskAttn-UNet comparison (Cheng et al., arXiv 2503.10686,
    https://arxiv.org/abs/2503.10686) at 128x128, driven by the mmseg data
    pipeline (mmdet's own panoptic data path needs ``panopticapi``).

    Thing pixels without an instance (crowd regions, ignored pixels) get no
    target mask: the matcher neither rewards nor penalises them. The
    panoptic and instance outputs are assembled by
    :class:`~mmseg_maskattn.models.segmentors.Mask2FormerPanopticSegmentor`
    from :meth:`predict_masks`; :meth:`predict` still returns mmseg's
    semantic logits.

    Args:
        thing_classes (Sequence[int]): Class ids that are things (at least
            one, no duplicates; see
            :func:`~mmseg_maskattn.models.utils.check_thing_classes`); every
            other class id (except ``ignore_index``) is stuff.
        **kwargs: Arguments of mmseg's ``Mask2FormerHead`` (``num_classes``,
            ``in_channels``, ``feat_channels``, ``num_queries``,
            ``pixel_decoder``, ``transformer_decoder``, losses, ...).
    """

    def __init__(self, *, thing_classes: Sequence[int], **kwargs) -> None:
        unknown = sorted(set(kwargs) - _accepted_kwargs())
        if unknown:
            # mmdet's Mask2FormerHead swallows unknown keyword arguments
            raise TypeError(f'{type(self).__name__} got unknown arguments '
                            f'{unknown}')
        # mmdet's head reads its sub-configs by attribute: accept plain dicts
        super().__init__(**{
            key: ConfigDict(value) if isinstance(value, dict) else value
            for key, value in kwargs.items()
        })
        self.thing_classes = check_thing_classes(thing_classes,
                                                 self.num_classes)

    def _seg_data_to_instance_data(
            self, batch_data_samples: SampleList
    ) -> Tuple[List[InstanceData], List[dict]]:
        """Panoptic target masks and labels of every sample.

        Args:
            batch_data_samples (list[SegDataSample]): Samples with
                ``gt_sem_seg`` and ``gt_instance_seg``.

        Returns:
            tuple: ``batch_gt_instances`` (``InstanceData`` with ``labels``
            (N,) and ``masks`` (N, H, W) long) and ``batch_img_metas``.

        Raises:
            KeyError: If a sample has no ``gt_instance_seg``.
        """
        thing_ids = None
        batch_gt_instances, batch_img_metas = [], []
        for sample in batch_data_samples:
            batch_img_metas.append(sample.metainfo)
            if 'gt_instance_seg' not in sample:
                raise KeyError(
                    f'{type(self).__name__}: data sample of '
                    f"{sample.metainfo.get('img_path')!r} has no "
                    "'gt_instance_seg'; pack the data with "
                    'PackPanopticSegInputs')
            sem = sample.gt_sem_seg.data[0]  # (H, W)
            inst = sample.gt_instance_seg.data[0].to(sem.device)
            if inst.shape != sem.shape:
                # the data preprocessor pads gt_sem_seg only: pad with 0
                padded = inst.new_zeros(sem.shape)
                h, w = min(inst.shape[0], sem.shape[0]), min(
                    inst.shape[1], sem.shape[1])
                padded[:h, :w] = inst[:h, :w]
                inst = padded
            if thing_ids is None:
                thing_ids = torch.tensor(
                    self.thing_classes, dtype=sem.dtype, device=sem.device)
            is_thing = torch.isin(sem, thing_ids)
            inst = torch.where(is_thing, inst, torch.zeros_like(inst))
            inst_ids = torch.unique(inst)
            inst_ids = inst_ids[inst_ids > 0]
            inst_masks = inst[None] == inst_ids[:, None, None]  # (I, H, W)
            # class of each instance: that of any of its pixels
            first = inst_masks.flatten(1).float().argmax(dim=1)
            inst_labels = sem.flatten()[first]
            stuff = ~is_thing & (sem != self.ignore_index)
            stuff_labels = torch.unique(sem[stuff])
            stuff_masks = (sem[None] == stuff_labels[:, None, None])
            masks = torch.cat([inst_masks, stuff_masks]).long()
            labels = torch.cat([inst_labels, stuff_labels]).long()
            batch_gt_instances.append(InstanceData(labels=labels, masks=masks))
        return batch_gt_instances, batch_img_metas

    def predict_masks(self, x: Tuple[Tensor],
                      batch_img_metas: List[dict]) -> Tuple[Tensor, Tensor]:
        """Class scores and mask logits of the last decoder layer.

        Args:
            x (tuple[Tensor]): Multi-level features of the backbone.
            batch_img_metas (list[dict]): Meta information of the images.

        Returns:
            tuple: ``cls_logits`` (B, Q, num_classes + 1) (the last entry is
            "no object") and ``mask_logits`` (B, Q, H, W) at the padded
            input size (``pad_shape``, else ``img_shape``).
        """
        samples = [SegDataSample(metainfo=meta) for meta in batch_img_metas]
        all_cls_scores, all_mask_preds = self(x, samples)
        meta = batch_img_metas[0]
        size = meta.get('pad_shape', meta['img_shape'])
        mask_logits = torch.nn.functional.interpolate(
            all_mask_preds[-1],
            size=tuple(size[:2]),
            mode='bilinear',
            align_corners=False)
        return all_cls_scores[-1], mask_logits
