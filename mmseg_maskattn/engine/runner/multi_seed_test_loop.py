"""Test loop of the multi-seed few-shot segmentation protocol."""
from typing import Dict, List, Sequence, Union

import numpy as np
from mmengine.evaluator import Evaluator
from mmengine.logging import print_log
from mmengine.registry import LOOPS
from mmengine.runner import TestLoop
from mmengine.runner.loops import _parse_losses
from torch.utils.data import DataLoader

from ...utils import is_int

__all__ = ['MultiSeedTestLoop']


@LOOPS.register_module()
class MultiSeedTestLoop(TestLoop):
    """Test the same model on the episodes of several seeds and average.

    Few-shot segmentation results depend on which episodes are drawn, so
    HDMNet (Peng et al., CVPR 2023, https://arxiv.org/abs/2303.14652), like
    PFENet and BAM, reports the mean over several runs of 1000 test episodes
    with different seeds. For every seed this loop calls
    ``dataset.set_seed(seed)`` (see
    :class:`~mmseg_maskattn.datasets.EpisodicDataset`), runs all episodes of
    the test dataloader and evaluates them. Every metric of the seeds is
    logged; the returned metrics (also passed to the ``after_test_epoch``
    hooks once, at the end) are, for every metric key ``k``, the mean over
    the seeds as ``k`` and the population standard deviation (``ddof=0``)
    as ``k + '_std'``.

    The dataloader must not keep persistent workers: they hold a copy of the
    dataset made before the seed changes and would draw the first seed's
    episodes again.

    Args:
        runner (Runner): The runner.
        dataloader (DataLoader | dict): The test dataloader (or its config).
        evaluator (Evaluator | dict | list): The evaluator (or its config).
        fp16 (bool): Whether to test with automatic mixed precision.
            Defaults to False.
        seeds (Sequence[int]): Episode seeds, one test run each. Defaults to
            ``(321, 322, 323, 324, 325)``.

    Raises:
        ValueError: If ``seeds`` is empty, holds duplicates or values that
            are not non-negative ints, the test dataset has no ``set_seed``
            method, or the dataloader has persistent workers.
    """

    def __init__(self,
                 runner,
                 dataloader: Union[DataLoader, Dict],
                 evaluator: Union[Evaluator, Dict, List],
                 fp16: bool = False,
                 *,
                 seeds: Sequence[int] = (321, 322, 323, 324, 325)) -> None:
        super().__init__(runner, dataloader, evaluator, fp16=fp16)
        seeds = list(seeds)
        if not seeds or len(set(seeds)) != len(seeds) or any(
                not is_int(s) or s < 0 for s in seeds):
            raise ValueError('seeds must be a non-empty list of distinct '
                             f'non-negative ints, got {seeds}')
        dataset = self.dataloader.dataset
        if not callable(getattr(dataset, 'set_seed', None)):
            raise ValueError(
                f'MultiSeedTestLoop needs a test dataset with a set_seed() '
                f'method (e.g. EpisodicDataset), got '
                f'{type(dataset).__name__}')
        if getattr(self.dataloader, 'persistent_workers', False) and \
                self.dataloader.num_workers > 0:
            raise ValueError(
                'MultiSeedTestLoop: set persistent_workers=False in the test '
                'dataloader; persistent workers keep the episodes of the '
                'first seed')
        self.seeds = seeds

    def run(self) -> dict:
        """Test every seed; return the mean and std of every metric.

        Returns:
            dict: ``k`` (mean over the seeds) and ``k + '_std'`` for every
            metric key ``k``.
        """
        self.runner.call_hook('before_test')
        self.runner.call_hook('before_test_epoch')
        self.runner.model.eval()
        dataset = self.dataloader.dataset
        per_seed = []
        for seed in self.seeds:
            dataset.set_seed(seed)
            self.test_loss.clear()
            for idx, data_batch in enumerate(self.dataloader):
                self.run_iter(idx, data_batch)
            metrics = self.evaluator.evaluate(len(dataset))
            if self.test_loss:
                metrics.update(_parse_losses(self.test_loss, 'test'))
            shown = ', '.join(f'{k}: {v:.4f}' for k, v in metrics.items())
            print_log(f'seed {seed}: {shown}', logger='current')
            per_seed.append(metrics)

        summary = {}
        for key in per_seed[0]:
            values = np.asarray([float(m[key]) for m in per_seed])
            summary[key] = float(values.mean())
            summary[f'{key}_std'] = float(values.std())
        shown = ', '.join(f'{k}: {summary[k]:.4f} +- {summary[k + "_std"]:.4f}'
                          for k in per_seed[0])
        print_log(f'mean over seeds {self.seeds}: {shown}', logger='current')
        self.runner.call_hook('after_test_epoch', metrics=summary)
        self.runner.call_hook('after_test')
        return summary
