"""Tests of ``CamVidDataset`` on the real data and of its input checks."""
from pathlib import Path

import mmcv
import numpy as np
import pytest
from mmengine import Config
from mmengine.registry import init_default_scope

from mmseg_maskattn.datasets import CamVidDataset

REPO_ROOT = Path(__file__).resolve().parents[2]
CAMVID_ROOT = REPO_ROOT / '..' / 'shared' / 'data' / 'camvid'
CONFIG = REPO_ROOT / 'configs' / '_base_' / 'datasets' / 'camvid.py'

needs_camvid = pytest.mark.skipif(
    not CAMVID_ROOT.is_dir(), reason=f'CamVid not found at {CAMVID_ROOT}')

LOAD = [dict(type='LoadImageFromFile'), dict(type='LoadAnnotations')]


@pytest.fixture(autouse=True)
def mmseg_scope():
    init_default_scope('mmseg')


def _dataset_cfg(loader: str, data_root) -> dict:
    cfg = Config.fromfile(str(CONFIG))
    # The override documented in the config, as ``--cfg-options`` does it.
    cfg.merge_from_dict({f'{loader}.dataset.data_root': str(data_root)})
    return cfg[loader]['dataset'].to_dict()


@needs_camvid
@pytest.mark.parametrize('loader, num', [('train_dataloader', 367),
                                         ('val_dataloader', 101)])
def test_real_split_sizes(loader, num):
    from mmseg.registry import DATASETS
    dataset_cfg = _dataset_cfg(loader, CAMVID_ROOT)
    dataset_cfg['pipeline'] = []
    dataset = DATASETS.build(dataset_cfg)
    assert isinstance(dataset, CamVidDataset)
    assert len(dataset) == num
    assert len(dataset.metainfo['classes']) == 11
    assert len(dataset.metainfo['palette']) == 11
    assert dataset.metainfo['label_map'] == {11: 255}
    info = dataset.get_data_info(0)
    assert Path(info['img_path']).name == Path(info['seg_map_path']).name


@needs_camvid
def test_real_void_becomes_255():
    dataset = CamVidDataset(
        data_root=str(CAMVID_ROOT),
        data_prefix=dict(img_path='val', seg_map_path='valannot'),
        pipeline=LOAD)
    for idx in range(len(dataset)):
        raw = mmcv.imread(
            dataset.get_data_info(idx)['seg_map_path'], flag='unchanged')
        if (raw == 11).any():
            break
    else:
        pytest.fail('no CamVid val label with void (11) pixels')
    assert raw.ndim == 2 and raw.max() <= 11
    gt = dataset[idx]['gt_seg_map']
    assert gt.shape == raw.shape == (360, 480)
    assert set(np.unique(gt).tolist()) <= set(range(11)) | {255}
    assert (gt[raw == 11] == 255).all()
    assert (gt[raw != 11] == raw[raw != 11]).all()  # 0..10 unchanged
    assert (raw == 0).any()  # label 0 (Sky) is a class and stays 0


@needs_camvid
def test_real_class_subset_keeps_void_ignored():
    dataset = CamVidDataset(
        data_root=str(CAMVID_ROOT),
        data_prefix=dict(img_path='val', seg_map_path='valannot'),
        metainfo=dict(classes=('Sky', 'Road')),
        pipeline=LOAD,
        indices=1)
    assert dataset.label_map[0] == 0 and dataset.label_map[3] == 1
    assert dataset.label_map[11] == 255 and dataset.label_map[1] == 255
    assert set(np.unique(dataset[0]['gt_seg_map']).tolist()) <= {0, 1, 255}


@needs_camvid
def test_real_pipeline_shapes():
    from mmseg.registry import DATASETS
    val = DATASETS.build(_dataset_cfg('val_dataloader', CAMVID_ROOT))
    sample = val[0]
    assert sample['inputs'].shape == (3, 360, 480)
    gt = sample['data_samples'].gt_sem_seg.data
    assert gt.shape == (1, 360, 480)
    assert set(gt.unique().tolist()) <= set(range(11)) | {255}

    train = DATASETS.build(_dataset_cfg('train_dataloader', CAMVID_ROOT))
    for idx in range(2):
        sample = train[idx]
        c, h, w = sample['inputs'].shape
        assert c == 3 and h <= 360 and w <= 480
        gt = sample['data_samples'].gt_sem_seg.data
        assert tuple(gt.shape) == (1, h, w)
        assert set(gt.unique().tolist()) <= set(range(11)) | {255}


# --- bad input, on a tiny fake CamVid in tmp_path (camvid_root) -----------


def _build(root, **kwargs) -> CamVidDataset:
    kwargs.setdefault('data_prefix',
                      dict(img_path='train', seg_map_path='trainannot'))
    return CamVidDataset(data_root=str(root), pipeline=LOAD, **kwargs)


def test_fake_camvid_loads(camvid_root):
    dataset = _build(camvid_root)
    assert len(dataset) == 2
    gt = dataset[0]['gt_seg_map']
    raw = mmcv.imread(
        str(camvid_root / 'trainannot' / 'a.png'), flag='unchanged')
    assert (gt[raw == 11] == 255).all()
    assert (gt[raw != 11] == raw[raw != 11]).all()


def test_missing_data_root(tmp_path):
    missing = tmp_path / 'nowhere'
    with pytest.raises(FileNotFoundError, match='data_root') as info:
        _build(missing)
    assert str(missing) in str(info.value)


@pytest.mark.parametrize('prefix, what', [
    (dict(img_path='nope', seg_map_path='trainannot'), 'image folder'),
    (dict(img_path='train', seg_map_path='nope'), 'label folder'),
])
def test_missing_folder(camvid_root, prefix, what):
    with pytest.raises(FileNotFoundError, match=what) as info:
        _build(camvid_root, data_prefix=prefix)
    assert str(camvid_root / 'nope') in str(info.value)


def test_empty_image_folder(camvid_root):
    (camvid_root / 'empty').mkdir()
    (camvid_root / 'empty' / 'readme.txt').write_text('not an image')
    with pytest.raises(FileNotFoundError, match='no images') as info:
        _build(
            camvid_root,
            data_prefix=dict(img_path='empty', seg_map_path='val'))
    assert str(camvid_root / 'empty') in str(info.value)


def test_image_without_label(camvid_root):
    (camvid_root / 'trainannot' / 'b.png').unlink()
    with pytest.raises(FileNotFoundError, match='has no label file') as info:
        _build(camvid_root)
    assert str(camvid_root / 'train' / 'b.png') in str(info.value)
    assert str(camvid_root / 'trainannot' / 'b.png') in str(info.value)


def test_reduce_zero_label_rejected(camvid_root):
    with pytest.raises(ValueError, match='reduce_zero_label'):
        _build(camvid_root, reduce_zero_label=True)


@pytest.mark.parametrize('which, content', [
    ('trainannot', b'\x89PNG\r\n\x1a\n not really a png'),
    ('trainannot', b''),
    ('train', b'garbage bytes'),
])
def test_corrupt_file_named_at_load(camvid_root, which, content):
    bad = camvid_root / which / 'b.png'
    bad.write_bytes(content)
    dataset = _build(camvid_root)  # construction only checks that files exist
    dataset[0]  # the intact sample loads
    with pytest.raises(OSError) as info:
        dataset[1]
    assert str(bad) in str(info.value)


def test_truncated_label_named_at_load(camvid_root):
    bad = camvid_root / 'trainannot' / 'a.png'
    bad.write_bytes(bad.read_bytes()[:40])
    dataset = _build(camvid_root, test_mode=True)
    with pytest.raises(OSError) as info:
        dataset[0]
    assert str(bad) in str(info.value)


def test_background_first_collects_the_unlisted_classes(camvid_root):
    classes = ('background', 'Road', 'Sky')
    dataset = _build(camvid_root, metainfo=dict(classes=classes))
    raw = mmcv.imread(
        str(camvid_root / 'trainannot' / 'a.png'), flag='unchanged')
    gt = dataset[0]['gt_seg_map']
    expected = np.zeros_like(raw)  # every unlisted class -> 0
    expected[raw == 3] = 1  # Road
    expected[raw == 0] = 2  # Sky
    expected[raw == 11] = 255  # void stays ignored
    np.testing.assert_array_equal(gt, expected)
    assert dataset.metainfo['classes'] == classes
    assert dataset.metainfo['palette'] == [[0, 0, 0], [128, 64, 128],
                                           [128, 128, 128]]


@pytest.mark.parametrize('classes, match', [
    (('Road', 'background'), 'must be the first class'),
    (('background', 'Road', 'background'), 'only once'),
    (('background', 'Road', 'Lake'), 'Lake'),
    (('background', 'Road', 'Road'), 'distinct'),
])
def test_bad_background_class_list(camvid_root, classes, match):
    with pytest.raises(ValueError, match=match):
        _build(camvid_root, metainfo=dict(classes=classes))
