"""Tests of ``ADE20KPanopticSegDataset`` and its 128x128 base config, on a
tiny ADE20K panoptic (COCO panoptic format) in tmp_path (the ``ade_root``
fixture, see ``_ade20k_data.py``)."""
import json
from pathlib import Path

import numpy as np
import pytest
from mmengine import Config
from mmengine.evaluator import Evaluator
from mmengine.registry import init_default_scope
from mmseg.datasets import ADE20KDataset
from mmseg.registry import DATASETS

from mmseg_maskattn.datasets import ADE20KPanopticSegDataset
from tests.test_datasets._ade20k_data import (CAR, CATEGORIES, PERSON, SKY,
                                              STEMS, WALL, segment_ids,
                                              write_png)

CONFIG = (
    Path(__file__).resolve().parents[2] / 'configs' / '_base_' / 'datasets' /
    'ade20k_panoptic_128x128.py')


@pytest.fixture(autouse=True)
def mmseg_scope():
    init_default_scope('mmseg')


def _dataset(loader: str, root: Path, **overrides):
    cfg = Config.fromfile(str(CONFIG))
    cfg.merge_from_dict({f'{loader}.dataset.data_root': str(root)})
    dataset_cfg = cfg[loader]['dataset'].to_dict()
    dataset_cfg.update(overrides)
    return DATASETS.build(dataset_cfg)


def test_metainfo():
    meta = ADE20KPanopticSegDataset.METAINFO
    classes = meta['classes']
    assert len(classes) == 150 and len(set(classes)) == 150
    assert len(meta['thing_classes']) == 100
    assert len(meta['stuff_classes']) == 50
    assert set(meta['thing_classes']) | set(
        meta['stuff_classes']) == set(classes)
    # The SceneParse150 order: the labels of mmseg's ADE20KDataset.
    assert classes[:7] == ('wall', 'building', 'sky', 'floor', 'tree',
                           'ceiling', 'road, route')
    assert classes[PERSON] == 'person' and classes[CAR] == 'car'
    assert classes[-1] == 'flag'
    assert meta['palette'] == ADE20KDataset.METAINFO['palette']
    for name in ('person', 'car', 'bed', 'stairs', 'screen'):
        assert name in meta['thing_classes']
    for name in ('wall', 'sky', 'pool', 'crt screen', 'stairway, staircase'):
        assert name in meta['stuff_classes']


def test_val_pipeline_values(ade_root):
    dataset = _dataset('val_dataloader', ade_root)
    assert len(dataset) == 2
    infos = [dataset.get_data_info(i) for i in range(2)]
    for info, stem in zip(infos, STEMS):
        assert info['img_path'] == str(ade_root / 'images' / 'validation' /
                                       f'{stem}.jpg')
        assert info['pan_map_path'] == str(ade_root / 'ade20k_panoptic_val' /
                                           f'{stem}.png')
        assert info['cat_id_to_label'] == {
            WALL: WALL,
            SKY: SKY,
            PERSON: PERSON,
            CAR: CAR
        }
    ids = np.kron(segment_ids(), np.ones((4, 4), dtype=np.int64))  # at 128x128
    for idx in range(2):
        ds = dataset[idx]['data_samples']
        sem = ds.gt_sem_seg.data[0].numpy()
        inst = ds.gt_instance_seg.data[0].numpy()
        pan = ds.gt_panoptic_seg.sem_seg[0].numpy()
        assert (sem == np.select(
            [ids == 1, ids == 2, ids == 400, ids == 70001],
            [WALL, SKY, PERSON, CAR], 255)).all()
        assert (inst == np.select([ids == 400, ids == 70001], [1, 2], 0)).all()
        assert (pan == np.select(
            [ids == 400, ids == 70001, ids == 1, ids == 2], [1, 2, 3, 4],
            0)).all()
        assert [(s['id'], s['category_id'], s['iscrowd'], s['isthing'])
                for s in ds.gt_panoptic_seg.segments_info] == [(1, PERSON, 0,
                                                                1),
                                                               (2, CAR, 0, 1),
                                                               (3, WALL, 0, 0),
                                                               (4, SKY, 0, 0)]


def test_evaluators_on_gt(ade_root):
    cfg = Config.fromfile(str(CONFIG))
    dataset = _dataset('val_dataloader', ade_root)
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


def test_train_pipeline(ade_root):
    dataset = _dataset(
        'train_dataloader',
        ade_root,
        ann_file='ade20k_panoptic_val.json',
        data_prefix=dict(
            img_path='images/validation', pan_map_path='ade20k_panoptic_val'))
    np.random.seed(0)
    for _ in range(3):
        for idx in range(len(dataset)):
            ds = dataset[idx]['data_samples']
            sem = ds.gt_sem_seg.data[0].numpy()
            pan = ds.gt_panoptic_seg.sem_seg[0].numpy()
            assert sem.shape == pan.shape == (128, 128)
            for seg in ds.gt_panoptic_seg.segments_info:
                on_seg = pan == seg['id']
                assert on_seg.sum() == seg['area'] > 0
                assert (sem[on_seg] == seg['category_id']).all()


# --- bad input --------------------------------------------------------------


@pytest.mark.parametrize('category, match', [
    (dict(id=150, name='unicorn', isthing=0), 'id 150'),
    (dict(id=CAR, name='lamp', isthing=0), 'isthing=0'),
])
def test_bad_categories_named(ade_root, category, match):
    path = ade_root / 'ade20k_panoptic_val.json'
    content = json.loads(path.read_text())
    content['categories'] = CATEGORIES[:3] + [category]
    path.write_text(json.dumps(content))
    with pytest.raises(ValueError, match=match) as info:
        _dataset('val_dataloader', ade_root)
    assert str(path) in str(info.value)


def test_unknown_segment_id_in_png(ade_root):
    png = ade_root / 'ade20k_panoptic_val' / f'{STEMS[1]}.png'
    ids = segment_ids()
    ids[0, 0] = 123456
    write_png(png, ids)
    dataset = _dataset('val_dataloader', ade_root)
    dataset[0]
    with pytest.raises(ValueError) as info:
        dataset[1]
    assert str(png) in str(info.value) and '123456' in str(info.value)


def test_missing_png_named(ade_root):
    png = ade_root / 'ade20k_panoptic_val' / f'{STEMS[1]}.png'
    png.unlink()
    with pytest.raises(FileNotFoundError) as info:
        _dataset('val_dataloader', ade_root)
    assert str(png) in str(info.value)
