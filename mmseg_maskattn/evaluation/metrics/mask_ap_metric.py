"""COCO instance mask AP computed with pycocotools from in-memory results.

The instance segmentation metric of COCO (Lin et al., "Microsoft COCO:
Common Objects in Context", ECCV 2014, https://arxiv.org/abs/1405.0312),
``COCOeval(iouType='segm')`` of pycocotools, used to evaluate the instance
output of MaskAttn-UNet (Cheng et al., "MaskAttn-UNet: A Mask
Attention-Driven Framework for Universal Low-Resolution Image
Segmentation", arXiv 2503.10686, https://arxiv.org/abs/2503.10686) and of
the other universal segmentors of this package from ``tools/test.py``, with
no annotation file: ground truth and predictions are taken from the data
samples, encoded to RLE and handed to pycocotools as in-memory COCO objects.

COCO conventions (all of them pycocotools'): a prediction matches a
ground-truth instance of its category at IoU >= t for t in
0.50:0.05:0.95, greedily in decreasing score order; crowd ground truth
(``iscrowd=1``) is never a false negative and a prediction matched to it
(IoU against a crowd region is ``|p & crowd| / |p|``) is ignored, not a
false positive; AP is the 101-point interpolated area under the
precision-recall curve, averaged over the IoU thresholds and over the
categories that have ground truth; ``maxDets`` keeps the highest-scoring
predictions per image and category; the size ranges are small
(area <= 32**2), medium (32**2..96**2) and large (>= 96**2 pixels).
"""
import contextlib
import io
import itertools
import logging
from collections.abc import Mapping
from typing import Any, Dict, List, Optional, Sequence, Tuple

import numpy as np
from mmengine.evaluator import BaseMetric
from mmengine.logging import MMLogger, print_log
from mmseg.registry import METRICS
from prettytable import PrettyTable
from pycocotools import mask as mask_utils
from pycocotools.coco import COCO
from pycocotools.cocoeval import COCOeval

from ...utils import is_int
from .metric_inputs import class_thing_flags, id_map, sample_field, to_numpy

__all__ = ['MaskAPMetric']

#: Summary metrics: (name, IoU threshold or None for 0.50:0.95, index of
#: the COCOeval area range 'all', 'small', 'medium', 'large').
SUMMARY = (('mAP', None, 0), ('AP50', 0.5, 0), ('AP75', 0.75, 0),
           ('APs', None, 1), ('APm', None, 2), ('APl', None, 3))


def _encode(masks: np.ndarray) -> List[dict]:
    """RLEs of (N, H, W) binary masks (pycocotools wants (H, W, N), F)."""
    if masks.shape[0] == 0:
        return []
    return mask_utils.encode(
        np.asfortranarray(masks.transpose(1, 2, 0).astype(np.uint8)))


def _thing_segments(segments: Any, where: str, num_classes: int,
                    things: frozenset, read_crowd: bool,
                    read_score: bool) -> List[Tuple[int, int, int, float]]:
    """``(id, category_id, iscrowd, score)`` of the thing segments.

    A segment is a thing if its ``isthing`` says so, or, without
    ``isthing``, if its category is a thing class; a given ``isthing`` must
    agree with the thing classes.
    """
    if segments is None or isinstance(segments, (str, bytes, Mapping)) \
            or not isinstance(segments, Sequence):
        raise ValueError(f"{where}['segments_info'] must be a list of dicts "
                         f'(use [] for no segment), got {segments!r}')
    out, seen = [], set()
    for i, seg in enumerate(segments):
        if not isinstance(seg, Mapping) or 'id' not in seg \
                or 'category_id' not in seg:
            raise ValueError(f"{where}['segments_info'][{i}] must be a dict "
                             f"with 'id' and 'category_id' keys, got {seg!r}")
        seg_id, cat = seg['id'], seg['category_id']
        if not is_int(seg_id) or int(seg_id) in seen:
            raise ValueError(f"{where}['segments_info'][{i}]: id must be an "
                             f'int unique in the image, got {seg_id!r}')
        seen.add(int(seg_id))
        if not is_int(cat) or not 0 <= cat < num_classes:
            raise ValueError(
                f'{where} segment id={seg_id} has unknown category_id='
                f'{cat!r} (class indices are 0..{num_classes - 1})')
        isthing = seg.get('isthing')
        if isthing is not None and bool(isthing) != (cat in things):
            raise ValueError(
                f'{where} segment id={seg_id} has isthing={isthing!r} but '
                f'category_id={cat} is {"" if cat in things else "not "}a '
                f'thing class (thing class ids: {sorted(things)})')
        if cat not in things:
            continue
        score = 1.0
        if read_score:
            if 'score' not in seg:
                raise ValueError(
                    f"{where} thing segment id={seg_id} has no 'score' key "
                    '(needed to rank it for AP)')
            score = float(seg['score'])
            if not np.isfinite(score):
                raise ValueError(f'{where} thing segment id={seg_id} has a '
                                 f"non-finite 'score': {score}")
        crowd = int(bool(seg.get('iscrowd', 0))) if read_crowd else 0
        out.append((int(seg_id), int(cat), crowd, score))
    return out


def _panoptic_things(
        sample: Any, key: str, where: str, num_classes: int,
        things: frozenset, shape: Optional[tuple],
        is_gt: bool) -> Tuple[np.ndarray, List[tuple], tuple]:
    """Masks (S, H, W), segments of the non-empty thing segments, (H, W)."""
    pan = sample_field(sample, key, where)
    where = f'{where}[{key!r}]'
    ids = id_map(sample_field(pan, 'sem_seg', where), f"{where}['sem_seg']")
    if not np.issubdtype(ids.dtype, np.integer):
        raise TypeError(f"{where}['sem_seg'] must hold integer ids, got "
                        f'dtype {ids.dtype}')
    if shape is not None and ids.shape != shape:
        raise ValueError(f"{where}['sem_seg'] has shape {ids.shape} but the "
                         f'ground truth has shape {shape}')
    segs = _thing_segments(
        sample_field(pan, 'segments_info', where), where, num_classes, things,
        read_crowd=is_gt, read_score=not is_gt)
    seg_ids = np.asarray([s[0] for s in segs], dtype=np.int64)
    masks = ids[None] == seg_ids[:, None, None]
    # a listed segment without pixels is empty: neither ground truth nor a
    # prediction (as in PanopticQualityMetric)
    keep = masks.any(axis=(1, 2))
    return masks[keep], [s for s, k in zip(segs, keep) if k], ids.shape


def _instance_predictions(inst: Any, where: str, things: frozenset,
                          shape: tuple) -> Tuple[np.ndarray, list]:
    """Masks (N, H, W) and ``(-, label, 0, score)`` of ``pred_instances``."""
    masks, labels, scores = (to_numpy(sample_field(inst, k, where))
                             for k in ('masks', 'labels', 'scores'))
    if masks.ndim != 3 or masks.shape[1:] != shape:
        raise ValueError(f"{where}['masks'] must have shape (N, H, W) with "
                         f'(H, W) = {shape} (the ground truth), got '
                         f'{masks.shape}')
    num = masks.shape[0]
    if masks.dtype != bool:
        if not np.isin(masks, (0, 1)).all():
            raise ValueError(f"{where}['masks'] must be binary (bool or "
                             '0/1); threshold soft masks first')
        masks = masks.astype(bool)
    for key, values in (('labels', labels), ('scores', scores)):
        if values.shape != (num, ):
            raise ValueError(f'{where}[{key!r}] must have shape ({num},) '
                             f"(one per mask), got {values.shape}")
    if not np.issubdtype(labels.dtype, np.integer):
        raise ValueError(f"{where}['labels'] must hold integer class ids, "
                         f'got dtype {labels.dtype}')
    if not np.isfinite(scores).all():
        raise ValueError(f"{where}['scores'] must be finite")
    unknown = sorted(set(labels.tolist()) - things)
    if unknown:
        raise ValueError(f"{where}['labels'] holds category id(s) {unknown} "
                         f'that are not thing classes (thing class ids: '
                         f'{sorted(things)})')
    segs = [(0, int(c), 0, float(s)) for c, s in zip(labels, scores)]
    return masks, segs


@METRICS.register_module()
class MaskAPMetric(BaseMetric):
    """COCO mask AP (pycocotools ``COCOeval``, ``iouType='segm'``).

    Lin et al., "Microsoft COCO: Common Objects in Context", ECCV 2014
    (https://arxiv.org/abs/1405.0312), evaluated from the data samples
    without annotation file; used for the instance output of MaskAttn-UNet
    (Cheng et al., arXiv 2503.10686, https://arxiv.org/abs/2503.10686). See
    the module docstring for the COCO rules.

    Data-sample convention (read by :meth:`process`, a
    :class:`~mmseg.structures.SegDataSample` or the dict mmengine's
    evaluator makes of it):

    - ground truth: the thing segments of ``gt_panoptic_seg`` (PixelData
      ``sem_seg`` ids (1, H, W) and metainfo ``segments_info`` with
      ``id``, ``category_id`` (class index), optional ``isthing`` and
      ``iscrowd``), as packed by
      :class:`~mmseg_maskattn.datasets.transforms.PackPanopticSegInputs`;
      ``iscrowd=1`` segments are COCO crowd regions;
    - predictions: ``pred_instances`` if the sample has it (InstanceData
      with ``masks`` (N, H, W) bool or 0/1, ``labels`` (N,), ``scores``
      (N,); masks may overlap, as Mask2Former's instance output), otherwise
      the thing segments of ``pred_panoptic_seg`` (same format as the
      ground truth, each with a ``score``), as MaskAttn-UNet and
      :class:`~mmseg_maskattn.models.segmentors.CCPanopticSegmentor` predict.

    Thing classes are ``dataset_meta['thing_classes']`` (or the classes not
    in ``'stuff_classes'``; given both, every class must be in exactly one,
    as for :class:`PanopticQualityMetric`); COCO category ids are their
    indices in ``dataset_meta['classes']``. A segment is a thing if its category is a
    thing class; its ``isthing``, where given, must agree.
    Listed segments without pixels are skipped; empty ``pred_instances``
    masks are kept (they are predictions, false positives).

    Undefined values are reported as 0.0, never -1 or NaN: when the whole
    data set has no non-crowd ground-truth instance every AP is 0.0 and a
    warning says so; a size range without ground truth (often ``APl`` on
    small images) gets 0.0 and the logged table shows its ground-truth
    count of 0. An image without instances and without predictions is
    valid and changes nothing.

    Input checks: a missing key (``gt_panoptic_seg``, ``segments_info``,
    ``masks``, ...) raises a :class:`KeyError` naming it; a segment of a
    category that is not a class, a thing segment or instance label that is
    not a thing class, a predicted thing segment without ``score``, or
    masks whose shape differs from the ground truth raise a
    :class:`ValueError` naming the id or key.

    Args:
        max_dets (int): Predictions kept per image and category (COCOeval's
            ``maxDets``). Defaults to 100.
        classwise (bool): Whether :meth:`compute_metrics` also returns
            ``'AP_<name>'`` (0.50:0.95) for each thing class with ground
            truth. Defaults to False.
        **kwargs: ``collect_device``, ``prefix`` (None uses ``'mask'``)
            and ``collect_dir`` of :class:`mmengine.evaluator.BaseMetric`.

    Returns from :meth:`compute_metrics` (percent, prefixed ``'mask/'``):
    ``'mAP'`` (IoU 0.50:0.95), ``'AP50'``, ``'AP75'``, ``'APs'``,
    ``'APm'``, ``'APl'`` and, if ``classwise``, ``'AP_<name>'``. Example
    config::

        val_evaluator = [
            dict(type='PanopticQualityMetric'),
            dict(type='MaskAPMetric'),
        ]
    """
    default_prefix: Optional[str] = 'mask'

    def __init__(self,
                 max_dets: int = 100,
                 classwise: bool = False,
                 **kwargs) -> None:
        super().__init__(**kwargs)
        if not is_int(max_dets) or max_dets < 1:
            raise ValueError(f'max_dets must be a positive int, got '
                             f'{max_dets!r}')
        self.max_dets = int(max_dets)
        self.classwise = classwise

    def _classes(self) -> Tuple[tuple, frozenset]:
        """Class names and the indices of the thing classes."""
        classes, isthing = class_thing_flags(self.dataset_meta,
                                             'MaskAPMetric')
        return classes, frozenset(i for i, t in enumerate(isthing) if t)

    def process(self, data_batch: Any, data_samples: Sequence[Any]) -> None:
        """Encode the ground-truth and predicted thing masks of each sample.

        Args:
            data_batch (Any): A batch from the dataloader (unused).
            data_samples (Sequence[dict | SegDataSample]): Outputs of the
                model with their ground truth, see the class docstring.
        """
        classes, things = self._classes()
        for i, sample in enumerate(data_samples):
            where = f'data_samples[{i}]'
            gt_masks, gt_segs, shape = _panoptic_things(
                sample, 'gt_panoptic_seg', where, len(classes), things,
                None, is_gt=True)
            if 'pred_instances' in sample:
                dt_masks, dt_segs = _instance_predictions(
                    sample_field(sample, 'pred_instances', where),
                    f"{where}['pred_instances']", things, shape)
            else:
                dt_masks, dt_segs, _ = _panoptic_things(
                    sample, 'pred_panoptic_seg', where, len(classes),
                    things, shape, is_gt=False)
            gt_areas = gt_masks.sum(axis=(1, 2)).tolist()
            dt_areas = dt_masks.sum(axis=(1, 2)).tolist()
            self.results.append(
                dict(
                    shape=tuple(int(s) for s in shape),
                    gt=[
                        dict(segmentation=rle, category_id=cat,
                             iscrowd=crowd, area=int(area))
                        for rle, (_, cat, crowd, _), area in zip(
                            _encode(gt_masks), gt_segs, gt_areas)
                    ],
                    dt=[
                        dict(segmentation=rle, category_id=cat, iscrowd=0,
                             score=score, area=int(area))
                        for rle, (_, cat, _, score), area in zip(
                            _encode(dt_masks), dt_segs, dt_areas)
                    ]))

    def compute_metrics(self, results: List[dict]) -> Dict[str, float]:
        """Run ``COCOeval(iouType='segm')`` on all samples.

        Args:
            results (list[dict]): The per-sample RLEs from :meth:`process`,
                gathered from all ranks.

        Returns:
            dict[str, float]: Percentages keyed ``'mAP'``, ``'AP50'``,
            ``'AP75'``, ``'APs'``, ``'APm'``, ``'APl'`` and, if
            ``classwise``, ``'AP_<name>'`` per thing class with ground
            truth (the evaluator adds the prefix).
        """
        classes, things = self._classes()
        logger = MMLogger.get_current_instance()
        images, gts, dts = [], [], []
        gt_ids, dt_ids = itertools.count(1), itertools.count(1)
        for image_id, res in enumerate(results, 1):
            height, width = res['shape']
            images.append(dict(id=image_id, height=height, width=width))
            # ids start at 1: COCOeval takes an id of 0 for "unmatched"
            gts += [
                dict(ann, id=next(gt_ids), image_id=image_id)
                for ann in res['gt']
            ]
            dts += [
                dict(ann, id=next(dt_ids), image_id=image_id)
                for ann in res['dt']
            ]
        metrics = {name: 0.0 for name, _, _ in SUMMARY}
        if not any(not ann['iscrowd'] for ann in gts):
            print_log(
                f'MaskAPMetric: no (non-crowd) ground-truth instance of a '
                f'thing class in {len(results)} image(s): every AP is '
                'undefined and reported as 0.0',
                logger=logger,
                level=logging.WARNING)
            return metrics
        categories = [dict(id=c, name=classes[c]) for c in sorted(things)]
        stdout = io.StringIO()
        with contextlib.redirect_stdout(stdout):
            coco_gt, coco_dt = COCO(), COCO()
            for coco, anns in ((coco_gt, gts), (coco_dt, dts)):
                coco.dataset = dict(
                    images=images, annotations=anns, categories=categories)
                coco.createIndex()
            coco_eval = COCOeval(coco_gt, coco_dt, iouType='segm')
            coco_eval.params.maxDets = [self.max_dets]
            coco_eval.evaluate()
            coco_eval.accumulate()
        print_log(stdout.getvalue().rstrip(), logger=logger,
                  level=logging.DEBUG)

        params = coco_eval.params
        # (T, R, K, A): -1 where a category has no ground truth in a range
        precision = coco_eval.eval['precision'][..., 0]

        def mean_ap(values: np.ndarray) -> float:
            values = values[values > -1]
            return float(100 * values.mean()) if values.size else 0.0

        for name, iou, area in SUMMARY:
            values = precision[..., area]
            if iou is not None:
                values = values[np.isclose(params.iouThrs, iou)]
            metrics[name] = mean_ap(values)
        crowd = np.asarray([ann['iscrowd'] for ann in gts], dtype=bool)
        areas = np.asarray([ann['area'] for ann in gts])
        num_gt = [
            int(((areas >= lo) & (areas <= hi) & ~crowd).sum())
            for lo, hi in params.areaRng
        ]
        table = PrettyTable(['', 'AP (%)', 'GT instances'])
        for name, _, area in SUMMARY:
            table.add_row([name, f'{metrics[name]:.2f}', num_gt[area]])
        if self.classwise:
            for k, cat in enumerate(params.catIds):
                key = f'AP_{classes[cat]}'
                if (precision[:, :, k, 0] > -1).any():
                    metrics[key] = mean_ap(precision[:, :, k, 0])
                    table.add_row([
                        key, f'{metrics[key]:.2f}',
                        sum(ann['category_id'] == cat
                            for ann in gts if not ann['iscrowd'])
                    ])
        print_log(
            f'Mask AP (COCO segm, maxDets={self.max_dets}):\n' +
            table.get_string(),
            logger=logger)
        return metrics
