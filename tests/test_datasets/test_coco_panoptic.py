"""Tests of ``CocoPanopticSegDataset``, ``LoadPanopticAnnotations`` and the
COCO panoptic 128x128 base config, on a tiny COCO panoptic in tmp_path
(the ``coco_root`` fixture, see ``_coco_data.py``)."""
import json
from pathlib import Path

import numpy as np
import pytest
from mmengine import Config
from mmengine.evaluator import Evaluator
from mmengine.registry import init_default_scope
from mmseg.registry import DATASETS

from mmseg_maskattn.datasets import CocoPanopticSegDataset
from mmseg_maskattn.datasets.transforms import LoadPanopticAnnotations
from tests.test_datasets._coco_data import (CROWD_ID, GRASS_ID, PERSON_A,
                                            PERSON_B, SKY_ID, ids_a,
                                            json_path, write_json, write_png)

CONFIG = (
    Path(__file__).resolve().parents[2] / 'configs' / '_base_' / 'datasets' /
    'coco_panoptic_128x128.py')
CLASSES = CocoPanopticSegDataset.METAINFO['classes']
PERSON, CAR = CLASSES.index('person'), CLASSES.index('car')
SKY, GRASS = CLASSES.index('sky-other-merged'), CLASSES.index('grass-merged')


def _edit_json(root: Path, edit) -> None:
    content = json.loads(json_path(root).read_text())
    edit(content)
    write_json(root, content)


@pytest.fixture(autouse=True)
def mmseg_scope():
    init_default_scope('mmseg')


def _dataset_cfg(loader: str, data_root: Path, **overrides) -> dict:
    cfg = Config.fromfile(str(CONFIG))
    cfg.merge_from_dict({f'{loader}.dataset.data_root': str(data_root)})
    dataset_cfg = cfg[loader]['dataset'].to_dict()
    dataset_cfg.update(overrides)
    return dataset_cfg


def _val_dataset(root: Path, **overrides):
    cfg = _dataset_cfg('val_dataloader', root, **overrides)
    return DATASETS.build(cfg)


def _maps(sample) -> tuple:
    ds = sample['data_samples']
    return (ds.gt_sem_seg.data[0].numpy(), ds.gt_instance_seg.data[0].numpy(),
            ds.gt_panoptic_seg.sem_seg[0].numpy(),
            ds.gt_panoptic_seg.segments_info)


def _up(arr: np.ndarray) -> np.ndarray:
    """The 32x32 map at 128x128 (nearest, factor 4)."""
    return np.kron(arr, np.ones((4, 4), dtype=arr.dtype))


def test_data_infos(coco_root):
    dataset = _val_dataset(coco_root, pipeline=[])
    assert len(dataset) == 2
    meta = dataset.metainfo
    assert len(meta['classes']) == 133 and len(meta['palette']) == 133
    assert len(meta['thing_classes']) == 80
    assert len(meta['stuff_classes']) == 53
    info = dataset.get_data_info(0)
    assert info['img_path'] == str(coco_root / 'val2017' / 'a.jpg')
    assert info['pan_map_path'] == str(coco_root / 'annotations' /
                                       'panoptic_val2017' / 'a.png')
    assert info['seg_map_path'] is None and info['seg_fields'] == []
    assert info['cat_id_to_label'] == {187: SKY, 193: GRASS, 1: PERSON, 3: CAR}
    assert info['thing_label_ids'] == list(range(80))
    assert info['segments_info'][4] == dict(
        id=CROWD_ID, category_id=3, iscrowd=1)
    assert info['label_map'] is None and info['reduce_zero_label'] is False


def test_val_pipeline_values(coco_root):
    dataset = _val_dataset(coco_root)
    sample = dataset[0]
    assert tuple(sample['inputs'].shape) == (3, 128, 128)
    assert sample['data_samples'].ori_shape == (128, 128)
    sem, inst, pan, segments = _maps(sample)
    ids = ids_a()
    expected_sem = np.select([
        ids == SKY_ID, ids == GRASS_ID, ids == PERSON_A, ids == PERSON_B, ids
        == CROWD_ID
    ], [SKY, GRASS, PERSON, PERSON, CAR], 255)
    assert (sem == _up(expected_sem)).all()
    # The persons are instances 1, 2 (in id order); the crowd is none.
    expected_inst = np.select([ids == PERSON_A, ids == PERSON_B], [1, 2], 0)
    assert (inst == _up(expected_inst)).all()
    # Panoptic: instances, then the crowd (3), then stuff by class index.
    stuff_ids = {SKY: 4, GRASS: 5} if SKY < GRASS else {SKY: 5, GRASS: 4}
    expected_pan = np.select([
        ids == PERSON_A, ids == PERSON_B, ids == CROWD_ID, ids == SKY_ID, ids
        == GRASS_ID
    ], [1, 2, 3, stuff_ids[SKY], stuff_ids[GRASS]], 0)
    assert (pan == _up(expected_pan)).all()
    assert segments[:3] == [
        dict(id=1, category_id=PERSON, iscrowd=0, area=96 * 16, isthing=1),
        dict(id=2, category_id=PERSON, iscrowd=0, area=96 * 16, isthing=1),
        dict(id=3, category_id=CAR, iscrowd=1, area=96 * 16, isthing=1),
    ]
    assert sorted((s['id'], s['category_id'], s['iscrowd'], s['isthing'])
                  for s in segments[3:]) == sorted(
                      (stuff_ids[c], c, 0, 0) for c in (SKY, GRASS))


def test_load_without_resize(coco_root):
    dataset = _val_dataset(
        coco_root,
        pipeline=[
            dict(type='LoadImageFromFile'),
            dict(type='LoadPanopticAnnotations')
        ])
    results = dataset[0]
    ids = ids_a()
    assert results['gt_seg_map'].dtype == np.uint8
    assert results['gt_instance_map'].dtype == np.int32
    thing = (ids == PERSON_A) | (ids == PERSON_B) | (ids == CROWD_ID)
    assert (results['gt_instance_map'] == np.where(thing, ids, 0)).all()
    assert results['crowd_instance_ids'] == [CROWD_ID]
    assert results['seg_fields'] == ['gt_seg_map', 'gt_instance_map']
    results = dataset[1]
    assert results['gt_seg_map'].shape == (24, 40)
    assert results['crowd_instance_ids'] == []


def test_evaluators_on_gt(coco_root):
    """The config's evaluators on the packed GT as prediction: 100."""
    cfg = Config.fromfile(str(CONFIG))
    dataset = _val_dataset(coco_root)
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
    assert metrics['PQ_st'] == pytest.approx(100.0)


def test_train_pipeline(coco_root):
    cfg = _dataset_cfg(
        'train_dataloader',
        coco_root,
        ann_file='annotations/panoptic_val2017.json',
        data_prefix=dict(
            img_path='val2017', pan_map_path='annotations/panoptic_val2017'))
    dataset = DATASETS.build(cfg)
    np.random.seed(0)
    for _ in range(3):
        for idx in range(len(dataset)):
            sem, inst, pan, segments = _maps(dataset[idx])
            assert sem.shape == inst.shape == pan.shape == (128, 128)
            for seg in segments:
                on_seg = pan == seg['id']
                assert on_seg.sum() == seg['area'] > 0
                assert (sem[on_seg] == seg['category_id']).all()
                # Only the cars of image 'a' are a crowd: no instance.
                crowd = int(seg['category_id'] == CAR and idx == 0)
                assert seg['iscrowd'] == crowd
                if seg['isthing'] and not crowd:
                    assert (inst[on_seg] == seg['id']).all()
                else:
                    assert (inst[on_seg] == 0).all()


def test_class_subset(coco_root):
    dataset = _val_dataset(
        coco_root, metainfo=dict(classes=('person', 'sky-other-merged')))
    meta = dataset.metainfo
    assert meta['thing_classes'] == ('person', )
    assert meta['stuff_classes'] == ('sky-other-merged', )
    assert len(meta['palette']) == 2
    info = dataset.get_data_info(0)
    assert info['cat_id_to_label'] == {187: 1, 193: 255, 1: 0, 3: 255}
    assert info['thing_label_ids'] == [0]
    sem, inst, pan, segments = _maps(dataset[0])
    ids = _up(ids_a())
    assert (sem[(ids == CROWD_ID) | (ids == GRASS_ID)] == 255).all()
    assert (sem[ids == SKY_ID] == 1).all() and (sem[ids == PERSON_A]
                                                == 0).all()
    assert [(s['id'], s['category_id'], s['iscrowd'])
            for s in segments] == [(1, 0, 0), (2, 0, 0), (3, 1, 0)]


# --- bad input --------------------------------------------------------------


def test_unknown_segment_id_in_png(coco_root):
    _edit_json(coco_root,
               lambda c: c['annotations'][0]['segments_info'].pop(1))
    dataset = _val_dataset(coco_root)
    with pytest.raises(ValueError) as info:
        dataset[0]
    msg = str(info.value)
    assert str(coco_root / 'annotations' / 'panoptic_val2017' / 'a.png') in msg
    assert f'segment id {GRASS_ID}' in msg


def test_unknown_category_id(coco_root):
    _edit_json(
        coco_root, lambda c: c['annotations'][1]['segments_info'][1].update(
            category_id=999))
    with pytest.raises(ValueError) as info:
        _val_dataset(coco_root)
    msg = str(info.value)
    assert str(json_path(coco_root)) in msg
    assert 'category_id 999' in msg and "'b.png'" in msg

    # The loader checks the categories of the sample too.
    results = dict(
        pan_map_path=str(coco_root / 'annotations' / 'panoptic_val2017' /
                         'b.png'),
        segments_info=[dict(id=2, category_id=3, iscrowd=0)],
        cat_id_to_label={1: 0},
        thing_label_ids=[0])
    with pytest.raises(ValueError) as info:
        LoadPanopticAnnotations()(results)
    assert results['pan_map_path'] in str(info.value)
    assert 'category_id 3' in str(info.value)


@pytest.mark.parametrize('edit, match', [
    (lambda c: c['categories'].append(dict(id=500, name='unicorn', isthing=1)),
     "'unicorn'"),
    (lambda c: c['categories'][2].update(isthing=1), "'sky-other-merged'"),
    (lambda c: c['annotations'][0].update(image_id=42), 'image id 42'),
    (lambda c: c['annotations'][0]['segments_info'][1].update(id=SKY_ID),
     f'segment {SKY_ID} is listed twice'),
    (lambda c: c.pop('categories'), 'not a COCO panoptic json'),
])
def test_bad_json_named(coco_root, edit, match):
    _edit_json(coco_root, edit)
    with pytest.raises(ValueError, match=match) as info:
        _val_dataset(coco_root)
    assert str(json_path(coco_root)) in str(info.value)


def test_png_size_mismatch(coco_root):
    png = coco_root / 'annotations' / 'panoptic_val2017' / 'b.png'
    write_png(png, np.full((24, 41), SKY_ID, dtype=np.int64))
    dataset = _val_dataset(coco_root)
    with pytest.raises(ValueError) as info:
        dataset[1]
    msg = str(info.value)
    assert str(png) in msg and str(coco_root / 'val2017' / 'b.jpg') in msg
    assert '24x41' in msg and '24x40' in msg


def test_missing_files_named(coco_root):
    png = coco_root / 'annotations' / 'panoptic_val2017' / 'b.png'
    png.rename(png.with_suffix('.bak'))
    with pytest.raises(FileNotFoundError) as info:
        _val_dataset(coco_root)
    assert str(png) in str(info.value)
    png.with_suffix('.bak').rename(png)

    img = coco_root / 'val2017' / 'a.jpg'
    img.unlink()
    with pytest.raises(FileNotFoundError) as info:
        _val_dataset(coco_root)
    assert str(img) in str(info.value)

    json_path(coco_root).unlink()
    with pytest.raises(FileNotFoundError) as info:
        _val_dataset(coco_root)
    assert str(json_path(coco_root)) in str(info.value)

    with pytest.raises(FileNotFoundError) as info:
        _val_dataset(
            coco_root,
            data_prefix=dict(
                img_path='val2017', pan_map_path='annotations/nowhere'))
    assert str(coco_root / 'annotations' / 'nowhere') in str(info.value)


def test_unreadable_png_named_at_load(coco_root):
    png = coco_root / 'annotations' / 'panoptic_val2017' / 'a.png'
    png.write_bytes(b'\x89PNG\r\n\x1a\n truncated')
    dataset = _val_dataset(coco_root)
    with pytest.raises(OSError) as info:
        dataset[0]
    assert str(png) in str(info.value)


def test_rejected_arguments(coco_root):
    with pytest.raises(ValueError, match='pan_map_path'):
        CocoPanopticSegDataset(
            data_root=str(coco_root),
            ann_file='annotations/panoptic_val2017.json',
            data_prefix=dict(img_path='val2017'))
    with pytest.raises(ValueError, match='reduce_zero_label'):
        _val_dataset(coco_root, reduce_zero_label=True)
