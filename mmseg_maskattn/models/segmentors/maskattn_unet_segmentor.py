"""Universal (semantic, instance, panoptic) segmentor of MaskAttn-UNet.

MaskAttn-UNet: A Mask Attention-Driven Framework for Universal
Low-Resolution Image Segmentation (Cheng et al., 2025),
https://arxiv.org/abs/2503.10686
"""
from typing import List, Optional, Sequence, Tuple

import torch
import torch.nn.functional as F
from mmseg.models.segmentors import EncoderDecoder
from mmseg.registry import MODELS
from mmseg.utils import OptSampleList, SampleList

from ..utils import (assemble_panoptic, batch_metas, check_thing_classes,
                     group_things, pack_panoptic, restore_to_ori_shape)

__all__ = ['MaskAttnUNetSegmentor']


@MODELS.register_module()
class MaskAttnUNetSegmentor(EncoderDecoder):
    """Encoder-decoder that also predicts instances and a panoptic map.

    Training is mmseg's (the decode head, e.g. :class:`MaskAttnUNetHead`,
    returns L_CE + λ·L_IC). At inference the semantic map comes from the
    class logits; the pixels of each predicted thing class are grouped into
    instances by clustering their embeddings
    (:func:`~mmseg_maskattn.models.utils.group_embeddings`), and the
    panoptic map takes stuff from the semantic map and things from the
    instances. Each output sample carries ``pred_sem_seg``, ``seg_logits``,
    ``pred_instance_seg`` (PixelData (1, H, W), 0 = none) and
    ``pred_panoptic_seg`` (PixelData ``sem_seg`` (1, H, W) ids with
    ``segments_info`` in its metainfo), at the original image size.

    Args:
        thing_classes (Sequence[int]): Class ids that are things (at least
            one, no duplicates; see
            :func:`~mmseg_maskattn.models.utils.check_thing_classes`).
        grouping_cfg (dict): Keyword arguments of ``group_embeddings``
            (``threshold``, ``min_area``, ``max_instances``, ``num_seeds``,
            ``connectivity``).
        **kwargs: Forwarded to :class:`EncoderDecoder`.
    """

    def __init__(self,
                 *,
                 thing_classes: Sequence[int],
                 grouping_cfg: Optional[dict] = None,
                 **kwargs) -> None:
        super().__init__(**kwargs)
        if not hasattr(self.decode_head, 'predict_all'):
            raise ValueError('MaskAttnUNetSegmentor needs a decode head with '
                             'instance embeddings (e.g. MaskAttnUNetHead), '
                             f'got {type(self.decode_head).__name__}')
        self.thing_classes = check_thing_classes(thing_classes,
                                                 self.num_classes)
        self.grouping_cfg = dict(grouping_cfg or {})
        unknown = set(self.grouping_cfg) - {
            'threshold', 'min_area', 'max_instances', 'num_seeds',
            'connectivity'
        }
        if unknown:
            raise ValueError(
                f'grouping_cfg has unknown keys {sorted(unknown)}')

    def predict_embeddings(
            self, inputs: torch.Tensor,
            data_samples: OptSampleList = None
    ) -> Tuple[SampleList, List[torch.Tensor]]:
        """The semantic results of mmseg and the unit-length embeddings.

        Returns:
            tuple: the data samples with ``pred_sem_seg`` and ``seg_logits``
            (as :meth:`postprocess_result` makes them) and, per sample, its
            (D, H, W) L2-normalised embeddings at the original image size.
        """
        mode = (self.test_cfg or {}).get('mode', 'whole')
        if mode != 'whole':
            raise ValueError('MaskAttnUNetSegmentor supports test_cfg.mode='
                             f"'whole' only, got {mode!r}")
        metas = batch_metas(inputs, data_samples)
        logits, embeddings = self.decode_head.predict_all(
            self.extract_feat(inputs), metas)
        results = self.postprocess_result(logits, data_samples)
        embs = [
            F.normalize(
                restore_to_ori_shape(embeddings[i:i + 1], metas[i])[0],
                dim=0) for i in range(len(results))
        ]
        return results, embs

    def predict(self,
                inputs: torch.Tensor,
                data_samples: OptSampleList = None) -> SampleList:
        results, embs = self.predict_embeddings(inputs, data_samples)
        for sample, emb in zip(results, embs):
            sem = sample.pred_sem_seg.data[0]
            probs = sample.seg_logits.data.softmax(dim=0)
            instances = group_things(emb, sem, self.thing_classes,
                                     **self.grouping_cfg)
            pan, segments = assemble_panoptic(sem, probs, instances,
                                              self.thing_classes)
            pack_panoptic(sample, pan, segments, instances)
        return results
