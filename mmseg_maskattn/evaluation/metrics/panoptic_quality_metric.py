"""Panoptic Quality (PQ), Segmentation Quality (SQ), Recognition Quality (RQ).

Implements the panoptic segmentation metric of Kirillov et al., "Panoptic
Segmentation", CVPR 2019 (https://arxiv.org/abs/1801.00868), with the
conventions of the COCO panoptic benchmark (VOID pixels and crowd regions).

A panoptic map is an integer id map of shape ``(H, W)`` together with a list
of segments ``[{'id': int, 'category_id': int, 'iscrowd': 0/1, 'area': int},
...]`` (``iscrowd`` is read for the ground truth only; ``area`` is optional).
Pixels whose id is one of the VOID ids (``0`` by default) belong to no
segment: in the ground truth they are *unlabeled*, in the prediction they
are *not predicted*.

Per image and per category ``c`` (:func:`pq_stats`):

- a predicted segment ``p`` and a non-crowd ground-truth segment ``g`` of the
  same category *match* iff ``IoU(p, g) > 0.5`` (exactly 0.5 is no match);
  the IoU ignores the VOID pixels of the prediction::

      IoU(p, g) = |p & g| / (|p| + |g| - |p & g| - |p & VOID|)

  Segments do not overlap and the threshold is above one half, so a segment
  matches at most one other: the matching is unique without any assignment
  step;
- TP: matched pairs (their IoUs are summed); FN: unmatched non-crowd
  ground-truth segments; FP: unmatched predicted segments, except those with
  more than half of their pixels on VOID plus crowd regions of their own
  category, ``(|p & VOID| + |p & crowd_c|) / |p| > 0.5``, which are ignored.
  Crowd ground truth (``iscrowd=1``) is never matched and never an FN; the
  crowd regions of one category are taken together.

Over a data set (:func:`summarize_pq`), the counts of all images are summed
per category before the ratios are taken::

    PQ_c = sum IoU / (TP + FP / 2 + FN / 2)
    SQ_c = sum IoU / TP                      (0 when TP = 0)
    RQ_c = TP / (TP + FP / 2 + FN / 2)

and PQ, SQ, RQ are the means of ``PQ_c``, ``SQ_c``, ``RQ_c`` over the
categories that occur (``TP + FP + FN > 0``), over all of them, over the
things and over the stuff categories. All reported values are percentages
(0-100), as mmseg's metrics report mIoU. A mean over no category at all (for
instance no stuff category occurs) is reported as 0 with a count ``n`` of 0,
never NaN.

Input checks (each a :class:`ValueError` naming the offending id or key):

- a segment without ``id`` or ``category_id``, a duplicate segment id, or a
  segment whose id is a VOID id;
- a segment, predicted or ground truth, of a category not in ``categories``;
- an id present in a map but listed neither in its segments nor among the
  VOID ids (ground truth or prediction alike);
- a listed segment absent from its map although its ``area`` says it has
  pixels (the map and the list do not belong together). A listed segment
  absent from the map whose ``area`` is 0 or not given is an empty segment:
  it is skipped (neither TP, FP nor FN). ``area`` is otherwise not used;
  areas are always counted on the map;
- pred and ground-truth maps of different shapes.
"""
from collections.abc import Mapping
from typing import Any, Dict, List, NamedTuple, Optional, Sequence, Union

import numpy as np
from mmengine.evaluator import BaseMetric
from mmengine.logging import MMLogger, print_log
from mmseg.registry import METRICS
from prettytable import PrettyTable

from ...utils import is_int
from .metric_inputs import class_thing_flags, id_map, sample_field

__all__ = ['PanopticQualityMetric', 'pq_stats', 'summarize_pq']

#: Keys of the per-image (and accumulated) statistics, arrays of shape (C,).
STAT_KEYS = ('tp', 'fp', 'fn', 'iou_sum')


class _CategoryTable(NamedTuple):
    """Validated categories: parallel tuples plus an id -> index lookup."""
    ids: tuple
    names: tuple
    isthing: np.ndarray
    index: dict


def _category_table(
    categories: Union[Sequence[Mapping], _CategoryTable]
) -> _CategoryTable:
    """Check ``categories`` (COCO panoptic style dicts) and index them."""
    if isinstance(categories, _CategoryTable):
        return categories
    if isinstance(categories, (str, bytes, Mapping)) or not isinstance(
            categories, Sequence):
        raise TypeError('categories must be a sequence of dicts with keys '
                        "'id', 'name' and 'isthing', got "
                        f'{type(categories).__name__}')
    ids, names, isthing, index = [], [], [], {}
    seen_names = set()
    for i, cat in enumerate(categories):
        if not isinstance(cat, Mapping):
            raise TypeError(f'categories[{i}] must be a dict, got '
                            f'{type(cat).__name__}')
        for key in ('id', 'name', 'isthing'):
            if key not in cat:
                raise ValueError(f'categories[{i}] has no {key!r} key: {cat}')
        cat_id, name = cat['id'], cat['name']
        if not is_int(cat_id):
            raise ValueError(f'categories[{i}] id must be an int, got '
                             f'{cat_id!r}')
        cat_id = int(cat_id)
        if cat_id in index:
            raise ValueError(f'categories: duplicate category id {cat_id}')
        if name in seen_names:
            raise ValueError(f'categories: duplicate category name {name!r}')
        seen_names.add(name)
        index[cat_id] = i
        ids.append(cat_id)
        names.append(name)
        isthing.append(bool(cat['isthing']))
    return _CategoryTable(
        ids=tuple(ids),
        names=tuple(names),
        isthing=np.asarray(isthing, dtype=bool),
        index=index)


class _Segments(NamedTuple):
    ids: np.ndarray  # int64 (S,)
    cats: np.ndarray  # int64 (S,), category *index* into the table
    crowd: np.ndarray  # bool (S,)
    declared_area: np.ndarray  # int64 (S,), -1 where not given


def _parse_segments(segments: Sequence[Mapping], role: str,
                    table: _CategoryTable, void_ids: frozenset,
                    read_crowd: bool) -> _Segments:
    """Check a segments list and turn it into arrays."""
    if segments is None:
        raise ValueError(f'{role} segments_info is None (use [] for an image '
                         'without segments)')
    n = len(segments)
    ids = np.empty(n, dtype=np.int64)
    cats = np.empty(n, dtype=np.int64)
    crowd = np.zeros(n, dtype=bool)
    area = np.full(n, -1, dtype=np.int64)
    seen = set()
    for i, seg in enumerate(segments):
        if not isinstance(seg, Mapping) or 'id' not in seg \
                or 'category_id' not in seg:
            raise ValueError(f"{role} segments_info[{i}] must be a dict with "
                             f"'id' and 'category_id' keys, got {seg!r}")
        seg_id, cat_id = seg['id'], seg['category_id']
        if not is_int(seg_id):
            raise ValueError(f'{role} segments_info[{i}]: id must be an '
                             f'int, got {seg_id!r}')
        seg_id = int(seg_id)
        if seg_id in seen:
            raise ValueError(f'{role} segments_info: duplicate segment id '
                             f'{seg_id}')
        if seg_id in void_ids:
            raise ValueError(f'{role} segments_info: segment id {seg_id} is '
                             f'a VOID id ({sorted(void_ids)})')
        seen.add(seg_id)
        cat_index = table.index.get(cat_id) if is_int(cat_id) else None
        if cat_index is None:
            raise ValueError(f'{role} segment id={seg_id} has unknown '
                             f'category_id={cat_id!r} (known category ids: '
                             f'{list(table.ids)})')
        ids[i] = seg_id
        cats[i] = cat_index
        if read_crowd:
            crowd[i] = bool(seg.get('iscrowd', 0))
        declared = seg.get('area')
        if declared is not None:
            area[i] = int(declared)
    return _Segments(ids, cats, crowd, area)


def _dense_labels(id_map: np.ndarray, seg_ids: np.ndarray,
                  void_ids: frozenset, role: str) -> np.ndarray:
    """Map every pixel to 0 (VOID) or ``1 + index`` of its segment.

    One ``np.searchsorted`` over the flattened map against the few known ids;
    a pixel whose id is neither a VOID id nor a listed segment is an error.
    """
    flat = id_map.reshape(-1)
    keys = np.concatenate(
        [np.asarray(sorted(void_ids), dtype=np.int64), seg_ids])
    labels = np.concatenate([
        np.zeros(len(void_ids), dtype=np.intp),
        np.arange(1, len(seg_ids) + 1, dtype=np.intp)
    ])
    if flat.size == 0:
        return np.zeros(0, dtype=np.intp)
    if keys.size == 0:
        found = np.zeros(flat.shape, dtype=bool)
        pos = None
    else:
        order = np.argsort(keys, kind='stable')
        keys, labels = keys[order], labels[order]
        pos = np.searchsorted(keys, flat)
        np.minimum(pos, keys.size - 1, out=pos)
        found = keys[pos] == flat
    if not found.all():
        unknown = np.unique(flat[~found])
        shown = ', '.join(str(int(v)) for v in unknown[:10])
        more = f' (and {unknown.size - 10} more)' if unknown.size > 10 else ''
        raise ValueError(
            f'{role} id map holds id(s) {shown}{more} missing from its '
            f'segments_info and not VOID ids {sorted(void_ids)}')
    return labels[pos]


def _as_id_map(ids: Any, role: str) -> np.ndarray:
    arr = np.asarray(ids)
    if not np.issubdtype(arr.dtype, np.integer):
        raise TypeError(f'{role} id map must hold integers, got dtype '
                        f'{arr.dtype}')
    return arr.astype(np.int64, copy=False)


def _void_set(void_ids: Sequence[int], name: str) -> frozenset:
    if isinstance(void_ids, (int, np.integer)):
        void_ids = (void_ids, )
    out = []
    for v in void_ids:
        if not is_int(v):
            raise ValueError(f'{name} must hold ints, got {v!r}')
        out.append(int(v))
    return frozenset(out)


def pq_stats(pred_ids: np.ndarray,
             pred_segments: Sequence[Mapping],
             gt_ids: np.ndarray,
             gt_segments: Sequence[Mapping],
             *,
             categories: Sequence[Mapping],
             void_ids: Sequence[int] = (0, ),
             pred_void_ids: Optional[Sequence[int]] = None
             ) -> Dict[str, np.ndarray]:
    """Per-category TP, FP, FN and IoU sum of one image.

    COCO panoptic definition of Kirillov et al., "Panoptic Segmentation",
    CVPR 2019 (https://arxiv.org/abs/1801.00868); see the module docstring
    for the matching, VOID and crowd rules and for the input checks.

    The pixel work is one ``np.bincount`` of the combined labels
    ``pred * (G + 1) + gt``, which gives the intersection of every (predicted
    segment, ground-truth segment) pair, VOID included; everything else is
    done on that small (P + 1) x (G + 1) matrix.

    Args:
        pred_ids (np.ndarray): Predicted id map, integers, shape (H, W).
        pred_segments (Sequence[Mapping]): Predicted segments, each with
            ``'id'`` and ``'category_id'`` (``'area'`` optional).
        gt_ids (np.ndarray): Ground-truth id map, same shape as ``pred_ids``.
        gt_segments (Sequence[Mapping]): Ground-truth segments, each with
            ``'id'``, ``'category_id'`` and optionally ``'iscrowd'``
            (default 0) and ``'area'``.
        categories (Sequence[Mapping]): COCO panoptic categories, dicts with
            ``'id'`` (the ``category_id`` of segments), ``'name'`` and
            ``'isthing'``. The output arrays follow this order.
        void_ids (Sequence[int]): Ids that mark unlabeled (VOID) pixels in
            the ground-truth map. Defaults to ``(0,)``.
        pred_void_ids (Sequence[int], optional): Ids that mark pixels with
            no prediction in the predicted map; such pixels belong to no
            predicted segment. Defaults to ``void_ids``.

    Returns:
        dict[str, np.ndarray]: ``'tp'``, ``'fp'``, ``'fn'`` (int64) and
        ``'iou_sum'`` (float64), each of shape ``(len(categories),)``.
        Sum them over images and pass them to :func:`summarize_pq`.

    Raises:
        ValueError: On inconsistent inputs, naming the bad id, key or shapes
            (see the module docstring).
    """
    table = _category_table(categories)
    gt_void = _void_set(void_ids, 'void_ids')
    pred_void = gt_void if pred_void_ids is None else _void_set(
        pred_void_ids, 'pred_void_ids')
    pred = _as_id_map(pred_ids, 'predicted')
    gt = _as_id_map(gt_ids, 'ground-truth')
    if pred.shape != gt.shape:
        raise ValueError(f'predicted id map has shape {tuple(pred.shape)} '
                         'but the ground-truth id map has shape '
                         f'{tuple(gt.shape)}')
    ps = _parse_segments(pred_segments, 'predicted', table, pred_void, False)
    gs = _parse_segments(gt_segments, 'ground-truth', table, gt_void, True)
    num_p, num_g = ps.ids.size, gs.ids.size

    pred_lab = _dense_labels(pred, ps.ids, pred_void, 'predicted')
    gt_lab = _dense_labels(gt, gs.ids, gt_void, 'ground-truth')
    # hist[i, j]: pixels of predicted label i and ground-truth label j, where
    # label 0 is VOID (or not predicted) and label k > 0 is segment k - 1.
    hist = np.bincount(
        pred_lab * (num_g + 1) + gt_lab,
        minlength=(num_p + 1) * (num_g + 1)).reshape(num_p + 1, num_g + 1)
    p_area = hist[1:].sum(axis=1)
    g_area = hist[:, 1:].sum(axis=0)
    for role, segs, area in (('predicted', ps, p_area),
                             ('ground-truth', gs, g_area)):
        absent = (area == 0) & (segs.declared_area > 0)
        if absent.any():
            k = int(np.flatnonzero(absent)[0])
            raise ValueError(
                f'{role} segment id={int(segs.ids[k])} has area '
                f'{int(segs.declared_area[k])} in segments_info but no '
                'pixel in the id map')

    inter = hist[1:, 1:]  # (P, G)
    p_void = hist[1:, 0]
    same_cat = ps.cats[:, None] == gs.cats[None, :]
    union = p_area[:, None] + g_area[None, :] - inter - p_void[:, None]
    # IoU > 0.5 tested exactly on integers: 2 * |p & g| > union.
    match = same_cat & ~gs.crowd[None, :] & (2 * inter > union)
    iou = np.zeros(inter.shape, dtype=np.float64)
    np.divide(inter, union, out=iou, where=match)

    num_c = len(table.ids)
    p_matched = match.any(axis=1)
    g_matched = match.any(axis=0)
    tp = np.bincount(ps.cats[p_matched], minlength=num_c)
    iou_sum = np.bincount(ps.cats, weights=iou.sum(axis=1), minlength=num_c)
    fn_mask = ~g_matched & ~gs.crowd & (g_area > 0)
    fn = np.bincount(gs.cats[fn_mask], minlength=num_c)
    on_crowd = (inter * (same_cat & gs.crowd[None, :])).sum(axis=1)
    ignored = 2 * (p_void + on_crowd) > p_area
    fp_mask = ~p_matched & (p_area > 0) & ~ignored
    fp = np.bincount(ps.cats[fp_mask], minlength=num_c)
    return dict(
        tp=tp.astype(np.int64, copy=False),
        fp=fp.astype(np.int64, copy=False),
        fn=fn.astype(np.int64, copy=False),
        iou_sum=iou_sum.astype(np.float64, copy=False))


def _sum_stats(stats: Union[Mapping, Sequence[Mapping]],
               num_c: int) -> Dict[str, np.ndarray]:
    items = [stats] if isinstance(stats, Mapping) else list(stats)
    total = {k: np.zeros(num_c, np.float64 if k == 'iou_sum' else np.int64)
             for k in STAT_KEYS}
    for i, item in enumerate(items):
        for key in STAT_KEYS:
            if key not in item:
                raise ValueError(f'stats[{i}] has no {key!r} key')
            value = np.asarray(item[key])
            if value.shape != (num_c, ):
                raise ValueError(
                    f'stats[{i}][{key!r}] has shape {value.shape}, expected '
                    f'({num_c},) (one entry per category)')
            total[key] += value
    return total


def summarize_pq(stats: Union[Mapping, Sequence[Mapping]],
                 categories: Sequence[Mapping]) -> Dict[str, Any]:
    """PQ, SQ and RQ overall, for things, for stuff and per category.

    Kirillov et al., "Panoptic Segmentation", CVPR 2019
    (https://arxiv.org/abs/1801.00868): per category
    ``PQ = sum IoU / (TP + FP/2 + FN/2)``, ``SQ = sum IoU / TP`` (0 when
    ``TP = 0``) and ``RQ = TP / (TP + FP/2 + FN/2)``, averaged over the
    categories with ``TP + FP + FN > 0``; the others are left out of the
    averages and of ``'per_class'``.

    Args:
        stats (Mapping | Sequence[Mapping]): Output(s) of :func:`pq_stats`;
            a sequence is summed per category first (counts over a data set,
            not a mean of per-image scores).
        categories (Sequence[Mapping]): The categories given to
            :func:`pq_stats`, same order.

    Returns:
        dict: ``{'All': {...}, 'Things': {...}, 'Stuff': {...},
        'per_class': {name: {...}}}``. The first three hold ``'pq'``,
        ``'sq'``, ``'rq'`` (percent) and ``'n'``, the number of categories
        averaged (0 gives means of 0.0, not NaN); each per-class entry holds
        ``'pq'``, ``'sq'``, ``'rq'`` (percent) and its ``'tp'``, ``'fp'``,
        ``'fn'`` counts.
    """
    table = _category_table(categories)
    total = _sum_stats(stats, len(table.ids))
    tp, fp, fn, iou_sum = (total[k] for k in STAT_KEYS)
    tp = tp.astype(np.float64)
    denom = tp + 0.5 * fp + 0.5 * fn
    valid = (tp + fp + fn) > 0
    pq = np.divide(iou_sum, denom, out=np.zeros_like(iou_sum), where=valid)
    sq = np.divide(iou_sum, tp, out=np.zeros_like(iou_sum), where=tp > 0)
    rq = np.divide(tp, denom, out=np.zeros_like(iou_sum), where=valid)

    result: Dict[str, Any] = {}
    for group, mask in (('All', valid), ('Things', valid & table.isthing),
                        ('Stuff', valid & ~table.isthing)):
        n = int(mask.sum())
        result[group] = dict(
            pq=float(100 * pq[mask].mean()) if n else 0.0,
            sq=float(100 * sq[mask].mean()) if n else 0.0,
            rq=float(100 * rq[mask].mean()) if n else 0.0,
            n=n)
    result['per_class'] = {
        table.names[c]: dict(
            pq=float(100 * pq[c]),
            sq=float(100 * sq[c]),
            rq=float(100 * rq[c]),
            tp=int(total['tp'][c]),
            fp=int(total['fp'][c]),
            fn=int(total['fn'][c]))
        for c in np.flatnonzero(valid)
    }
    return result


@METRICS.register_module()
class PanopticQualityMetric(BaseMetric):
    """Panoptic Quality (PQ, SQ, RQ) metric for panoptic segmentation.

    Kirillov et al., "Panoptic Segmentation", CVPR 2019
    (https://arxiv.org/abs/1801.00868), COCO panoptic conventions (VOID and
    crowd regions); see :func:`pq_stats` and :func:`summarize_pq`.

    Data-sample convention (read by :meth:`process`; names follow mmdet's
    ``pred_panoptic_seg``/``sem_seg``): every data sample, a
    :class:`~mmseg.structures.SegDataSample` or the dict that mmengine's
    evaluator makes of it, holds

    - ``pred_panoptic_seg``: a :class:`~mmengine.structures.PixelData` (or
      a dict) with the data field ``sem_seg``, the predicted id map (tensor
      or array, shape (1, H, W) or (H, W), integers), and the metainfo key
      ``segments_info``: ``[{'id': int, 'category_id': int}, ...]``;
    - ``gt_panoptic_seg``: the same for the ground truth, with
      ``segments_info`` entries ``{'id', 'category_id', 'iscrowd'}``
      (``iscrowd`` defaults to 0; an optional ``'area'`` is only checked).

    ``PixelData.to_dict()`` merges metainfo and data, so
    ``sample['pred_panoptic_seg']['segments_info']`` works in both forms::

        pred = PixelData(sem_seg=torch.tensor(ids)[None],
                         metainfo=dict(segments_info=[
                             dict(id=1, category_id=0)]))
        sample = SegDataSample(pred_panoptic_seg=pred,
                               gt_panoptic_seg=gt)

    ``category_id`` refers to the ``'id'`` of ``categories``; with
    categories taken from ``dataset_meta`` it is the index of the class in
    ``dataset_meta['classes']`` (a contiguous label, as mmdet's panoptic
    models predict when no COCO annotation file is used).

    One entry of per-category counts is stored per image (no maps are
    kept), so that distributed collection can drop the padded samples; the
    counts are summed over the data set before the ratios are taken.

    Args:
        categories (Sequence[Mapping], optional): COCO panoptic categories,
            dicts with ``'id'``, ``'name'`` and ``'isthing'``. If None, they
            are built from ``self.dataset_meta`` at evaluation: ``'classes'``
            (ids 0..C-1) and ``'thing_classes'`` and/or ``'stuff_classes'``
            (when only one is given, the other classes are the other kind).
            Defaults to None.
        void_ids (Sequence[int]): Ground-truth ids of unlabeled pixels.
            Defaults to ``(0,)``.
        pred_void_ids (Sequence[int], optional): Predicted ids of pixels
            with no prediction. Defaults to ``void_ids``.
        classwise (bool): Whether :meth:`compute_metrics` also returns
            ``'PQ_<name>'`` for each category that occurs. Defaults to True.
        **kwargs: ``collect_device``, ``prefix`` and ``collect_dir`` of
            :class:`mmengine.evaluator.BaseMetric`.

    Returns from :meth:`compute_metrics` (percent): ``'PQ'``, ``'SQ'``,
    ``'RQ'`` (all categories), ``'PQ_th'``, ``'SQ_th'``, ``'RQ_th'``
    (things), ``'PQ_st'``, ``'SQ_st'``, ``'RQ_st'`` (stuff) and
    ``'PQ_<name>'`` per occurring category. Example config::

        val_evaluator = dict(type='PanopticQualityMetric')
    """

    def __init__(self,
                 categories: Optional[Sequence[Mapping]] = None,
                 void_ids: Sequence[int] = (0, ),
                 pred_void_ids: Optional[Sequence[int]] = None,
                 classwise: bool = True,
                 **kwargs) -> None:
        super().__init__(**kwargs)
        self._categories = (None if categories is None else
                            _category_table(categories))
        self.void_ids = tuple(sorted(_void_set(void_ids, 'void_ids')))
        self.pred_void_ids = self.void_ids if pred_void_ids is None else tuple(
            sorted(_void_set(pred_void_ids, 'pred_void_ids')))
        self.classwise = classwise

    def _table(self) -> _CategoryTable:
        """The categories: the argument, else built from dataset_meta."""
        if self._categories is not None:
            return self._categories
        meta = self.dataset_meta
        if not meta or 'classes' not in meta:
            raise ValueError(
                'PanopticQualityMetric needs categories: pass categories= '
                "or use a dataset whose metainfo has 'classes' and "
                "'thing_classes' and/or 'stuff_classes'")
        classes, isthing = class_thing_flags(meta, 'PanopticQualityMetric',
                                             '; pass categories=')
        # Ids are the class indices. Not cached: dataset_meta may be
        # replaced between evaluations.
        return _category_table([
            dict(id=i, name=name, isthing=t)
            for i, (name, t) in enumerate(zip(classes, isthing))
        ])

    def process(self, data_batch: Any, data_samples: Sequence[Any]) -> None:
        """Compute and store the per-category counts of each sample.

        Args:
            data_batch (Any): A batch from the dataloader (unused).
            data_samples (Sequence[dict | SegDataSample]): Outputs of the
                model with their ground truth, see the class docstring.
        """
        table = self._table()
        for i, sample in enumerate(data_samples):
            maps, infos = {}, {}
            for kind in ('pred', 'gt'):
                key = f'{kind}_panoptic_seg'
                seg = sample_field(sample, key, f'data_samples[{i}]')
                where = f'data_samples[{i}][{key!r}]'
                maps[kind] = id_map(sample_field(seg, 'sem_seg', where),
                                    f"{where}['sem_seg']")
                infos[kind] = sample_field(seg, 'segments_info', where)
            self.results.append(
                pq_stats(
                    maps['pred'],
                    infos['pred'],
                    maps['gt'],
                    infos['gt'],
                    categories=table,
                    void_ids=self.void_ids,
                    pred_void_ids=self.pred_void_ids))

    def compute_metrics(self, results: List[dict]) -> Dict[str, float]:
        """Sum the counts of all samples and compute PQ, SQ and RQ.

        Args:
            results (list[dict]): The per-sample counts from
                :meth:`process`, gathered from all ranks.

        Returns:
            dict[str, float]: Percentages keyed ``'PQ'``, ``'SQ'``, ``'RQ'``,
            ``'PQ_th'``, ``'SQ_th'``, ``'RQ_th'``, ``'PQ_st'``, ``'SQ_st'``,
            ``'RQ_st'`` and, if ``classwise``, ``'PQ_<name>'`` per category
            that occurs.
        """
        table = self._table()
        summary = summarize_pq(results, table)
        metrics: Dict[str, float] = {}
        for group, suffix in (('All', ''), ('Things', '_th'), ('Stuff',
                                                               '_st')):
            for name in ('pq', 'sq', 'rq'):
                metrics[f'{name.upper()}{suffix}'] = summary[group][name]
        if self.classwise:
            for name, values in summary['per_class'].items():
                key = f'PQ_{name}'
                if key in metrics:
                    raise ValueError(f'class name {name!r} gives the metric '
                                     f'key {key!r}, which is already a '
                                     'summary metric')
                metrics[key] = values['pq']
        self._log(summary)
        return metrics

    @staticmethod
    def _log(summary: Dict[str, Any]) -> None:
        logger = MMLogger.get_current_instance()
        groups = PrettyTable(['', 'PQ', 'SQ', 'RQ', 'N'])
        for group in ('All', 'Things', 'Stuff'):
            s = summary[group]
            groups.add_row([group] + [f'{s[k]:.2f}'
                                      for k in ('pq', 'sq', 'rq')] + [s['n']])
        print_log('Panoptic Quality (%):\n' + groups.get_string(),
                  logger=logger)
        if summary['per_class']:
            per_class = PrettyTable(
                ['Class', 'PQ', 'SQ', 'RQ', 'TP', 'FP', 'FN'])
            for name, s in summary['per_class'].items():
                per_class.add_row([name] +
                                  [f'{s[k]:.2f}' for k in ('pq', 'sq', 'rq')] +
                                  [s['tp'], s['fp'], s['fn']])
            print_log('per class results:\n' + per_class.get_string(),
                      logger=logger)
