"""Tests of ``ToyPanopticDataset`` and the ``toy_panoptic`` base config."""
import json
from pathlib import Path

import numpy as np
import pytest
from mmengine import Config
from mmengine.registry import init_default_scope
from mmseg.registry import DATASETS

from mmseg_maskattn.datasets import ToyPanopticDataset
from mmseg_maskattn.datasets.toy_data import (TOY_CLASSES, TOY_STUFF_CLASSES,
                                              TOY_THING_CLASSES)
from mmseg_maskattn.evaluation import PanopticQualityMetric

REPO_ROOT = Path(__file__).resolve().parents[2]
CONFIG = REPO_ROOT / 'configs' / '_base_' / 'datasets' / 'toy_panoptic.py'


@pytest.fixture(autouse=True)
def mmseg_scope():
    init_default_scope('mmseg')


def _dataset_cfg(loader: str, data_root) -> dict:
    cfg = Config.fromfile(str(CONFIG))
    cfg.merge_from_dict({f'{loader}.dataset.data_root': str(data_root)})
    return cfg[loader]['dataset'].to_dict()


def _prefix(split: str) -> dict:
    return dict(
        img_path=f'img_dir/{split}',
        seg_map_path=f'ann_dir/{split}',
        inst_map_path=f'panoptic/{split}')


def _pq_of_gt_vs_itself(dataset, samples) -> dict:
    metric = PanopticQualityMetric()
    metric.dataset_meta = dataset.metainfo
    for sample in samples:
        ds = sample['data_samples']
        ds.pred_panoptic_seg = ds.gt_panoptic_seg.clone()
        metric.process({}, [ds])
    return metric.compute_metrics(metric.results)


def test_config_splits_and_meta(toy_data_root):
    train = DATASETS.build(_dataset_cfg('train_dataloader', toy_data_root))
    val = DATASETS.build(_dataset_cfg('val_dataloader', toy_data_root))
    assert isinstance(train, ToyPanopticDataset)
    assert (len(train), len(val)) == (8, 4)
    meta = val.metainfo
    assert meta['classes'] == TOY_CLASSES
    assert meta['thing_classes'] == TOY_THING_CLASSES
    assert meta['stuff_classes'] == TOY_STUFF_CLASSES
    info = val.get_data_info(0)
    assert info['thing_label_ids'] == [1, 2, 3]
    name = Path(info['img_path']).name
    assert Path(info['seg_map_path']).name == name
    assert info['inst_map_path'].endswith(f'panoptic/val/{name}')
    sample = train[0]
    assert sample['inputs'].shape == (3, 64, 64)


def test_samples_match_the_json(toy_data_root):
    """Packed segments are the JSON's segments, stuff ids mapped to 0."""
    val = DATASETS.build(_dataset_cfg('val_dataloader', toy_data_root))
    with open(toy_data_root / 'panoptic' / 'panoptic_val.json') as f:
        coco = json.load(f)
    isthing = {c['id']: c['isthing'] for c in coco['categories']}
    by_name = {a['file_name']: a['segments_info'] for a in coco['annotations']}
    samples = [val[i] for i in range(len(val))]
    for sample in samples:
        ds = sample['data_samples']
        json_segments = by_name[Path(ds.img_path).name]
        sem = ds.gt_sem_seg.data[0].numpy()
        inst = ds.gt_instance_seg.data[0].numpy()
        pan = ds.gt_panoptic_seg.sem_seg[0].numpy()
        assert (inst[sem == 0] == 0).all()  # background segment -> 0
        assert ((inst > 0) == (sem > 0)).all()  # every object pixel is one
        num_things = sum(isthing[s['category_id']] for s in json_segments)
        assert inst.max() == num_things
        assert sorted(set(np.unique(inst).tolist()) - {0}) == list(
            range(1, num_things + 1))
        packed = ds.gt_panoptic_seg.segments_info
        key = lambda s: (s['category_id'], s['area'])  # noqa: E731
        assert sorted(map(key, packed)) == sorted(map(key, json_segments))
        for seg in packed:
            assert seg['isthing'] == isthing[seg['category_id']]
            assert (pan == seg['id']).sum() == seg['area']
    metrics = _pq_of_gt_vs_itself(val, samples)
    assert metrics['PQ'] == pytest.approx(100.0)
    assert metrics['PQ_th'] == pytest.approx(100.0)
    assert metrics['PQ_st'] == pytest.approx(100.0)


def test_class_subset(toy_data_root):
    dataset = ToyPanopticDataset(
        data_root=str(toy_data_root),
        data_prefix=_prefix('val'),
        metainfo=dict(classes=('background', 'ellipse')),
        pipeline=_dataset_cfg('val_dataloader', toy_data_root)['pipeline'])
    assert dataset.metainfo['thing_classes'] == ('ellipse', )
    assert dataset.metainfo['stuff_classes'] == ('background', )
    assert dataset.get_data_info(0)['thing_label_ids'] == [1]
    samples = [dataset[i] for i in range(len(dataset))]
    for sample in samples:
        ds = sample['data_samples']
        sem = ds.gt_sem_seg.data[0].numpy()
        assert set(np.unique(sem).tolist()) <= {0, 1, 255}
        inst = ds.gt_instance_seg.data[0].numpy()
        assert ((inst > 0) == (sem == 1)).all()
        assert (ds.gt_panoptic_seg.sem_seg[0].numpy()[sem == 255] == 0).all()
    assert _pq_of_gt_vs_itself(dataset, samples)['PQ'] == pytest.approx(100)


def test_missing_instance_folder_or_file(toy_data_root, tmp_path):
    prefix = dict(_prefix('val'), inst_map_path='panoptic/nope')
    with pytest.raises(FileNotFoundError, match='instance map folder') as info:
        ToyPanopticDataset(data_root=str(toy_data_root), data_prefix=prefix)
    assert str(toy_data_root / 'panoptic' / 'nope') in str(info.value)

    with pytest.raises(ValueError, match='inst_map_path'):
        ToyPanopticDataset(
            data_root=str(toy_data_root),
            data_prefix=dict(
                img_path='img_dir/val', seg_map_path='ann_dir/val'))

    root = tmp_path / 'toy'
    for sub in ('img_dir', 'ann_dir', 'panoptic'):
        (root / sub / 'val').mkdir(parents=True)
        for p in (toy_data_root / sub / 'val').glob('*.png'):
            (root / sub / 'val' / p.name).write_bytes(p.read_bytes())
    missing = root / 'panoptic' / 'val' / 'val_00001.png'
    missing.unlink()
    with pytest.raises(FileNotFoundError) as info:
        ToyPanopticDataset(data_root=str(root), data_prefix=_prefix('val'))
    assert str(missing) in str(info.value)
    assert str(root / 'img_dir' / 'val' / 'val_00001.png') in str(info.value)


def test_corrupt_instance_map_named_at_load(toy_data_root, tmp_path):
    root = tmp_path / 'toy'
    for sub in ('img_dir', 'ann_dir', 'panoptic'):
        (root / sub / 'val').mkdir(parents=True)
        for p in (toy_data_root / sub / 'val').glob('*.png'):
            (root / sub / 'val' / p.name).write_bytes(p.read_bytes())
    bad = root / 'panoptic' / 'val' / 'val_00002.png'
    bad.write_bytes(bad.read_bytes()[:50])
    dataset = DATASETS.build(_dataset_cfg('val_dataloader', root))
    dataset[0]
    with pytest.raises(OSError) as info:
        dataset[2]
    assert str(bad) in str(info.value)


def test_reduce_zero_label_rejected(toy_data_root):
    with pytest.raises(ValueError, match='reduce_zero_label'):
        ToyPanopticDataset(
            data_root=str(toy_data_root),
            data_prefix=_prefix('val'),
            reduce_zero_label=True)
