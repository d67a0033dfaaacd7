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
from typing import Any, Dict, List, Sequence

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


def _points_by_class(labels: np.ndarray, valid: np.ndarray,
                     num_classes: int) -> list:
    """(row, col) of the boundary pixels of each class."""
    rows, cols = np.nonzero(label_boundaries(labels, valid))
    cls = labels[rows, cols]
    order = np.argsort(cls, kind='stable')
    starts = np.searchsorted(cls[order], np.arange(num_classes + 1))
    pts = np.stack([rows[order], cols[order]], axis=1)
    return [pts[starts[c]:starts[c + 1]] for c in range(num_classes)]


def _nearest(points: np.ndarray, targets: np.ndarray,
             max_distance: float) -> np.ndarray:
    """Euclidean distance from each point to the nearest target, for the
    points within ``max_distance`` of one (infinite otherwise)."""
    if not len(targets):
        return np.full(len(points), np.inf)
    tree = cKDTree(targets)
    dist, _ = tree.query(
        points, k=1, distance_upper_bound=max_distance * (1 + 1e-9) + 1e-9)
    return dist


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
    out = np.full((num_classes, len(tolerances), 3), np.nan)
    present = (np.bincount(pred[valid], minlength=num_classes) +
               np.bincount(gt[valid], minlength=num_classes)) > 0
    # boundaries are sparse: their (row, col) points and a k-d tree give
    # the exact nearest distances cheaply
    pred_pts = _points_by_class(pred, valid, num_classes)
    gt_pts = _points_by_class(gt, valid, num_classes)
    for c in np.flatnonzero(present):
        to_gt = _nearest(pred_pts[c], gt_pts[c], max_tol)
        to_pred = _nearest(gt_pts[c], pred_pts[c], max_tol)
        for t, tol in enumerate(tolerances):
            p = (to_gt <= tol).mean() if to_gt.size else 0.0
            r = (to_pred <= tol).mean() if to_pred.size else 0.0
            if not to_gt.size and not to_pred.size:
                p = r = 1.0  # both masks present, neither has a boundary
            f = 2 * p * r / (p + r) if p + r > 0 else 0.0
            out[c, t] = (p, r, f)
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
