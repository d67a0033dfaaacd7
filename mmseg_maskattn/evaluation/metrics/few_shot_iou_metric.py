"""mIoU and FB-IoU of few-shot segmentation episodes.

The two metrics of the few-shot segmentation benchmarks (PASCAL-5i,
COCO-20i) as reported by HDMNet (Peng et al., "Hierarchical Dense
Correlation Distillation for Few-Shot Segmentation", CVPR 2023,
https://arxiv.org/abs/2303.14652) and computed by the evaluation code of
PFENet (Tian et al., TPAMI 2020) that HDMNet and BAM reuse.

Every episode has a binary ground truth (1 = the episode class, 0 =
background, 255 = ignored) and a binary prediction of the same size. Over
the valid (not ignored) pixels of an episode::

    I_fg = |pred = 1 and gt = 1|    U_fg = |pred = 1 or gt = 1|
    I_bg = |pred = 0 and gt = 0|    U_bg = |pred = 0 or gt = 0|

- **mIoU**: per episode class ``c``, ``IoU_c = sum I_fg / sum U_fg`` over
  the episodes of class ``c``; mIoU is the mean of ``IoU_c`` over the
  classes that occur in the episodes. A class whose summed union is 0 (all
  its episodes empty in ground truth and prediction) has IoU 0, as in
  PFENet's ``I / (U + eps)``.
- **FB-IoU**: the mean of the foreground IoU ``sum I_fg / sum U_fg`` and the
  background IoU ``sum I_bg / sum U_bg``, each summed over all episodes
  (whatever their class).

Both are reported in percent.
"""
from collections.abc import Mapping
from typing import Any, Dict, List, Sequence

import numpy as np
import torch
from mmengine.evaluator import BaseMetric
from mmengine.logging import MMLogger, print_log
from mmseg.registry import METRICS
from prettytable import PrettyTable

from ...utils import IGNORE_INDEX

__all__ = ['FewShotIoUMetric']

# Columns of one stored result row.
_CLASS, _FG_I, _FG_U, _BG_I, _BG_U = range(5)


def _get(obj: Any, key: str) -> Any:
    """``obj[key]`` for the dicts of mmengine's evaluator, else an attr."""
    if isinstance(obj, Mapping):
        return obj.get(key)
    return getattr(obj, key, None)


def _label_tensor(seg: Any, key: str, where: str) -> torch.Tensor:
    """The ``(H, W)`` tensor of a ``PixelData`` (or its dict form)."""
    if seg is None:
        raise ValueError(f'{where} has no {key!r}')
    data = _get(seg, 'data')
    if data is None:
        raise ValueError(f"{where}[{key!r}] has no 'data' field")
    data = torch.as_tensor(data)
    if data.ndim == 3 and data.shape[0] == 1:
        data = data[0]
    if data.ndim != 2:
        raise ValueError(f"{where}[{key!r}]['data'] must have shape "
                         f'(1, H, W) or (H, W), got {tuple(data.shape)}')
    return data


@METRICS.register_module()
class FewShotIoUMetric(BaseMetric):
    """Few-shot segmentation mIoU and FB-IoU (HDMNet / PFENet protocol).

    See the module docstring for the definitions. Each data sample, a
    ``SegDataSample`` or the dict mmengine's evaluator makes of it, must
    hold ``pred_sem_seg`` (binary ``(1, H, W)``: 1 = the episode class),
    ``gt_sem_seg`` (binary, 255 ignored, same size) and the metainfo
    ``class_id`` (the episode class, an index into
    ``dataset_meta['classes']``); ``img_path`` and ``episode`` are used in
    error messages. Only five integers are stored per episode (no maps).

    It takes the arguments of :class:`mmengine.evaluator.BaseMetric`
    (``collect_device``, ``prefix``, ``collect_dir``) and no others.

    Returns from :meth:`compute_metrics`: ``'mIoU'`` and ``'FB-IoU'`` (in
    percent); a per-class table (class name, IoU, number of episodes) is
    logged. Example config::

        test_evaluator = dict(type='FewShotIoUMetric')

    Raises:
        ValueError: From :meth:`process`, when a sample lacks a field, the
            prediction and ground truth differ in shape (naming the episode
            and image), or hold values other than 0/1 (prediction) and
            0/1/255 (ground truth).
    """

    def process(self, data_batch: Any, data_samples: Sequence[Any]) -> None:
        """Store the intersections and unions of each episode.

        Args:
            data_batch (Any): A batch from the dataloader (unused).
            data_samples (Sequence[dict | SegDataSample]): Model outputs with
                their ground truth and metainfo.
        """
        for i, sample in enumerate(data_samples):
            episode = _get(sample, 'episode')
            where = (f'data_samples[{i}] (episode {episode}, img_path '
                     f'{_get(sample, "img_path")!r})')
            class_id = _get(sample, 'class_id')
            if class_id is None:
                raise ValueError(f"{where} has no metainfo 'class_id'")
            pred = _label_tensor(
                _get(sample, 'pred_sem_seg'), 'pred_sem_seg', where)
            gt = _label_tensor(_get(sample, 'gt_sem_seg'), 'gt_sem_seg', where)
            if pred.shape != gt.shape:
                raise ValueError(
                    f'{where}: pred_sem_seg has shape {tuple(pred.shape)} '
                    f'but gt_sem_seg {tuple(gt.shape)}; predictions must be '
                    'resized to the ground-truth size (ori_shape)')
            gt = gt.to(pred.device)
            if ((pred != 0) & (pred != 1)).any():
                raise ValueError(f'{where}: pred_sem_seg must be binary (0/1)'
                                 f', got values {pred.unique().tolist()}')
            if ((gt != 0) & (gt != 1) & (gt != IGNORE_INDEX)).any():
                raise ValueError(
                    f'{where}: gt_sem_seg must hold 0, 1 or {IGNORE_INDEX}, '
                    f'got values {gt.unique().tolist()}')
            valid = gt != IGNORE_INDEX
            pred_fg, gt_fg = pred == 1, gt == 1
            pred_bg, gt_bg = ~pred_fg & valid, gt == 0
            self.results.append((
                int(class_id),
                int((pred_fg & gt_fg).sum()),
                int(((pred_fg & valid) | gt_fg).sum()),
                int((pred_bg & gt_bg).sum()),
                int((pred_bg | gt_bg).sum()),
            ))

    def compute_metrics(self, results: List[tuple]) -> Dict[str, float]:
        """Sum the episode counts and compute mIoU and FB-IoU.

        Args:
            results (list[tuple]): ``(class_id, I_fg, U_fg, I_bg, U_bg)`` per
                episode, gathered from all ranks.

        Returns:
            dict[str, float]: ``'mIoU'`` and ``'FB-IoU'`` in percent.
        """
        if not results:
            raise ValueError('FewShotIoUMetric: no episode was processed')
        stats = np.asarray(results, dtype=np.int64).reshape(-1, 5)
        class_ids, inverse = np.unique(stats[:, _CLASS], return_inverse=True)
        inter = np.zeros(class_ids.size, dtype=np.int64)
        union = np.zeros(class_ids.size, dtype=np.int64)
        np.add.at(inter, inverse, stats[:, _FG_I])
        np.add.at(union, inverse, stats[:, _FG_U])
        class_iou = inter / np.maximum(union, 1)
        totals = stats.sum(axis=0)
        fg_iou = totals[_FG_I] / max(totals[_FG_U], 1)
        bg_iou = totals[_BG_I] / max(totals[_BG_U], 1)
        metrics = {
            'mIoU': float(class_iou.mean() * 100),
            'FB-IoU': float((fg_iou + bg_iou) / 2 * 100)
        }
        self._log(class_ids, class_iou, np.bincount(inverse), metrics)
        return metrics

    def _log(self, class_ids: np.ndarray, class_iou: np.ndarray,
             episodes: np.ndarray, metrics: Dict[str, float]) -> None:
        classes = (self.dataset_meta or {}).get('classes')
        table = PrettyTable(['Class', 'IoU', 'Episodes'])
        for class_id, iou, count in zip(class_ids, class_iou, episodes):
            name = (
                classes[class_id] if classes is not None
                and 0 <= class_id < len(classes) else str(class_id))
            table.add_row([f'{class_id} {name}', f'{iou * 100:.2f}', count])
        print_log(
            'few-shot per-class foreground IoU (%):\n' + table.get_string() +
            f'\nmIoU: {metrics["mIoU"]:.2f}  FB-IoU: '
            f'{metrics["FB-IoU"]:.2f}',
            logger=MMLogger.get_current_instance())
