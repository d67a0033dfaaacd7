"""MultiSeedTestLoop: one test run per seed, mean and std of the metrics."""
from unittest.mock import MagicMock

import numpy as np
import pytest
import torch
from mmengine.dataset import pseudo_collate
from mmengine.evaluator import BaseMetric, Evaluator
from mmengine.registry import LOOPS, init_default_scope
from mmengine.structures import BaseDataElement, PixelData
from torch.utils.data import DataLoader, Dataset

import mmseg_maskattn  # noqa: F401
from mmseg_maskattn.datasets import EpisodicDataset
from mmseg_maskattn.engine import MultiSeedTestLoop
from mmseg_maskattn.evaluation import FewShotIoUMetric


class SeedDataset(Dataset):
    """Item ``i`` under seed ``s`` is the number ``10 * s + i``."""
    metainfo = dict(classes=('x', ))

    def __init__(self):
        self.seed = 0

    def set_seed(self, seed):
        self.seed = seed

    def __len__(self):
        return 4

    def __getitem__(self, index):
        return dict(inputs=torch.tensor(10.0 * self.seed + index))


class EchoModel:
    """Returns its inputs as predictions."""

    def eval(self):
        pass

    def test_step(self, data_batch):
        return [BaseDataElement(value=x) for x in data_batch['inputs']]


class MeanMetric(BaseMetric):

    def process(self, data_batch, data_samples):
        self.results.extend(float(s['value']) for s in data_samples)

    def compute_metrics(self, results):
        return dict(mean=float(np.mean(results)), first=results[0])


def make_loop(dataset, seeds, model=None, **loader_kwargs):
    runner = MagicMock()
    runner.model = model or EchoModel()
    loader = DataLoader(
        dataset, batch_size=2, collate_fn=pseudo_collate, **loader_kwargs)
    evaluator = Evaluator([MeanMetric()])
    return LOOPS.build(
        dict(type='MultiSeedTestLoop', seeds=seeds),
        default_args=dict(
            runner=runner, dataloader=loader, evaluator=evaluator)), runner


def test_two_seeds_mean_and_std():
    loop, runner = make_loop(SeedDataset(), [1, 3])
    assert isinstance(loop, MultiSeedTestLoop)
    metrics = loop.run()
    # seed 1: 10..13 (mean 11.5); seed 3: 30..33 (mean 31.5).
    assert metrics == pytest.approx(
        dict(mean=21.5, mean_std=10.0, first=20.0, first_std=10.0))
    hooks = [c.args[0] for c in runner.call_hook.call_args_list]
    assert hooks.count('before_test_epoch') == 1
    assert hooks.count('after_test_epoch') == 1
    assert hooks.count('after_test_iter') == 4  # 2 batches x 2 seeds
    assert runner.call_hook.call_args_list[-2].kwargs['metrics'] == metrics


def test_seeds_reach_non_persistent_workers():
    loop, _ = make_loop(SeedDataset(), [1, 3], num_workers=2)
    assert loop.run()['mean'] == pytest.approx(21.5)


def test_errors():
    with pytest.raises(ValueError, match='persistent_workers=False'):
        make_loop(SeedDataset(), [1], num_workers=1, persistent_workers=True)
    with pytest.raises(ValueError, match='set_seed.*got TensorDataset'):
        make_loop(torch.utils.data.TensorDataset(torch.zeros(2)), [1])
    with pytest.raises(ValueError, match='distinct'):
        make_loop(SeedDataset(), [1, 1])
    with pytest.raises(ValueError, match='non-empty'):
        make_loop(SeedDataset(), [])


class AllForegroundModel:

    def eval(self):
        pass

    def test_step(self, data_batch):
        samples = data_batch['data_samples']
        for s in samples:
            s.pred_sem_seg = PixelData(data=torch.ones_like(s.gt_sem_seg.data))
        return samples


def test_episodes_and_few_shot_metric(fss_dataset_cfg):
    init_default_scope('mmseg')
    dataset = EpisodicDataset(
        dataset=fss_dataset_cfg,
        shot=1,
        mode='test',
        split_rule='explicit',
        novel_classes=[3],
        ignore_classes=[0],
        min_pixels=15,
        num_episodes=3)
    per_seed = []
    for seed in (5, 6):  # the metric of each seed, computed directly
        dataset.set_seed(seed)
        metric = FewShotIoUMetric()
        for i in range(len(dataset)):
            batch = pseudo_collate([dataset[i]])
            metric.process(batch, AllForegroundModel().test_step(batch))
        per_seed.append(metric.evaluate(len(dataset)))
    assert per_seed[0] != per_seed[1]

    runner = MagicMock()
    runner.model = AllForegroundModel()
    loop = MultiSeedTestLoop(
        runner,
        DataLoader(dataset, batch_size=4, collate_fn=pseudo_collate),
        Evaluator(FewShotIoUMetric()),
        seeds=[5, 6])
    metrics = loop.run()
    for key in ('mIoU', 'FB-IoU'):
        values = [m[key] for m in per_seed]
        assert metrics[key] == pytest.approx(np.mean(values))
        assert metrics[f'{key}_std'] == pytest.approx(np.std(values))
