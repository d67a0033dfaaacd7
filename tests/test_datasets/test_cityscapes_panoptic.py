"""Tests of ``CityscapesPanopticSegDataset``,
``LoadCityscapesPanopticAnnotations`` and the Cityscapes panoptic 128x128
base config, on a tiny Cityscapes tree in tmp_path (the ``city_root``
fixture, see ``_cityscapes_data.py``)."""
from pathlib import Path

import numpy as np
import pytest
from mmengine import Config
from mmengine.evaluator import Evaluator
from mmengine.registry import init_default_scope
from mmseg.registry import DATASETS
from PIL import Image

from mmseg_maskattn.datasets import CityscapesPanopticSegDataset
from tests.test_datasets._cityscapes_data import FRAMES, instance_ids

CONFIG = (
    Path(__file__).resolve().parents[2] / 'configs' / '_base_' / 'datasets' /
    'cityscapes_panoptic_128x128.py')
# trainIds (labels) of the classes used.
ROAD, SKY, PERSON, RIDER, CAR = 0, 10, 11, 12, 13


@pytest.fixture(autouse=True)
def mmseg_scope():
    init_default_scope('mmseg')


def _dataset(loader: str, root: Path, **overrides):
    cfg = Config.fromfile(str(CONFIG))
    cfg.merge_from_dict({f'{loader}.dataset.data_root': str(root)})
    dataset_cfg = cfg[loader]['dataset'].to_dict()
    dataset_cfg.update(overrides)
    return DATASETS.build(dataset_cfg)


def _gt_path(root: Path, idx: int) -> Path:
    city, frame = FRAMES[idx]
    return (root / 'gtFine' / 'val' / city / f'{frame}_gtFine_instanceIds.png')


def test_data_infos(city_root):
    dataset = _dataset('val_dataloader', city_root, pipeline=[])
    assert len(dataset) == 2
    meta = dataset.metainfo
    assert len(meta['classes']) == 19
    assert meta['thing_classes'] == ('person', 'rider', 'car', 'truck', 'bus',
                                     'train', 'motorcycle', 'bicycle')
    assert len(meta['stuff_classes']) == 11
    info = dataset.get_data_info(1)
    assert info['inst_map_path'] == str(_gt_path(city_root, 1))
    assert info['seg_map_path'] is None
    assert info['thing_label_ids'] == list(range(11, 19))


def test_load_maps(city_root):
    dataset = _dataset(
        'val_dataloader',
        city_root,
        pipeline=[
            dict(type='LoadImageFromFile'),
            dict(type='LoadCityscapesPanopticAnnotations')
        ])
    results = dataset[0]
    ids = instance_ids().astype(np.int32)
    sem, inst = results['gt_seg_map'], results['gt_instance_map']
    assert sem.dtype == np.uint8 and inst.dtype == np.int32
    expected_sem = np.select(
        [ids == 23, ids > 26000, ids == 24, ids == 25000, ids == 7],
        [SKY, CAR, PERSON, RIDER, ROAD], 255)
    assert (sem == expected_sem).all()
    thing = (ids > 26000) | (ids == 24) | (ids == 25000)
    assert (inst == np.where(thing, ids, 0)).all()
    assert results['crowd_instance_ids'] == [24]
    assert results['seg_fields'] == ['gt_seg_map', 'gt_instance_map']


def test_val_pipeline_values(city_root):
    dataset = _dataset('val_dataloader', city_root)
    ds = dataset[0]['data_samples']
    assert ds.ori_shape == (128, 128)
    ids = np.kron(instance_ids().astype(np.int64), np.ones((4, 4), int))
    inst = ds.gt_instance_seg.data[0].numpy()
    pan = ds.gt_panoptic_seg.sem_seg[0].numpy()
    # Instances in id order: rider 25000, cars 26001, 26002; then the
    # person crowd; then road and sky.
    assert (inst == np.select([ids == 25000, ids == 26001, ids == 26002],
                              [1, 2, 3], 0)).all()
    assert (pan == np.select([
        ids == 25000, ids == 26001, ids == 26002, ids == 24, ids == 7, ids
        == 23
    ], [1, 2, 3, 4, 5, 6], 0)).all()
    assert [(s['id'], s['category_id'], s['iscrowd'], s['isthing'], s['area'])
            for s in ds.gt_panoptic_seg.segments_info
            ] == [(1, RIDER, 0, 1, 1024), (2, CAR, 0, 1, 2048),
                  (3, CAR, 0, 1, 2048), (4, PERSON, 1, 1, 1024),
                  (5, ROAD, 0, 0, 3072), (6, SKY, 0, 0, 4096)]


def test_evaluators_on_gt(city_root):
    cfg = Config.fromfile(str(CONFIG))
    dataset = _dataset('val_dataloader', city_root)
    evaluator = Evaluator(list(cfg.val_evaluator))
    evaluator.dataset_meta = dataset.metainfo
    for idx in range(len(dataset)):
        ds = dataset[idx]['data_samples']
        ds.pred_sem_seg = ds.gt_sem_seg.clone()
        ds.pred_panoptic_seg = ds.gt_panoptic_seg.clone()
        evaluator.process([ds])
    metrics = evaluator.evaluate(len(dataset))
    assert metrics['mIoU'] == pytest.approx(100.0)
    assert metrics['PQ'] == pytest.approx(100.0)
    assert metrics['PQ_th'] == pytest.approx(100.0)


def test_train_pipeline(city_root):
    dataset = _dataset(
        'train_dataloader',
        city_root,
        data_prefix=dict(
            img_path='leftImg8bit/val', inst_map_path='gtFine/val'))
    np.random.seed(0)
    for _ in range(3):
        for idx in range(len(dataset)):
            ds = dataset[idx]['data_samples']
            sem = ds.gt_sem_seg.data[0].numpy()
            inst = ds.gt_instance_seg.data[0].numpy()
            pan = ds.gt_panoptic_seg.sem_seg[0].numpy()
            assert sem.shape == inst.shape == pan.shape == (128, 128)
            for seg in ds.gt_panoptic_seg.segments_info:
                on_seg = pan == seg['id']
                assert on_seg.sum() == seg['area'] > 0
                assert (sem[on_seg] == seg['category_id']).all()
                assert seg['iscrowd'] == int(seg['category_id'] == PERSON)
                if seg['isthing'] and not seg['iscrowd']:
                    assert (inst[on_seg] == seg['id']).all()
                else:
                    assert (inst[on_seg] == 0).all()


def test_class_subset(city_root):
    dataset = _dataset(
        'val_dataloader', city_root, metainfo=dict(classes=('road', 'car')))
    assert dataset.metainfo['thing_classes'] == ('car', )
    assert dataset.get_data_info(0)['thing_label_ids'] == [1]
    ds = dataset[0]['data_samples']
    ids = np.kron(instance_ids().astype(np.int64), np.ones((4, 4), int))
    sem = ds.gt_sem_seg.data[0].numpy()
    assert (sem == np.select([ids == 7, ids > 26000], [0, 1], 255)).all()
    assert [(s['id'], s['category_id'], s['iscrowd'])
            for s in ds.gt_panoptic_seg.segments_info] == [(1, 1, 0),
                                                           (2, 1, 0),
                                                           (3, 0, 0)]


# --- bad input --------------------------------------------------------------


def test_size_mismatch_named(city_root):
    gt = _gt_path(city_root, 1)
    Image.fromarray(instance_ids()[:31]).save(gt)
    dataset = _dataset('val_dataloader', city_root)
    with pytest.raises(ValueError) as info:
        dataset[1]
    msg = str(info.value)
    assert str(gt) in msg and 'bochum_000000_000313_leftImg8bit.png' in msg
    assert '31x32' in msg and '32x32' in msg


def test_bad_instance_maps_named(city_root):
    gt = _gt_path(city_root, 0)
    Image.fromarray(np.zeros((32, 32, 3), dtype=np.uint8)).save(gt)
    dataset = _dataset('val_dataloader', city_root)
    with pytest.raises(ValueError, match='single-channel') as info:
        dataset[0]
    assert str(gt) in str(info.value)
    gt.write_bytes(b'not a png')
    with pytest.raises(OSError) as info:
        dataset[0]
    assert str(gt) in str(info.value)


def test_missing_files_named(city_root):
    gt = _gt_path(city_root, 1)
    gt.unlink()
    with pytest.raises(FileNotFoundError) as info:
        _dataset('val_dataloader', city_root)
    assert str(gt) in str(info.value)
    with pytest.raises(FileNotFoundError, match='leftImg8bit/test'):
        _dataset(
            'val_dataloader',
            city_root,
            data_prefix=dict(
                img_path='leftImg8bit/test', inst_map_path='gtFine/test'))


def test_rejected_arguments(city_root):
    with pytest.raises(ValueError, match='inst_map_path'):
        CityscapesPanopticSegDataset(
            data_root=str(city_root),
            data_prefix=dict(img_path='leftImg8bit/val'))
    with pytest.raises(ValueError, match='seg_map_path'):
        CityscapesPanopticSegDataset(
            data_root=str(city_root),
            data_prefix=dict(
                img_path='leftImg8bit/val',
                inst_map_path='gtFine/val',
                seg_map_path='gtFine/val'))
    with pytest.raises(ValueError, match='reduce_zero_label'):
        _dataset('val_dataloader', city_root, reduce_zero_label=True)
