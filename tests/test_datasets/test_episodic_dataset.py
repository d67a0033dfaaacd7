"""Tests of ``EpisodicDataset``, its pixel scan and its fold list.

Most tests use a tiny hand-made dataset (the ``fss_root`` fixture, see
``_fss_data.py``) whose label pixel counts are known, so that every
eligible image list can be written down; shapes are also checked on the
generated toy data.
"""
import json
from pathlib import Path

import numpy as np
import pytest
import torch
from mmengine.dataset import pseudo_collate
from mmengine.registry import init_default_scope
from torch.utils.data import DataLoader

from mmseg_maskattn.datasets import EpisodicDataset
from mmseg_maskattn.datasets.fss_fold_list import (build_fold_list,
                                                   scan_class_pixels)
from mmseg_maskattn.datasets.fss_folds import eligible_images
from tests.test_datasets._fss_data import A, B, C, LOAD, base_cfg, fss_label


@pytest.fixture(autouse=True)
def mmseg_scope():
    init_default_scope('mmseg')


def make(root, pipeline=None, **kwargs) -> EpisodicDataset:
    args = dict(
        shot=1,
        mode='test',
        split_rule='explicit',
        novel_classes=[C],
        ignore_classes=[0],
        min_pixels=15)
    args.update(kwargs)
    return EpisodicDataset(dataset=base_cfg(root, pipeline), **args)


# --- eligibility -------------------------------------------------------------


def test_scan_counts(fss_root):
    ds = make(fss_root)
    images, counts = ds.pixels[C]
    assert images.tolist() == [2, 4, 5, 7]
    assert counts.tolist() == [5, 20, 20, 20]
    assert ds.pixels[B][0].tolist() == [3, 4, 6, 8]
    assert 255 not in ds.pixels
    threaded = scan_class_pixels(ds.dataset, num_threads=2)
    assert threaded.keys() == ds.pixels.keys()
    for c, (images, counts) in threaded.items():
        assert images.tolist() == ds.pixels[c][0].tolist()
        assert counts.tolist() == ds.pixels[c][1].tolist()


def test_min_pixels(fss_root):
    assert make(fss_root).eligible[C].tolist() == [4, 5, 7]
    assert make(fss_root, min_pixels=5).eligible[C].tolist() == [2, 4, 5, 7]
    assert make(fss_root, min_pixels=20).eligible[C].tolist() == [4, 5, 7]


def test_drop_vs_background(fss_root):
    drop = make(fss_root, mode='train', novel_in_train='drop')
    assert drop.episode_classes == (A, B)
    assert {
        c: v.tolist()
        for c, v in drop.eligible.items()
    } == {
        A: [0, 6],
        B: [3, 8]
    }
    background = make(fss_root, mode='train', novel_in_train='background')
    assert {
        c: v.tolist()
        for c, v in background.eligible.items()
    } == {
        A: [0, 2, 6],
        B: [3, 4, 8]
    }
    # 'background': the novel pixels of image 2 are background in a mask.
    for i in range(200):
        info = background.get_episode_info(i)
        if info['query'] == 2:
            break
    sample = background[i]['data_samples']
    assert sample.class_id == A
    expected = (fss_label(2) == A).astype(np.int64)
    assert torch.equal(sample.gt_sem_seg.data[0], torch.from_numpy(expected))
    # The pixel counts of the function alone.
    assert eligible_images(
        drop.pixels, episode_classes=[B], min_pixels=1,
        drop_classes=[C])[B].tolist() == [3, 6, 8]


# --- episodes ----------------------------------------------------------------


def test_episodes_reproducible_and_distinct(fss_root):
    ds = make(
        fss_root,
        mode='train',
        novel_in_train='background',
        shot=2,
        num_episodes=300,
        seed=7)
    infos = [ds.get_episode_info(i) for i in range(300)]
    assert infos == [ds.get_episode_info(i) for i in range(300)]
    backwards = [ds.get_episode_info(i) for i in reversed(range(300))]
    assert infos == backwards[::-1]
    other = make(
        fss_root,
        mode='train',
        novel_in_train='background',
        shot=2,
        num_episodes=300,
        seed=7)
    assert infos == [other.get_episode_info(i) for i in range(300)]
    for info in infos:
        images = [info['query']] + info['supports']
        assert len(set(images)) == 3
        assert set(images) <= set(ds.eligible[info['class_id']].tolist())
    assert {info['class_id'] for info in infos} == {A, B}
    ds.set_seed(8)
    assert infos != [ds.get_episode_info(i) for i in range(300)]
    ds.set_seed(7)
    assert infos == [ds.get_episode_info(i) for i in range(300)]
    with pytest.raises(ValueError, match='seed'):
        ds.set_seed(-1)
    with pytest.raises(IndexError, match='300'):
        ds.get_episode_info(300)


def _episodes(loader):
    out = []
    for batch in loader:
        for inputs, sample in zip(batch['inputs'], batch['data_samples']):
            out.append(
                (inputs, sample.gt_sem_seg.data, sample.gt_support_seg.data,
                 sample.img_path, sample.support_img_paths, sample.episode))
    return out


def test_dataloader_workers_give_same_episodes(fss_root):
    ds = make(fss_root, shot=2, num_episodes=12, seed=3)
    kwargs = dict(batch_size=3, collate_fn=pseudo_collate, shuffle=False)
    single = _episodes(DataLoader(ds, num_workers=0, **kwargs))
    multi = _episodes(DataLoader(ds, num_workers=2, **kwargs))
    assert len(single) == len(multi) == 12
    for a, b in zip(single, multi):
        assert torch.equal(a[0], b[0]) and torch.equal(a[1], b[1])
        assert torch.equal(a[2], b[2]) and a[3:] == b[3:]
    direct = ds[5]
    assert torch.equal(direct['inputs'], single[5][0])


def test_episode_contents_and_padding(fss_root):
    ds = make(fss_root, shot=2, num_episodes=100)
    for i in range(100):  # find an episode mixing the 10x12 image 5
        info = ds.get_episode_info(i)
        if info['query'] != 5 and 5 in info['supports']:
            break
    episode = ds[i]
    inputs, sample = episode['inputs'], episode['data_samples']
    assert inputs.dtype == torch.uint8 and inputs.shape == (3, 3, 10, 12)
    assert (inputs[0, :, 8:, :] == 0).all() and (inputs[0, :, :, 8:]
                                                 == 0).all()
    query = info['query']
    assert sample.gt_sem_seg.data.dtype == torch.int64
    expected = (fss_label(query) == C).astype(np.int64)
    expected[fss_label(query) == 255] = 255
    assert torch.equal(sample.gt_sem_seg.data[0], torch.from_numpy(expected))
    masks = sample.gt_support_seg.data
    assert masks.shape == (2, 10, 12) and masks.dtype == torch.int64
    for row, image in enumerate(info['supports']):
        label = fss_label(image)
        h, w = label.shape
        expected = (label == C).astype(np.int64)
        expected[label == 255] = 255
        assert torch.equal(masks[row, :h, :w], torch.from_numpy(expected))
        assert (masks[row, h:, :] == 255).all()
        assert (masks[row, :, w:] == 255).all()
    meta = sample.metainfo
    assert meta['class_id'] == C and meta['shot'] == 2 and meta['episode'] == i
    assert meta['img_shape'] == (8, 8) and meta['pad_shape'] == (10, 12)
    assert meta['ori_shape'] == (8, 8)
    assert meta['scale_factor'] == (1.0, 1.0) and meta['flip'] is False
    assert Path(meta['img_path']).name == f'{query:02d}.png'
    assert [Path(p).name for p in meta['support_img_paths']
            ] == [f'{s:02d}.png' for s in info['supports']]
    assert meta['support_img_shapes'][info['supports'].index(5)] == (10, 12)


def test_test_pipeline_keeps_query_label_and_resizes_supports(fss_root):
    pipeline = [
        dict(type='LoadImageFromFile'),
        dict(type='Resize', scale=(16, 16), keep_ratio=False),
        dict(type='LoadAnnotations')
    ]
    ds = make(fss_root, pipeline, shot=1, num_episodes=50)
    for i in range(50):
        info = ds.get_episode_info(i)
        if info['query'] == 7 and info['supports'] == [4]:
            break
    sample = ds[i]['data_samples']
    assert ds[i]['inputs'].shape == (2, 3, 16, 16)
    assert sample.gt_sem_seg.shape == (8, 8)  # the label file's size
    assert sample.ori_shape == (8, 8) and sample.img_shape == (16, 16)
    expected = np.kron((fss_label(4) == C).astype(np.int64),
                       np.ones((2, 2), dtype=np.int64))
    assert torch.equal(sample.gt_support_seg.data[0],
                       torch.from_numpy(expected))


@pytest.mark.parametrize('shot', [1, 5])
def test_toy_shapes(toy_data_root, shot):
    ds = EpisodicDataset(
        dataset=dict(
            type='ToySegDataset',
            data_root=str(toy_data_root),
            data_prefix=dict(
                img_path='img_dir/train', seg_map_path='ann_dir/train'),
            serialize_data=False,
            pipeline=LOAD + [dict(type='RandomFlip', prob=0.5)]),
        shot=shot,
        mode='test',
        fold=1,
        num_folds=3,
        ignore_classes=[0],
        min_pixels=64,
        num_episodes=3)
    assert ds.episode_classes == (2, )
    assert ds.metainfo['classes'][2] == 'ellipse'
    episode = ds[2]
    assert episode['inputs'].shape == (shot + 1, 3, 64, 64)
    sample = episode['data_samples']
    assert sample.gt_sem_seg.shape == (64, 64)
    assert sample.gt_support_seg.data.shape == (shot, 64, 64)
    assert set(sample.gt_support_seg.data.unique().tolist()) == {0, 1}
    assert (sample.gt_support_seg.data == 1).flatten(1).any(1).all()


# --- errors ------------------------------------------------------------------


@pytest.mark.parametrize('kwargs, match', [
    (dict(mode='val'), "mode must be one of .*'val'"),
    (dict(split_rule='pascal5i'), "split_rule must be one of .*'pascal5i'"),
    (dict(novel_in_train='ignore'), "novel_in_train .*'ignore'"),
    (dict(novel_classes=[7]), 'novel class 7 is not'),
    (dict(split_rule='contiguous', novel_classes=None, fold=3,
          num_folds=3), r'fold must be .*\[0, 3\).* 3'),
    (dict(shot=0), 'shot must be'),
    (dict(shot=3), r"class 3 \('c'\) has 3 eligible test images.*shot \+ 1 "
     r'= 4 \(shot=3\)'),
    (dict(mode='train'), r"class 1 \('a'\) has 2 eligible train images "
     r'\(>= 15 pixels, no novel class\)'),
])
def test_construction_errors(fss_root, kwargs, match):
    args = dict(kwargs)
    if args.get('mode') == 'train':
        args['shot'] = 2
    with pytest.raises(ValueError, match=match):
        make(fss_root, **args)


def test_pipeline_must_not_pack(fss_root):
    ds = make(fss_root, LOAD + [dict(type='PackSegInputs')])
    with pytest.raises(ValueError, match='must not pack'):
        ds[0]


def _write_fold_list(path, ds, **settings):
    fold_list = build_fold_list(
        ds.dataset, ds.pixels, settings=settings, eligible=ds.eligible)
    path.write_text(json.dumps(fold_list))
    return fold_list


def test_fold_list_file(fss_root, tmp_path):
    scanned = make(fss_root)
    fold_list = _write_fold_list(tmp_path / 'f.json', scanned, shot=1)
    assert fold_list['img_paths'][5] == 'img/05.png'
    assert fold_list['eligible']['3']['images'] == [4, 5, 7]
    loaded = make(fss_root, fold_list_file=str(tmp_path / 'f.json'))
    assert loaded.eligible[C].tolist() == [4, 5, 7]
    for i in range(20):
        assert loaded.get_episode_info(i) == scanned.get_episode_info(i)

    with pytest.raises(ValueError, match='shot=2 differs from the shot=1'):
        make(fss_root, shot=2, fold_list_file=str(tmp_path / 'f.json'))
    fold_list['img_paths'][3] = 'img/other.png'
    (tmp_path / 'g.json').write_text(json.dumps(fold_list))
    with pytest.raises(ValueError, match="image 3 is 'img/other.png'"):
        make(fss_root, fold_list_file=str(tmp_path / 'g.json'))
    with pytest.raises(FileNotFoundError, match='missing.json'):
        make(fss_root, fold_list_file=str(tmp_path / 'missing.json'))


def test_empty_support_mask_names_the_image(fss_root, tmp_path):
    scanned = make(fss_root, num_episodes=100)
    fold_list = _write_fold_list(tmp_path / 'f.json', scanned)
    # Claim that image 0 (no pixel of c) holds 30 pixels of c.
    fold_list['class_pixels']['3'].insert(0, [0, 30])
    (tmp_path / 'f.json').write_text(json.dumps(fold_list))
    ds = make(
        fss_root,
        num_episodes=100,
        support_retries=2,
        fold_list_file=str(tmp_path / 'f.json'))
    index = next(
        i for i in range(100) if ds.get_episode_info(i)['supports'] == [0])
    with pytest.raises(
            ValueError,
            match=r"support image '.*00\.png' has no "
            r"pixel of class 3 \('c'\).* 2 tries"):
        ds[index]


# --- the _base_ dataset configs ----------------------------------------------

CONFIG_DIR = Path(__file__).resolve().parents[2] / 'configs' / '_base_' / \
    'datasets'
CAMVID_ROOT = Path(__file__).resolve().parents[2] / '..' / 'shared' / \
    'data' / 'camvid'


@pytest.mark.parametrize('name, rule, crop', [
    ('pascal5i', 'pascal', (473, 473)),
    ('coco20i', 'coco', (633, 633)),
    ('camvid_fss', 'contiguous', (120, 160)),
    ('toy_fss', 'contiguous', (64, 64)),
])
def test_fss_configs(name, rule, crop):
    from mmengine import Config
    cfg = Config.fromfile(str(CONFIG_DIR / f'{name}.py'))
    assert cfg.fold == 0 and cfg.shot == 1 and cfg.crop_size == crop
    assert cfg.test_evaluator == dict(type='FewShotIoUMetric')
    for loader, mode in (('train_dataloader', 'train'), ('test_dataloader',
                                                         'test')):
        dataset = cfg[loader]['dataset']
        assert dataset.type == 'EpisodicDataset' and dataset.mode == mode
        assert dataset.split_rule == rule and dataset.fold == 0
    assert cfg.test_dataloader.dataset.num_episodes == (100 if name
                                                        == 'toy_fss' else 1000)
    assert not cfg.test_dataloader.persistent_workers
    if name == 'coco20i':
        classes = cfg.train_dataloader.dataset.dataset.metainfo.classes
        assert len(classes) == 81 and classes[1] == 'person'


def _config_dataset(name, loader, data_root, **kwargs):
    from mmengine import Config
    from mmseg.registry import DATASETS
    cfg = Config.fromfile(str(CONFIG_DIR / f'{name}.py'))
    dataset_cfg = cfg[loader]['dataset'].to_dict()
    dataset_cfg['dataset']['data_root'] = str(data_root)
    dataset_cfg.update(kwargs)
    return DATASETS.build(dataset_cfg)


def test_toy_fss_config_builds(toy_data_root):
    train = _config_dataset('toy_fss', 'train_dataloader', toy_data_root)
    assert train.episode_classes == (2, 3) and len(train) == 10000
    assert train[0]['inputs'].shape == (2, 3, 64, 64)
    test = _config_dataset(
        'toy_fss', 'test_dataloader', toy_data_root, fold=2, shot=2)
    assert test.episode_classes == (3, ) and test.seed == 321
    assert test[0]['data_samples'].gt_support_seg.data.shape == (2, 64, 64)


@pytest.mark.skipif(
    not CAMVID_ROOT.is_dir(), reason=f'CamVid not found at {CAMVID_ROOT}')
def test_camvid_fss_config_builds():
    test = _config_dataset(
        'camvid_fss', 'test_dataloader', CAMVID_ROOT, shot=5)
    assert test.novel_classes == (0, 1, 2, 3)
    episode = test[0]
    assert episode['inputs'].shape == (6, 3, 120, 160)
    sample = episode['data_samples']
    assert sample.gt_sem_seg.shape == (360, 480)  # evaluated at full size
    assert sample.gt_support_seg.data.shape == (5, 120, 160)
    train = _config_dataset('camvid_fss', 'train_dataloader', CAMVID_ROOT)
    assert train.base_classes == tuple(range(4, 11))
    c, h, w = train[0]['inputs'].shape[1:]
    assert (c, h, w) == (3, 120, 160)
