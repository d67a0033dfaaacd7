"""Tests of ``DSB2018Dataset`` and its 128x128 panoptic base config."""
from pathlib import Path

import mmcv
import numpy as np
import pytest
from mmengine import Config
from mmengine.evaluator import Evaluator
from mmengine.registry import init_default_scope
from mmseg.registry import DATASETS
from PIL import Image

from mmseg_maskattn.datasets import DSB2018Dataset
from mmseg_maskattn.evaluation import pq_stats, summarize_pq

REPO_ROOT = Path(__file__).resolve().parents[2]
DSB_ROOT = REPO_ROOT / '..' / 'shared' / 'data' / 'dsb2018'
CONFIG = (
    REPO_ROOT / 'configs' / '_base_' / 'datasets' /
    'dsb2018_panoptic_128x128.py')
# The training image with the most nuclei (375 > 255: needs 16-bit ids),
# 1272x603 (W x H).
MANY_NUCLEI_ID = ('a102535b0e88374bea4a1cfd9ee7cb3822ff54f4ab2a9845d428ec22'
                  'f9ee2288')
MANY_NUCLEI = 375
# Another 1272x603 training image (289 nuclei).
WIDE_ID = '20b20ab049372d184c705acebe7af026d3580f5fd5a72ed796e3622e1685af2f'

needs_dsb = pytest.mark.skipif(
    not DSB_ROOT.is_dir(), reason=f'DSB2018 not found at {DSB_ROOT}')

LOAD = [
    dict(type='LoadImageFromFile'),
    dict(type='LoadInstanceAnnotations', semantic_from='instances')
]


@pytest.fixture(autouse=True)
def mmseg_scope():
    init_default_scope('mmseg')


def _dataset_cfg(loader: str, data_root) -> dict:
    cfg = Config.fromfile(str(CONFIG))
    # The override documented in the config, as ``--cfg-options`` does it.
    cfg.merge_from_dict({f'{loader}.dataset.data_root': str(data_root)})
    return cfg[loader]['dataset'].to_dict()


def _categories(meta: dict) -> list:
    return [
        dict(id=i, name=c, isthing=c in meta['thing_classes'])
        for i, c in enumerate(meta['classes'])
    ]


def _index_of(dataset, file_id: str) -> int:
    for idx in range(len(dataset)):
        if Path(dataset.get_data_info(idx)['img_path']).stem == file_id:
            return idx
    raise AssertionError(f'{file_id} not in the dataset')


def _check_packed(sample, size=(128, 128)) -> None:
    """Shapes, dtypes and self-consistency of one packed sample."""
    ds = sample['data_samples']
    assert tuple(sample['inputs'].shape) == (3, *size)
    sem = ds.gt_sem_seg.data[0].numpy()
    inst = ds.gt_instance_seg.data[0].numpy()
    pan = ds.gt_panoptic_seg.sem_seg[0].numpy()
    assert sem.shape == inst.shape == pan.shape == size
    assert str(ds.gt_instance_seg.data.dtype) == 'torch.int64'
    assert set(np.unique(sem).tolist()) <= {0, 1, 255}
    valid = sem != 255  # 255 only where PadSegFields padded
    assert ((sem[valid] == 1) == (inst[valid] > 0)).all()
    assert (inst[~valid] == 0).all() and (pan[~valid] == 0).all()
    num = int(inst.max())
    assert set(np.unique(inst).tolist()) - {0} == set(range(1, num + 1))
    segments = ds.gt_panoptic_seg.segments_info
    things = [s for s in segments if s['isthing']]
    assert [s['id'] for s in things] == list(range(1, num + 1))
    assert all(s['category_id'] == 1 for s in things)
    stuff = [s for s in segments if not s['isthing']]
    assert [s['category_id'] for s in stuff] == ([0] if
                                                 (sem == 0).any() else [])
    for seg in segments:
        assert (pan == seg['id']).sum() == seg['area'] > 0
    categories = _categories(DSB2018Dataset.METAINFO)
    stats = pq_stats(pan, segments, pan, segments, categories=categories)
    summary = summarize_pq(stats, categories)
    assert summary['All']['pq'] == pytest.approx(100.0)


@needs_dsb
@pytest.mark.parametrize('loader, num', [('train_dataloader', 531),
                                         ('val_dataloader', 133)])
def test_real_split_sizes(loader, num):
    dataset_cfg = _dataset_cfg(loader, DSB_ROOT)
    dataset_cfg['pipeline'] = []
    dataset = DATASETS.build(dataset_cfg)
    assert isinstance(dataset, DSB2018Dataset)
    assert len(dataset) == num
    meta = dataset.metainfo
    assert meta['classes'] == ('background', 'nucleus')
    assert meta['thing_classes'] == ('nucleus', )
    assert meta['stuff_classes'] == ('background', )
    assert len(meta['palette']) == 2
    info = dataset.get_data_info(0)
    assert info['seg_map_path'] is None
    assert info['thing_label_ids'] == [1]
    assert Path(info['img_path']).name == Path(info['inst_map_path']).name
    assert Path(info['inst_map_path']).parent.name == 'instances'


@needs_dsb
def test_real_grayscale_loads_as_3_channels():
    dataset = DSB2018Dataset(
        data_root=str(DSB_ROOT), ann_file='val.txt', pipeline=LOAD)
    for idx in range(len(dataset)):
        with Image.open(dataset.get_data_info(idx)['img_path']) as im:
            if im.mode == 'L':
                raw = np.asarray(im)
                break
    else:
        pytest.fail('no grayscale (L) image in the DSB2018 val split')
    results = dataset[idx]
    img = results['img']
    assert img.shape == (*raw.shape, 3) and img.dtype == np.uint8
    assert (img == raw[..., None]).all()  # the gray value in every channel
    assert results['gt_instance_map'].shape == raw.shape


@needs_dsb
def test_real_uint16_ids_survive():
    dataset = DSB2018Dataset(
        data_root=str(DSB_ROOT), ann_file='train.txt', pipeline=LOAD)
    idx = _index_of(dataset, MANY_NUCLEI_ID)
    path = dataset.get_data_info(idx)['inst_map_path']
    raw = mmcv.imread(path, flag='unchanged')
    assert raw.dtype == np.uint16
    results = dataset[idx]
    inst, sem = results['gt_instance_map'], results['gt_seg_map']
    assert inst.dtype == np.int32 and sem.dtype == np.uint8
    assert (inst == raw).all()
    assert inst.max() == MANY_NUCLEI > 255
    assert len(np.unique(inst)) - 1 == MANY_NUCLEI
    assert ((sem == 1) == (inst > 0)).all()
    assert results['seg_fields'] == ['gt_seg_map', 'gt_instance_map']


@needs_dsb
def test_real_pipelines_at_128():
    val = DATASETS.build(_dataset_cfg('val_dataloader', DSB_ROOT))
    for idx in (0, 1):
        sample = val[idx]
        _check_packed(sample)
        assert sample['data_samples'].ori_shape == (128, 128)

    train = DATASETS.build(_dataset_cfg('train_dataloader', DSB_ROOT))
    np.random.seed(0)
    indices = [
        0, 1, 2,
        _index_of(train, MANY_NUCLEI_ID),
        _index_of(train, WIDE_ID)
    ]
    for idx in indices:
        _check_packed(train[idx])


@needs_dsb
def test_real_evaluators_on_gt():
    """The config's evaluators accept the packed GT: mIoU = PQ = AP = 100."""
    cfg = Config.fromfile(str(CONFIG))
    val = DATASETS.build(_dataset_cfg('val_dataloader', DSB_ROOT))
    evaluator = Evaluator(list(cfg.val_evaluator))
    evaluator.dataset_meta = val.metainfo
    for idx in range(3):
        ds = val[idx]['data_samples']
        ds.pred_sem_seg = ds.gt_sem_seg.clone()
        pred = ds.gt_panoptic_seg.clone()
        # predicted segments carry a score, which mask AP ranks by
        pred.set_metainfo(
            dict(segments_info=[
                dict(seg, score=1.0) for seg in pred.segments_info
            ]))
        ds.pred_panoptic_seg = pred
        evaluator.process([ds])
    metrics = evaluator.evaluate(3)
    assert metrics['mIoU'] == pytest.approx(100.0)
    assert metrics['PQ'] == pytest.approx(100.0)
    assert metrics['PQ_th'] == pytest.approx(100.0)
    assert metrics['mask/mAP'] == pytest.approx(100.0)


# --- a tiny fake DSB2018 in tmp_path (dsb_root) ----------------------------


def test_fake_image_without_instances(dsb_root):
    dataset = DATASETS.build(
        _dataset_cfg('val_dataloader', dsb_root) | dict(ann_file='train.txt'))
    assert len(dataset) == 3
    for idx in range(3):
        _check_packed(dataset[idx])
    sample = dataset[2]
    ds = sample['data_samples']
    assert Path(ds.img_path).stem == 'empty'
    assert (ds.gt_instance_seg.data == 0).all()
    assert (ds.gt_sem_seg.data == 0).all()
    segments = ds.gt_panoptic_seg.segments_info
    assert [s for s in segments if s['isthing']] == []
    assert segments == [
        dict(id=1, category_id=0, iscrowd=0, area=128 * 128, isthing=0)
    ]


def test_fake_train_pipeline(dsb_root):
    dataset = DATASETS.build(_dataset_cfg('train_dataloader', dsb_root))
    np.random.seed(1)
    for _ in range(4):
        for idx in range(len(dataset)):
            _check_packed(dataset[idx])


def test_fake_missing_files_named(dsb_root):
    missing = dsb_root / 'instances' / 'b.png'
    missing.unlink()
    with pytest.raises(FileNotFoundError) as info:
        DSB2018Dataset(data_root=str(dsb_root), ann_file='train.txt')
    assert str(missing) in str(info.value)
    assert str(dsb_root / 'images' / 'b.png') in str(info.value)

    (dsb_root / 'train.txt').write_text('a\nnot_there\n')
    with pytest.raises(FileNotFoundError) as info:
        DSB2018Dataset(data_root=str(dsb_root), ann_file='train.txt')
    assert str(dsb_root / 'images' / 'not_there.png') in str(info.value)

    with pytest.raises(FileNotFoundError, match='ann_file'):
        DSB2018Dataset(data_root=str(dsb_root), ann_file='val.txt')


def test_fake_rejected_arguments(dsb_root):
    with pytest.raises(ValueError, match='seg_map_path'):
        DSB2018Dataset(
            data_root=str(dsb_root),
            data_prefix=dict(
                img_path='images',
                inst_map_path='instances',
                seg_map_path='instances'))
    with pytest.raises(ValueError, match='reduce_zero_label'):
        DSB2018Dataset(data_root=str(dsb_root), reduce_zero_label=True)


def test_fake_bad_instance_maps_named_at_load(dsb_root):
    bad = dsb_root / 'instances' / 'b.png'
    bad.write_bytes(b'garbage')
    small = dsb_root / 'instances' / 'a.png'
    Image.fromarray(np.zeros((95, 160), dtype=np.uint16)).save(small)
    dataset = DSB2018Dataset(
        data_root=str(dsb_root), ann_file='train.txt', pipeline=LOAD)
    with pytest.raises(OSError) as info:
        dataset[1]
    assert str(bad) in str(info.value)
    with pytest.raises(ValueError) as info:
        dataset[0]
    assert str(small) in str(info.value)
    assert str(dsb_root / 'images' / 'a.png') in str(info.value)
    assert '95x160' in str(info.value) and '96x160' in str(info.value)
