"""One harness for every metric this package registers into mmseg's
METRICS.

For each registered metric: build it from a config dict through the
registry, evaluate it through mmengine's ``Evaluator`` on packed samples of
the generated toy data (``toy_data_root`` of ``tests/conftest.py``) whose
prediction is their ground truth, check the keys of the result (finite
values, the perfect score where one is defined) and check that bad configs
fail at build time with an error naming the offending key or value. The
per-metric tests check the values on hand-made inputs.
"""
import math
from pathlib import Path
from typing import Callable, Dict, List, NamedTuple, Tuple

import pytest
from mmengine.evaluator import Evaluator
from mmengine.registry import init_default_scope
from mmseg.registry import DATASETS, METRICS

import mmseg_maskattn  # noqa: F401

LOAD_IMG = dict(type='LoadImageFromFile')
VAL_PREFIX = dict(img_path='img_dir/val', seg_map_path='ann_dir/val')
PQ_KEYS = [
    f'{kind}{group}' for group in ('', '_th', '_st')
    for kind in ('PQ', 'SQ', 'RQ')
]


class MetricSpec(NamedTuple):
    cfg: dict
    # toy data root -> (dataset_meta, data samples with predictions)
    samples: Callable[[Path], Tuple[dict, list]]
    keys: List[str]  # keys the result must hold (others may follow)
    perfect: Dict[str, float]  # their values for prediction = ground truth
    bad: List[tuple]  # (cfg update, text that the error must contain)


def _packed(dataset_cfg: dict) -> Tuple[dict, list]:
    dataset = DATASETS.build(dataset_cfg)
    return dataset.metainfo, [
        dataset[i]['data_samples'] for i in range(len(dataset))
    ]


def _semantic(root: Path) -> Tuple[dict, list]:
    """The toy val images, ``pred_sem_seg`` = ``gt_sem_seg``."""
    meta, samples = _packed(
        dict(
            type='ToySegDataset',
            data_root=str(root),
            data_prefix=VAL_PREFIX,
            pipeline=[
                LOAD_IMG,
                dict(type='LoadAnnotations'),
                dict(type='PackSegInputs')
            ]))
    for s in samples:
        s.pred_sem_seg = s.gt_sem_seg.clone()
    return meta, samples


def _panoptic(root: Path) -> Tuple[dict, list]:
    """The toy val images with panoptic ground truth, predicted as it is
    (each segment scored 1, which mask AP ranks by)."""
    meta, samples = _packed(
        dict(
            type='ToyPanopticDataset',
            data_root=str(root),
            data_prefix=dict(VAL_PREFIX, inst_map_path='panoptic/val'),
            pipeline=[
                LOAD_IMG,
                dict(type='LoadInstanceAnnotations', semantic_from='file'),
                dict(type='PackPanopticSegInputs')
            ]))
    for s in samples:
        pred = s.gt_panoptic_seg.clone()
        pred.set_metainfo(
            dict(segments_info=[
                dict(seg, score=1.0) for seg in pred.segments_info
            ]))
        s.pred_panoptic_seg = pred
    return meta, samples


def _episodes(root: Path) -> Tuple[dict, list]:
    """Two 1-shot toy test episodes (``toy_fss.py``'s settings), the query
    mask predicted as it is."""
    meta, samples = _packed(
        dict(
            type='EpisodicDataset',
            dataset=dict(
                type='ToySegDataset',
                data_root=str(root),
                data_prefix=VAL_PREFIX,
                pipeline=[LOAD_IMG, dict(type='LoadAnnotations')]),
            shot=1,
            mode='test',
            fold=0,
            split_rule='contiguous',
            num_folds=3,
            ignore_classes=[0],
            min_pixels=64,
            num_episodes=2))
    for s in samples:
        s.pred_sem_seg = s.gt_sem_seg.clone()
    return meta, samples


SPECS = {
    'BoundaryFScoreMetric':
    MetricSpec(
        dict(type='BoundaryFScoreMetric', tolerances=(3, ),
             diagonal_fractions=(0.01, )), _semantic,
        ['bP@3px', 'bR@3px', 'bF@3px', 'bF@0.01diag'],
        {'bF@3px': 100.0, 'bF@0.01diag': 100.0},
        [(dict(tolerances=[0]), 'tolerances'),
         (dict(diagonal_fractions=[True]), 'diagonal_fractions'),
         (dict(tolerances=[], diagonal_fractions=[]), 'tolerances'),
         (dict(bogus=1), 'bogus')]),
    'FewShotIoUMetric':
    MetricSpec(
        dict(type='FewShotIoUMetric'), _episodes, ['mIoU', 'FB-IoU'],
        {'mIoU': 100.0, 'FB-IoU': 100.0}, [(dict(bogus=1), 'bogus')]),
    'MaskAPMetric':
    MetricSpec(
        dict(type='MaskAPMetric'), _panoptic,
        [f'mask/{k}' for k in ('mAP', 'AP50', 'AP75', 'APs', 'APm', 'APl')],
        {'mask/mAP': 100.0, 'mask/AP50': 100.0},
        [(dict(max_dets=0), 'max_dets'), (dict(bogus=1), 'bogus')]),
    'PanopticQualityMetric':
    MetricSpec(
        dict(type='PanopticQualityMetric'), _panoptic,
        PQ_KEYS + ['PQ_background', 'PQ_rectangle'],
        {k: 100.0 for k in PQ_KEYS},
        [(dict(categories=[dict(id=1, isthing=1)]), "no 'name' key"),
         (dict(categories=[dict(id=1, name='a', isthing=1),
                           dict(id=1, name='b', isthing=0)]),
          'duplicate category id 1'),
         (dict(void_ids=['x']), 'void_ids'), (dict(bogus=1), 'bogus')]),
}


@pytest.fixture(autouse=True)
def mmseg_scope():
    init_default_scope('mmseg')


def test_every_registered_metric_has_a_spec():
    ours = {name for name, cls in METRICS.module_dict.items()
            if cls.__module__.startswith('mmseg_maskattn')}
    missing = ours - set(SPECS)
    assert not missing, f'add these metrics to the harness: {missing}'


@pytest.mark.parametrize('name', sorted(SPECS))
def test_metric_on_ground_truth(name, toy_data_root):
    spec = SPECS[name]
    metric = METRICS.build(spec.cfg)
    assert type(metric).__name__ == name
    meta, samples = spec.samples(toy_data_root)
    evaluator = Evaluator(metric)
    evaluator.dataset_meta = meta
    evaluator.process(samples)
    result = evaluator.evaluate(len(samples))
    missing = set(spec.keys) - set(result)
    assert not missing, f'{name}: no {missing} in {sorted(result)}'
    assert all(math.isfinite(v) for v in result.values()), result
    for key, value in spec.perfect.items():
        assert result[key] == pytest.approx(value), key


@pytest.mark.parametrize(
    'name,update,text',
    [(n, u, t) for n in sorted(SPECS) for u, t in SPECS[n].bad])
def test_bad_config_names_the_key(name, update, text):
    with pytest.raises((ValueError, TypeError, KeyError)) as err:
        METRICS.build(dict(SPECS[name].cfg, **update))
    assert text in str(err.value)


@pytest.mark.parametrize('name', sorted(SPECS))
def test_base_metric_options_reach_mmengine(name, toy_data_root, tmp_path):
    spec = SPECS[name]
    metric = METRICS.build(
        dict(spec.cfg, collect_device='cpu', prefix='ours',
             collect_dir=str(tmp_path)))
    assert (metric.collect_device, metric.prefix,
            metric.collect_dir) == ('cpu', 'ours', str(tmp_path))
    meta, samples = spec.samples(toy_data_root)
    evaluator = Evaluator(metric)
    evaluator.dataset_meta = meta
    evaluator.process(samples)
    result = evaluator.evaluate(len(samples))
    assert result and all(k.startswith('ours/') for k in result), result
