"""Tests of the toy data generator and ``ToySegDataset``."""
import importlib.util
import json
from pathlib import Path

import mmcv
import numpy as np
import pytest
from mmengine import Config
from mmengine.registry import init_default_scope

from mmseg_maskattn.datasets import ToySegDataset
from mmseg_maskattn.datasets.toy_data import (STAMP_FILE, TOY_CLASSES,
                                              generate_toy_dataset)

REPO_ROOT = Path(__file__).resolve().parents[2]
NUM_TRAIN, NUM_VAL, SIZE = 6, 3, 64


def _files(root: Path) -> dict:
    return {
        str(p.relative_to(root)): p.read_bytes()
        for p in sorted(root.rglob('*')) if p.is_file()
    }


@pytest.fixture(scope='module')
def toy_root(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp('toy') / 'toy'
    result = generate_toy_dataset(  # a Path works as well as a str
        root, num_train=NUM_TRAIN, num_val=NUM_VAL, size=SIZE, seed=0)
    assert result['skipped'] is False
    return root


def test_layout(toy_root):
    for sub in ('img_dir', 'ann_dir', 'panoptic'):
        assert len(list((toy_root / sub / 'train').glob('*.png'))) == NUM_TRAIN
        assert len(list((toy_root / sub / 'val').glob('*.png'))) == NUM_VAL
    assert (toy_root / 'panoptic' / 'panoptic_train.json').is_file()
    assert (toy_root / 'panoptic' / 'panoptic_val.json').is_file()
    img = mmcv.imread(str(toy_root / 'img_dir/train/train_00000.png'))
    assert img.shape == (SIZE, SIZE, 3) and img.dtype == np.uint8
    sem = mmcv.imread(
        str(toy_root / 'ann_dir/train/train_00000.png'), flag='unchanged')
    assert sem.shape == (SIZE, SIZE) and sem.dtype == np.uint8
    pan = mmcv.imread(
        str(toy_root / 'panoptic/train/train_00000.png'), flag='unchanged')
    assert pan.shape == (SIZE, SIZE) and pan.dtype == np.uint16


def test_same_seed_identical_bytes(toy_root, tmp_path):
    other = tmp_path / 'again'
    generate_toy_dataset(
        str(other), num_train=NUM_TRAIN, num_val=NUM_VAL, size=SIZE, seed=0)
    assert _files(other) == _files(toy_root)


def test_different_seed_differs(toy_root, tmp_path):
    other = tmp_path / 'seed1'
    generate_toy_dataset(
        str(other), num_train=NUM_TRAIN, num_val=NUM_VAL, size=SIZE, seed=1)
    ours, theirs = _files(toy_root), _files(other)
    assert ours.keys() == theirs.keys()
    pngs = [k for k in ours if k.endswith('.png')]
    assert all(ours[k] != theirs[k] for k in pngs if k.startswith('img_dir'))


def test_val_images_do_not_depend_on_num_train(toy_root, tmp_path):
    other = tmp_path / 'more_train'
    generate_toy_dataset(
        str(other), num_train=NUM_TRAIN + 2, num_val=NUM_VAL, size=SIZE)
    for name in ('img_dir/val/val_00000.png', 'ann_dir/val/val_00002.png'):
        assert (other / name).read_bytes() == (toy_root / name).read_bytes()


def test_rerun_skips_and_regenerates(tmp_path):
    root = tmp_path / 'toy'
    args = dict(num_train=3, num_val=2, size=32, seed=5)
    assert generate_toy_dataset(str(root), **args)['skipped'] is False
    before = _files(root)
    assert generate_toy_dataset(str(root), **args)['skipped'] is True
    # A damaged folder (missing file) is regenerated.
    (root / 'ann_dir/val/val_00001.png').unlink()
    assert generate_toy_dataset(str(root), **args)['skipped'] is False
    assert _files(root) == before
    # Fewer images with other args: stale generated files are removed, a
    # user file in the same folder is kept.
    (root / 'img_dir/train/notes.txt').write_text('mine')
    generate_toy_dataset(str(root), num_train=2, num_val=1, size=32, seed=5)
    assert sorted(p.name for p in (root / 'img_dir/train').iterdir()) == [
        'notes.txt', 'train_00000.png', 'train_00001.png'
    ]
    stamp = json.loads((root / STAMP_FILE).read_text())
    assert stamp['num_train'] == 2 and stamp['num_val'] == 1
    assert generate_toy_dataset(
        str(root), num_train=2, num_val=1, size=32, seed=5,
        force=True)['skipped'] is False


@pytest.mark.parametrize('kwargs, match', [
    (dict(num_train=0), 'num_train'),
    (dict(num_val=-1), 'num_val'),
    (dict(size=8), 'size'),
    (dict(seed=-3), 'seed'),
])
def test_bad_arguments(tmp_path, kwargs, match):
    with pytest.raises((ValueError, TypeError), match=match):
        generate_toy_dataset(str(tmp_path / 'toy'), **kwargs)


def test_classes_and_instances_present(toy_root):
    panoptic = json.loads(
        (toy_root / 'panoptic' / 'panoptic_train.json').read_text())
    instances_per_class = {c: 0 for c in range(1, len(TOY_CLASSES))}
    for ann in panoptic['annotations']:
        sem = mmcv.imread(
            str(toy_root / 'ann_dir/train' / ann['file_name']),
            flag='unchanged')
        assert set(np.unique(sem).tolist()) == set(range(len(TOY_CLASSES)))
        for seg in ann['segments_info']:
            if seg['category_id'] > 0:
                instances_per_class[seg['category_id']] += 1
    # Several instances of every object class, not one per image.
    for count in instances_per_class.values():
        assert count > len(panoptic['annotations'])


@pytest.mark.parametrize('split', ['train', 'val'])
def test_panoptic_json_matches_png(toy_root, split):
    panoptic = json.loads(
        (toy_root / 'panoptic' / f'panoptic_{split}.json').read_text())
    categories = {c['id']: c for c in panoptic['categories']}
    assert [categories[i]['name'] for i in sorted(categories)] == \
        list(TOY_CLASSES)
    assert categories[0]['isthing'] == 0
    assert all(categories[i]['isthing'] == 1 for i in range(1, 4))
    image_ids = {img['id'] for img in panoptic['images']}
    assert len(panoptic['annotations']) == len(image_ids)
    for ann in panoptic['annotations']:
        assert ann['image_id'] in image_ids
        pan = mmcv.imread(
            str(toy_root / 'panoptic' / split / ann['file_name']),
            flag='unchanged')
        sem = mmcv.imread(
            str(toy_root / 'ann_dir' / split / ann['file_name']),
            flag='unchanged')
        ids, counts = np.unique(pan, return_counts=True)
        segments = {s['id']: s for s in ann['segments_info']}
        assert len(segments) == len(ann['segments_info'])
        assert 0 not in segments and 0 not in ids  # 0 is void, unused
        assert set(ids.tolist()) == set(segments)
        for seg_id, area in zip(ids.tolist(), counts.tolist()):
            seg = segments[seg_id]
            assert seg['area'] == area
            assert seg['iscrowd'] == 0
            assert seg['category_id'] in categories
            mask = pan == seg_id
            assert (sem[mask] == seg['category_id']).all()
            rows, cols = np.nonzero(mask)
            assert seg['bbox'] == [
                cols.min(),
                rows.min(),
                cols.max() - cols.min() + 1,
                rows.max() - rows.min() + 1
            ]
        # Exactly one background (stuff) segment per image.
        assert sum(s['category_id'] == 0 for s in segments.values()) == 1


def test_dataset_through_registry(toy_root):
    from mmseg.registry import DATASETS
    init_default_scope('mmseg')
    cfg = Config.fromfile(
        str(REPO_ROOT / 'configs' / '_base_' / 'datasets' / 'toy.py'))
    for loader, num in (('train_dataloader', NUM_TRAIN), ('val_dataloader',
                                                          NUM_VAL)):
        dataset_cfg = cfg[loader]['dataset'].copy()
        dataset_cfg['data_root'] = str(toy_root)
        dataset = DATASETS.build(dataset_cfg)
        assert isinstance(dataset, ToySegDataset)
        assert len(dataset) == num
        assert dataset.metainfo['classes'] == TOY_CLASSES
        sample = dataset[0]
        assert sample['inputs'].shape == (3, SIZE, SIZE)
        gt = sample['data_samples'].gt_sem_seg.data
        assert gt.shape == (1, SIZE, SIZE)
        assert set(gt.unique().tolist()) <= set(range(len(TOY_CLASSES)))


def test_cli(tmp_path, capsys):
    spec = importlib.util.spec_from_file_location(
        'gen_toy_data', REPO_ROOT / 'tools' / 'gen_toy_data.py')
    tool = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(tool)
    out = tmp_path / 'toy'
    argv = [
        '--out',
        str(out), '--num-train', '2', '--num-val', '1', '--size', '32'
    ]
    assert tool.main(argv) == 0
    assert 'wrote 2 train + 1 val' in capsys.readouterr().out
    assert tool.main(argv) == 0
    assert 'up to date' in capsys.readouterr().out
    assert tool.main(argv + ['--num-train', '0']) == 2
    assert 'num_train' in capsys.readouterr().err
