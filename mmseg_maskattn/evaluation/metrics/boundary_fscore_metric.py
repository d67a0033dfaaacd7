"""Boundary F-score of semantic segmentation.

The boundary metric reported by Gated-SCNN (Takikawa et al., "Gated-SCNN:
Gated Shape CNNs for Semantic Segmentation", ICCV 2019,
https://arxiv.org/abs/1907.05740), after the boundary F-measure of Perazzi
et al. (CVPR 2016): for each class, the boundary pixels of the predicted
and of the ground-truth class masks are matched within a distance
tolerance,

    P = |pred boundary within d of a gt boundary pixel| / |pred boundary|
    R = |gt boundary within d of a pred boundary pixel| / |gt boundary|
    F = 2 P R / (P + R)

per image and class; a class's F is the mean over the images where the
class occurs (in the prediction or the ground truth), and the reported
score is the mean over the classes. A boundary pixel is a pixel of the
class mask with a 4-neighbour that is valid (not ignored) and outside the
mask: the image border and the border of ignored regions are not
boundaries, and ignored pixels are never scored.
"""
from collections.abc import Mapping
from typing import Any, Dict, List, NamedTuple, Sequence

import numpy as np
import torch
from mmengine.evaluator import BaseMetric
from mmengine.logging import MMLogger, print_log
from mmseg.registry import METRICS
from prettytable import PrettyTable
from scipy.spatial import cKDTree

__all__ = [
    'BoundaryFScoreMetric', 'boundary_fscores', 'label_boundaries',
    'mask_boundary'
]


def mask_boundary(mask: np.ndarray, valid: np.ndarray) -> np.ndarray:
    """Boundary pixels of ``mask``: in it, with a valid 4-neighbour outside.

    Args:
        mask (np.ndarray): bool (H, W), a subset of ``valid``.
        valid (np.ndarray): bool (H, W), the pixels that are not ignored.

    Returns:
        np.ndarray: bool (H, W).
    """
    outside = valid & ~mask
    edge = np.zeros_like(mask)
    edge[1:] |= outside[:-1]
    edge[:-1] |= outside[1:]
    edge[:, 1:] |= outside[:, :-1]
    edge[:, :-1] |= outside[:, 1:]
    return mask & edge


def label_boundaries(labels: np.ndarray, valid: np.ndarray) -> np.ndarray:
    """Boundary pixels of every class at once.

    A valid pixel is on the boundary of its own class when a valid
    4-neighbour has another label: the union over the classes ``c`` of
    ``mask_boundary(labels == c & valid, valid)``.

    Returns:
        np.ndarray: bool (H, W).
    """
    edge = np.zeros(labels.shape, dtype=bool)
    # vertical, then horizontal neighbour pairs that are both valid and
    # differ: both pixels of such a pair are boundary pixels
    pair = (labels[1:] != labels[:-1]) & valid[1:] & valid[:-1]
    edge[1:] |= pair
    edge[:-1] |= pair
    pair = (labels[:, 1:] != labels[:, :-1]) & valid[:, 1:] & valid[:, :-1]
    edge[:, 1:] |= pair
    edge[:, :-1] |= pair
    return edge


# Matching runs in two stages. Boundary pixels within NEAR_RADIUS of a
# boundary pixel of their class are found by looking at the pixel offsets of
# that disc (nearest first): a predicted boundary is usually that close to
# the true one. The rest get the exact distance from a k-d tree over the
# boundary pixels of all classes, the class id as a third coordinate spread
# far enough apart that the search never crosses classes.
NEAR_RADIUS = 3.0


class _Boundary(NamedTuple):
    """The boundary pixels of a label map: their class ids, rows, columns
    and flat indices into ``padded``, the map of boundary class ids (-1
    elsewhere) padded by the offset radius."""
    labels: np.ndarray
    rows: np.ndarray
    cols: np.ndarray
    flat: np.ndarray
    padded: np.ndarray


def _boundary(labels: np.ndarray, valid: np.ndarray, pad: int) -> _Boundary:
    """Boundary pixels of ``labels`` (see :func:`label_boundaries`)."""
    edge = label_boundaries(labels, valid)
    h, w = labels.shape
    padded = np.full((h + 2 * pad, w + 2 * pad), -1, dtype=np.int64)
    padded[pad:pad + h, pad:pad + w] = np.where(edge, labels, -1)
    rows, cols = np.nonzero(edge)
    flat = (rows + pad) * (w + 2 * pad) + (cols + pad)
    return _Boundary(labels[rows, cols], rows, cols, flat, padded.ravel())


def _distances(query: _Boundary, target: _Boundary, near_offsets: np.ndarray,
               near_dists: np.ndarray, max_distance: float) -> np.ndarray:
    """Euclidean distance from each boundary pixel of ``query`` to the
    nearest boundary pixel of the same class in ``target``; infinite beyond
    ``max_distance``."""
    dist = np.full(len(query.labels), np.inf)
    if not len(target.labels) or not len(query.labels):
        return dist
    # (n, offsets): the target pixel at each offset has the query's class
    hit = target.padded[query.flat[:, None] +
                        near_offsets] == query.labels[:, None]
    near = hit.any(axis=1)
    dist[near] = near_dists[hit[near].argmax(axis=1)]
    far = ~near
    if far.any():
        # classes 4 * max_distance + 4 apart: no match across classes
        sep = 4 * max_distance + 4

        def points(b: _Boundary, sel=slice(None)) -> np.ndarray:
            # (n, 3): row, col, spread class id
            return np.stack(
                [b.rows[sel], b.cols[sel], b.labels[sel] * sep],
                axis=1).astype(np.float64)

        tree = cKDTree(
            points(target), leafsize=16, balanced_tree=False,
            compact_nodes=False)
        dist[far], _ = tree.query(
            points(query, far),
            k=1,
            distance_upper_bound=max_distance * (1 + 1e-9) + 1e-9)
    return dist


def _near_offsets(radius: float, padded_width: int) -> tuple:
    """Flat offsets of the pixels within ``radius`` in a map of
    ``padded_width`` columns, nearest first, and their distances."""
    r = int(np.floor(radius))
    dr, dc = np.mgrid[-r:r + 1, -r:r + 1]
    d2 = (dr * dr + dc * dc).ravel()
    keep = np.flatnonzero(d2 <= radius * radius)
    keep = keep[np.argsort(d2[keep], kind='stable')]
    return (dr.ravel() * padded_width + dc.ravel())[keep], np.sqrt(d2[keep])


def boundary_fscores(pred: np.ndarray,
                     gt: np.ndarray,
                     num_classes: int,
                     tolerances: Sequence[float],
                     ignore_index: int = 255) -> np.ndarray:
    """Per-class boundary precision, recall and F of one image.

    Args:
        pred (np.ndarray): (H, W) predicted labels.
        gt (np.ndarray): (H, W) ground-truth labels, ``ignore_index``
            ignored.
        num_classes (int): Number of classes.
        tolerances (Sequence[float]): Distances in pixels.
        ignore_index (int): Ignored label of ``gt``.

    Returns:
        np.ndarray: (num_classes, len(tolerances), 3) holding P, R, F; NaN
        for a class absent from both the prediction and the ground truth
        (valid pixels only).
    """
    valid = gt != ignore_index
    max_tol = float(max(tolerances))
    present = (np.bincount(pred[valid], minlength=num_classes) +
               np.bincount(gt[valid], minlength=num_classes)) > 0
    radius = min(NEAR_RADIUS, max_tol)
    pad = int(np.floor(radius))
    offsets, offset_dists = _near_offsets(radius, gt.shape[1] + 2 * pad)
    pred_b = _boundary(pred, valid, pad)
    gt_b = _boundary(gt, valid, pad)
    to_gt = _distances(pred_b, gt_b, offsets, offset_dists, max_tol)
    to_pred = _distances(gt_b, pred_b, offsets, offset_dists, max_tol)

    def fraction(labels: np.ndarray, dist: np.ndarray) -> np.ndarray:
        # (classes, tolerances): share of each class's boundary pixels
        # within each tolerance; 0 for a class without boundary pixels
        total = np.bincount(labels, minlength=num_classes)[:, None]
        within = np.stack([
            np.bincount(labels[dist <= tol], minlength=num_classes)
            for tol in tolerances
        ], axis=1)
        return within / np.maximum(total, 1)

    p = fraction(pred_b.labels, to_gt)
    r = fraction(gt_b.labels, to_pred)
    # both masks present, neither has a boundary
    no_edges = (np.bincount(pred_b.labels, minlength=num_classes) +
                np.bincount(gt_b.labels, minlength=num_classes)) == 0
    p[no_edges] = r[no_edges] = 1.0
    total = p + r
    f = np.divide(2 * p * r, total, out=np.zeros_like(total),
                  where=total > 0)
    out = np.full((num_classes, len(tolerances), 3), np.nan)
    out[present] = np.stack([p, r, f], axis=-1)[present]
    return out


def _get(obj: Any, key: str) -> Any:
    if isinstance(obj, Mapping):
        return obj.get(key)
    return getattr(obj, key, None)


def _labels(sample: Any, key: str) -> np.ndarray:
    seg = _get(sample, key)
    data = _get(seg, 'data') if seg is not None else None
    if data is None:
        raise ValueError(f'BoundaryFScoreMetric: a data sample has no '
                         f'{key!r} (from {_get(sample, "img_path")})')
    data = torch.as_tensor(data)
    if data.ndim == 3 and data.shape[0] == 1:
        data = data[0]
    if data.ndim != 2:
        raise ValueError(f'BoundaryFScoreMetric: {key} must be (1, H, W), '
                         f'got {tuple(data.shape)}')
    return data.cpu().numpy()


@METRICS.register_module()
class BoundaryFScoreMetric(BaseMetric):
    """Boundary precision, recall and F-score per class, at tolerances.

    See the module docstring for the definitions. It takes the
    ``pred_sem_seg`` and ``gt_sem_seg`` of any semantic segmentation model,
    so it can stand beside mmseg's ``IoUMetric`` in ``val_evaluator``.
    Gated-SCNN reports tolerances of 3, 5, 9 and 12 pixels at Cityscapes'
    1024x2048 resolution; ``diagonal_fractions`` gives tolerances relative
    to each image's diagonal instead (e.g. 0.0075), for data sets of other
    sizes.

    Args:
        tolerances (Sequence[float]): Tolerances in pixels (> 0).
        diagonal_fractions (Sequence[float]): Tolerances as fractions of
            the image diagonal (> 0).
        ignore_index (int): Ignored label of the ground truth.
        absent_as_one (bool): Score 1 for a class absent from both the
            prediction and the ground truth of an image, as the Gated-SCNN
            release does (it inflates the score); by default such a class
            is left out of that image's mean.
        **kwargs: ``collect_device``, ``prefix`` and ``collect_dir`` of
            :class:`mmengine.evaluator.BaseMetric`.

    Metric names: ``bF@{t}px`` / ``bF@{f}diag`` (mean F over classes, in
    percent), and the same with ``bP`` / ``bR``.
    """

    def __init__(self,
                 *,
                 tolerances: Sequence[float] = (3, 5, 9, 12),
                 diagonal_fractions: Sequence[float] = (),
                 ignore_index: int = 255,
                 absent_as_one: bool = False,
                 **kwargs) -> None:
        super().__init__(**kwargs)
        for key, values in (('tolerances', tolerances),
                            ('diagonal_fractions', diagonal_fractions)):
            if isinstance(values, (int, float)) or any(
                    not isinstance(v, (int, float)) or isinstance(v, bool)
                    or not v > 0 for v in values):
                raise ValueError(f'BoundaryFScoreMetric: {key} must be a '
                                 f'list of positive numbers, got {values!r}')
        if not tolerances and not diagonal_fractions:
            raise ValueError('BoundaryFScoreMetric: give tolerances or '
                             'diagonal_fractions')
        self.tolerances = list(tolerances)
        self.diagonal_fractions = list(diagonal_fractions)
        self.ignore_index = ignore_index
        self.absent_as_one = absent_as_one

    @property
    def names(self) -> List[str]:
        """Column names of the tolerances, in order."""
        return [f'{t:g}px' for t in self.tolerances] + [
            f'{f:g}diag' for f in self.diagonal_fractions
        ]

    def process(self, data_batch: Any, data_samples: Sequence[Any]) -> None:
        num_classes = len(self.dataset_meta['classes'])
        for sample in data_samples:
            pred = _labels(sample, 'pred_sem_seg')
            gt = _labels(sample, 'gt_sem_seg')
            where = _get(sample, 'img_path')
            if pred.shape != gt.shape:
                raise ValueError(
                    f'BoundaryFScoreMetric: prediction {pred.shape} and '
                    f'ground truth {gt.shape} differ in size ({where})')
            for key, labels, allowed in (('pred_sem_seg', pred, ()),
                                         ('gt_sem_seg', gt,
                                          (self.ignore_index, ))):
                out = (labels < 0) | (labels >= num_classes)
                for value in allowed:
                    out &= labels != value
                if out.any():
                    raise ValueError(
                        f'BoundaryFScoreMetric: {key} of {where} has labels '
                        f'{np.unique(labels[out]).tolist()} outside '
                        f'0..{num_classes - 1}')
            diag = float(np.hypot(*gt.shape))
            tols = self.tolerances + [
                f * diag for f in self.diagonal_fractions
            ]
            self.results.append(
                boundary_fscores(pred, gt, num_classes, tols,
                                 self.ignore_index))

    def compute_metrics(self, results: List[np.ndarray]) -> Dict[str, float]:
        scores = np.stack(results)  # (images, classes, tolerances, 3)
        if self.absent_as_one:
            scores = np.where(np.isnan(scores), 1.0, scores)
        present = ~np.isnan(scores[..., 0, 0]).all(axis=0)  # per class
        with np.errstate(invalid='ignore'):
            per_class = np.nanmean(scores[:, present], axis=0)
        metrics = {}
        for t, name in enumerate(self.names):
            for k, kind in enumerate(('bP', 'bR', 'bF')):
                metrics[f'{kind}@{name}'] = round(
                    float(per_class[:, t, k].mean()) * 100, 2)
        classes = [c for c, p in zip(self.dataset_meta['classes'], present)
                   if p]
        table = PrettyTable(['Class'] + [f'bF@{n}' for n in self.names])
        for name, row in zip(classes, per_class):
            table.add_row([name] + [f'{v * 100:.2f}' for v in row[:, 2]])
        print_log('per class boundary F:\n' + table.get_string(),
                  logger=MMLogger.get_current_instance())
        return metrics
