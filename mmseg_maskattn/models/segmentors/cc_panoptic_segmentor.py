"""Panoptic reading of a semantic segmentor by connected components.

The U-Net baseline of MaskAttn-UNet: A Mask Attention-Driven Framework for
Universal Low-Resolution Image Segmentation (Cheng et al., 2025),
https://arxiv.org/abs/2503.10686, is a semantic model (U-Net, Ronneberger et
al., "U-Net: Convolutional Networks for Biomedical Image Segmentation",
MICCAI 2015, https://arxiv.org/abs/1505.04597); its instances are the
connected components of each thing class.
"""
from typing import Sequence

import torch
from mmseg.models.segmentors import EncoderDecoder
from mmseg.registry import MODELS
from mmseg.utils import OptSampleList, SampleList
from torch import Tensor

from ...utils import is_int
from ..utils import (assemble_panoptic, check_thing_classes,
                     component_instances, pack_panoptic)

__all__ = ['CCPanopticSegmentor']


@MODELS.register_module()
class CCPanopticSegmentor(EncoderDecoder):
    """Encoder-decoder whose thing regions are split into instances.

    The panoptic reading of a plain semantic segmentor, the U-Net baseline
    (Ronneberger et al., MICCAI 2015, https://arxiv.org/abs/1505.04597) of
    MaskAttn-UNet (Cheng et al., arXiv 2503.10686,
    https://arxiv.org/abs/2503.10686), so that it can be evaluated with PQ
    and mask AP like the universal model. Training and the semantic
    prediction are those of :class:`~mmseg.models.EncoderDecoder` (any
    backbone, head and ``test_cfg`` mode). After
    :meth:`postprocess_result` has made ``pred_sem_seg`` and ``seg_logits``
    at the original image size, the pixels of each thing class are split
    into connected components (``cv2.connectedComponents``, 4- or
    8-connectivity); a component smaller than ``min_area`` pixels is
    dropped (its pixels keep their class in ``pred_sem_seg`` and are void
    in the panoptic map). Each output sample also carries, in the format of
    :class:`MaskAttnUNetSegmentor`:

    - ``pred_instance_seg``: ``PixelData(data=LongTensor (1, H, W))``, 0 is
      no instance, instances ``1..K`` ordered by the order of
      ``thing_classes``, then by the first pixel of the component in raster
      order;
    - ``pred_panoptic_seg``: ``PixelData(sem_seg=LongTensor (1, H, W))``
      with ``segments_info`` (``id``, ``category_id``, ``isthing``,
      ``area``, ``score``) in its metainfo, made by
      :func:`~mmseg_maskattn.models.utils.assemble_panoptic`: one segment
      per stuff class present and one per instance; ``score`` is the mean
      probability (softmax, or sigmoid for a single-channel head) of the
      segment's class over its pixels.

    Args:
        thing_classes (Sequence[int]): Class ids that are things (split into
            instances; at least one, no duplicates); the others are stuff.
        connectivity (int): 4 or 8, the pixel neighbourhood of a
            component. Defaults to 8.
        min_area (int): Components with fewer pixels are dropped. Defaults
            to 0 (keep all).
        **kwargs: Forwarded to :class:`~mmseg.models.EncoderDecoder`
            (``backbone``, ``decode_head``, ``test_cfg``, ...).
    """

    def __init__(self,
                 *,
                 thing_classes: Sequence[int],
                 connectivity: int = 8,
                 min_area: int = 0,
                 **kwargs) -> None:
        super().__init__(**kwargs)
        self.thing_classes = check_thing_classes(thing_classes,
                                                 self.num_classes)
        if connectivity not in (4, 8):
            raise ValueError(f'connectivity must be 4 or 8, got '
                             f'{connectivity!r}')
        if not is_int(min_area) or min_area < 0:
            raise ValueError(f'min_area must be an int >= 0, got '
                             f'{min_area!r}')
        self.connectivity = int(connectivity)
        self.min_area = int(min_area)

    def postprocess_result(self,
                           seg_logits: Tensor,
                           data_samples: OptSampleList = None) -> SampleList:
        """Semantic results of mmseg, plus instances and a panoptic map.

        Args:
            seg_logits (Tensor): (B, C, H, W) logits of the decode head.
            data_samples (list[:obj:`SegDataSample`], optional): The data
                samples with their meta information. Defaults to None.

        Returns:
            list[:obj:`SegDataSample`]: Each with ``seg_logits``,
            ``pred_sem_seg``, ``pred_instance_seg`` and
            ``pred_panoptic_seg`` at the original image size.
        """
        results = super().postprocess_result(seg_logits, data_samples)
        for sample in results:
            sem = sample.pred_sem_seg.data[0].long()
            scores = sample.seg_logits.data
            if scores.shape[0] == 1:  # already the sigmoid of class 1
                probs = torch.cat([1 - scores, scores])
            else:
                probs = scores.softmax(dim=0)
            instances = component_instances(
                sem, self.thing_classes, connectivity=self.connectivity,
                min_area=self.min_area)
            pan, segments = assemble_panoptic(sem, probs, instances,
                                              self.thing_classes)
            pack_panoptic(sample, pan, segments, instances)
        return results
