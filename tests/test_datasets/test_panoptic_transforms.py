"""Tests of the panoptic transforms on hand-made 6x6 maps."""
from pathlib import Path

import numpy as np
import pytest
from mmcv.transforms import Compose
from mmengine.registry import init_default_scope
from PIL import Image

from mmseg_maskattn.datasets.transforms import (LoadInstanceAnnotations,
                                                PackPanopticSegInputs,
                                                PadSegFields)
from mmseg_maskattn.evaluation.metrics.panoptic_quality_metric import (
    pq_stats, summarize_pq)

# Columns 0 | 1 | 2-3 | 4 | 5: instance 5 (rows 0-2) lives in column 0 only,
# instance 9 (rows 3-5) in column 5 only, instance 300 (a uint16 id above
# 255) in columns 2-3. Any 3 columns wide crop loses instance 5 or 9.
INST = np.array([
    [5, 0, 300, 300, 0, 0],
    [5, 0, 300, 300, 0, 0],
    [5, 0, 300, 300, 0, 0],
    [0, 0, 300, 300, 0, 9],
    [0, 0, 300, 0, 0, 9],
    [0, 0, 0, 0, 0, 9],
],
                dtype=np.uint16)
THING = 1
CATEGORIES = [
    dict(id=0, name='background', isthing=0),
    dict(id=1, name='nucleus', isthing=1)
]


@pytest.fixture(autouse=True)
def mmseg_scope():
    init_default_scope('mmseg')


def _write(path: Path, arr: np.ndarray) -> str:
    Image.fromarray(arr).save(str(path), format='PNG')
    return str(path)


def _sample(tmp_path: Path, inst=INST, sem=None, img_shape=None) -> dict:
    """An image whose pixel value is 40 * column, plus its maps."""
    h, w = img_shape or inst.shape
    img = np.repeat((np.arange(w, dtype=np.uint8) * 40)[None], h, axis=0)
    results = dict(
        img_path=_write(tmp_path / 'img.png', np.stack([img] * 3, -1)),
        inst_map_path=_write(tmp_path / 'inst.png', inst),
        seg_map_path=None,
        thing_label_ids=[THING],
        reduce_zero_label=False,
        label_map=None,
        seg_fields=[])
    if sem is not None:
        results['seg_map_path'] = _write(tmp_path / 'sem.png', sem)
    return results


def _pipeline(*steps) -> Compose:
    return Compose([dict(type='LoadImageFromFile'), *steps])


def _check_consistent(sample, num_instances: int) -> list:
    """Check the packed maps against each other; return segments_info."""
    ds = sample['data_samples']
    sem = ds.gt_sem_seg.data[0].numpy()
    inst = ds.gt_instance_seg.data[0].numpy()
    pan = ds.gt_panoptic_seg.sem_seg[0].numpy()
    segments = ds.gt_panoptic_seg.segments_info
    assert ds.gt_instance_seg.data.dtype == ds.gt_panoptic_seg.sem_seg.dtype
    assert str(ds.gt_instance_seg.data.dtype) == 'torch.int64'
    # Instance indices are consecutive 1..K.
    assert sorted(set(np.unique(inst).tolist()) - {0}) == list(
        range(1, num_instances + 1))
    # Every id of the map is listed, with its pixel count, and vice versa.
    ids, counts = np.unique(pan, return_counts=True)
    listed = {s['id']: s for s in segments}
    assert len(listed) == len(segments)
    assert {int(i) for i in ids} - {0} == set(listed)
    for seg_id, count in zip(ids.tolist(), counts.tolist()):
        if seg_id:
            seg = listed[seg_id]
            assert seg['area'] == count and seg['iscrowd'] == 0
            assert (sem[pan == seg_id] == seg['category_id']).all()
            assert seg['isthing'] == int(seg['category_id'] == THING)
    # Instance k is panoptic segment k.
    assert ((inst > 0) == ((pan > 0) & (pan <= num_instances))).all()
    assert (pan[inst > 0] == inst[inst > 0]).all()
    stats = pq_stats(pan, segments, pan, segments, categories=CATEGORIES)
    summary = summarize_pq(stats, CATEGORIES)
    assert summary['All']['pq'] == pytest.approx(100.0)
    return segments


def test_load_from_instances(tmp_path):
    results = _pipeline(LoadInstanceAnnotations(semantic_from='instances'))(
        _sample(tmp_path))
    inst, sem = results['gt_instance_map'], results['gt_seg_map']
    assert inst.dtype == np.int32 and sem.dtype == np.uint8
    assert (inst == INST).all()  # 300 survives: read as 16 bit
    assert (sem == (INST > 0)).all()
    assert results['seg_fields'] == ['gt_seg_map', 'gt_instance_map']
    assert results['img'].shape == (6, 6, 3)


def test_crop_removes_an_instance(tmp_path):
    pipeline = _pipeline(
        dict(type='LoadInstanceAnnotations', semantic_from='instances'),
        dict(type='RandomCrop', crop_size=(6, 3)),
        dict(type='RandomFlip', prob=0.5), dict(type='PackPanopticSegInputs'))
    seen_offsets = set()
    for seed in range(12):
        np.random.seed(seed)
        sample = pipeline(_sample(tmp_path))
        img = sample['inputs'][0].numpy()
        assert img.shape == (6, 3)
        flipped = sample['data_samples'].flip
        cols = img[0, ::-1] if flipped else img[0]
        offset = int(cols[0]) // 40
        seen_offsets.add(offset)
        crop = INST[:, offset:offset + 3]
        if flipped:
            crop = crop[:, ::-1]
        kept = sorted(set(np.unique(crop).tolist()) - {0})
        assert len(kept) < 3  # one of the instances 5 and 9 is gone
        segments = _check_consistent(sample, len(kept))
        inst = sample['data_samples'].gt_instance_seg.data[0].numpy()
        # Indices follow the order of the original ids.
        for index, old_id in enumerate(kept, start=1):
            assert ((inst == index) == (crop == old_id)).all()
        assert len([s for s in segments if s['isthing']]) == len(kept)
        assert len([s for s in segments if not s['isthing']]) == 1
    assert len(seen_offsets) > 1


def test_pack_ignore_void_and_stuff(tmp_path):
    # Semantic from a file: class 2 is a second stuff class, 255 ignored;
    # a thing pixel without instance id is void.
    sem = np.array([
        [1, 0, 1, 1, 2, 2],
        [1, 0, 1, 1, 2, 2],
        [1, 0, 1, 1, 255, 255],
        [0, 0, 1, 1, 0, 1],
        [0, 0, 1, 1, 0, 1],
        [0, 0, 0, 0, 0, 1],
    ],
                   dtype=np.uint8)
    inst = INST.copy()
    inst[sem == 2] = 77  # a stuff region with an id of its own (toy data)
    pipeline = _pipeline(
        dict(type='LoadInstanceAnnotations', semantic_from='file'),
        dict(type='PackPanopticSegInputs'))
    sample = pipeline(_sample(tmp_path, inst=inst, sem=sem))
    ds = sample['data_samples']
    gt_inst = ds.gt_instance_seg.data[0].numpy()
    pan = ds.gt_panoptic_seg.sem_seg[0].numpy()
    assert (ds.gt_sem_seg.data[0].numpy() == sem).all()  # 255 stays 255
    assert (gt_inst[sem != 1] == 0).all()  # stuff id 77 and ignore -> 0
    assert (pan[sem == 255] == 0).all()
    assert pan[4, 3] == 0 and sem[4, 3] == 1  # thing pixel, no instance
    segments = ds.gt_panoptic_seg.segments_info
    assert [(s['id'], s['category_id'], s['isthing'])
            for s in segments] == [(1, 1, 1), (2, 1, 1), (3, 1, 1), (4, 0, 0),
                                   (5, 2, 0)]
    categories = CATEGORIES + [dict(id=2, name='sky', isthing=0)]
    stats = pq_stats(pan, segments, pan, segments, categories=categories)
    assert summarize_pq(stats, categories)['All']['pq'] == pytest.approx(100)


def test_resize_and_pad_keep_maps_aligned(tmp_path):
    pipeline = _pipeline(
        dict(type='LoadInstanceAnnotations', semantic_from='instances'),
        dict(type='Resize', scale=(9, 12), keep_ratio=False),
        dict(type='PadSegFields', size=(16, 10)),
        dict(type='PackPanopticSegInputs'))
    sample = pipeline(_sample(tmp_path))
    ds = sample['data_samples']
    assert sample['inputs'].shape == (3, 16, 10)
    sem = ds.gt_sem_seg.data[0].numpy()
    inst = ds.gt_instance_seg.data[0].numpy()
    assert sem.shape == inst.shape == (16, 10)
    assert (sem[12:] == 255).all() and (sem[:, 9:] == 255).all()
    assert (inst[12:] == 0).all() and (inst[:, 9:] == 0).all()
    valid = sem != 255
    assert ((sem[valid] == 1) == (inst[valid] > 0)).all()
    assert ds.img_shape == (12, 9) and ds.pad_shape[:2] == (16, 10)
    _check_consistent(sample, 3)


def test_pad_leaves_large_inputs(tmp_path):
    results = _pipeline(LoadInstanceAnnotations())(_sample(tmp_path))
    out = PadSegFields(size=4)(results)
    assert out['img'].shape == (6, 6, 3)
    assert (out['gt_instance_map'] == INST).all()
    with pytest.raises(ValueError, match='size'):
        PadSegFields(size=(0, 3))


def test_reset_ori_shape(tmp_path):
    pipeline = _pipeline(LoadInstanceAnnotations(),
                         dict(type='Resize', scale=(3, 3), keep_ratio=False),
                         PackPanopticSegInputs(reset_ori_shape=True))
    ds = pipeline(_sample(tmp_path))['data_samples']
    assert ds.ori_shape == (3, 3) == ds.gt_instance_seg.shape
    ds = _pipeline(LoadInstanceAnnotations(),
                   dict(type='Resize', scale=(3, 3), keep_ratio=False),
                   PackPanopticSegInputs())(_sample(tmp_path))['data_samples']
    assert ds.ori_shape == (6, 6)


def test_size_mismatch_names_both_files(tmp_path):
    results = _sample(tmp_path, img_shape=(6, 7))
    with pytest.raises(ValueError) as info:
        _pipeline(LoadInstanceAnnotations())(results)
    msg = str(info.value)
    assert results['img_path'] in msg and results['inst_map_path'] in msg
    assert '6x6' in msg and '6x7' in msg

    sem = np.zeros((5, 6), dtype=np.uint8)
    results = _sample(tmp_path, sem=sem)
    with pytest.raises(ValueError) as info:
        _pipeline(LoadInstanceAnnotations(semantic_from='file'))(results)
    assert results['img_path'] in str(info.value)
    assert results['seg_map_path'] in str(info.value)


@pytest.mark.parametrize('content',
                         [b'\x89PNG\r\n\x1a\n not a png', b'', None])
def test_unreadable_instance_map_named(tmp_path, content):
    results = _sample(tmp_path)
    bad = Path(results['inst_map_path'])
    if content is None:
        bad.unlink()
    else:
        bad.write_bytes(content)
    with pytest.raises(OSError) as info:
        _pipeline(LoadInstanceAnnotations())(results)
    assert str(bad) in str(info.value)


def test_truncated_semantic_map_named(tmp_path):
    results = _sample(tmp_path, sem=(INST > 0).astype(np.uint8))
    bad = Path(results['seg_map_path'])
    bad.write_bytes(bad.read_bytes()[:40])
    with pytest.raises(OSError) as info:
        _pipeline(LoadInstanceAnnotations(semantic_from='file'))(results)
    assert str(bad) in str(info.value)


def test_bad_maps_rejected(tmp_path):
    results = _sample(tmp_path)
    rgb = np.zeros((6, 6, 3), dtype=np.uint8)
    _write(Path(results['inst_map_path']), rgb)
    with pytest.raises(ValueError, match='single-channel') as info:
        _pipeline(LoadInstanceAnnotations())(results)
    assert results['inst_map_path'] in str(info.value)

    # An instance spanning two thing classes cannot get one category.
    sem = (INST > 0).astype(np.uint8)
    sem[0, 0] = 3
    results = _sample(tmp_path, sem=sem)
    results['thing_label_ids'] = [1, 3]
    pipeline = _pipeline(
        LoadInstanceAnnotations(semantic_from='file'), PackPanopticSegInputs())
    with pytest.raises(ValueError, match='instance id 5') as info:
        pipeline(results)
    assert results['img_path'] in str(info.value)


def test_missing_keys_and_bad_args(tmp_path):
    results = _sample(tmp_path)
    del results['thing_label_ids']
    out = _pipeline(LoadInstanceAnnotations())(results)  # not needed here
    with pytest.raises(KeyError, match='thing_label_ids'):
        PackPanopticSegInputs()(out)
    packed = PackPanopticSegInputs(thing_label_ids=[1])(out)
    assert packed['data_samples'].gt_instance_seg.data.max() == 3
    results = _sample(tmp_path)
    with pytest.raises(KeyError, match='seg_map_path'):
        _pipeline(LoadInstanceAnnotations(semantic_from='file'))(results)
    del results['inst_map_path']
    with pytest.raises(KeyError, match='inst_map_path'):
        _pipeline(LoadInstanceAnnotations())(results)
    with pytest.raises(ValueError, match='semantic_from'):
        LoadInstanceAnnotations(semantic_from='panoptic')
    with pytest.raises(ValueError, match='thing_class'):
        LoadInstanceAnnotations(thing_class=256)


# --- crowd regions ----------------------------------------------------------


def _mark_crowd(*ids):
    """A pipeline step that lists ``ids`` as crowd regions."""

    def step(results: dict) -> dict:
        results['crowd_instance_ids'] = list(ids)
        return results

    return step


def test_pack_crowd_region(tmp_path):
    pipeline = _pipeline(
        dict(type='LoadInstanceAnnotations', semantic_from='instances'),
        _mark_crowd(300, 1234), dict(type='PackPanopticSegInputs'))
    ds = pipeline(_sample(tmp_path))['data_samples']
    inst = ds.gt_instance_seg.data[0].numpy()
    pan = ds.gt_panoptic_seg.sem_seg[0].numpy()
    # Instances 5, 9 -> 1, 2; crowd 300 -> no instance, panoptic id 3 (after
    # the K = 2 instances); background stuff -> 4. Id 1234 is absent.
    expected_inst = np.select([INST == 5, INST == 9], [1, 2], 0)
    assert (inst == expected_inst).all()
    expected_pan = np.select([INST == 5, INST == 9, INST == 300], [1, 2, 3], 4)
    assert (pan == expected_pan).all()
    assert (ds.gt_sem_seg.data[0].numpy() == (INST > 0)).all()
    segments = ds.gt_panoptic_seg.segments_info
    assert segments == [
        dict(id=1, category_id=1, iscrowd=0, area=3, isthing=1),
        dict(id=2, category_id=1, iscrowd=0, area=3, isthing=1),
        dict(id=3, category_id=1, iscrowd=1, area=9, isthing=1),
        dict(id=4, category_id=0, iscrowd=0, area=21, isthing=0),
    ]
    stats = pq_stats(pan, segments, pan, segments, categories=CATEGORIES)
    summary = summarize_pq(stats, CATEGORIES)
    assert summary['All']['pq'] == pytest.approx(100.0)
    assert stats['tp'].tolist() == [1, 2]  # the crowd region is no TP


def test_crowd_regions_survive_crop_and_flip(tmp_path):
    pipeline = _pipeline(
        dict(type='LoadInstanceAnnotations', semantic_from='instances'),
        _mark_crowd(5, 300), dict(type='RandomCrop', crop_size=(6, 3)),
        dict(type='RandomFlip', prob=0.5), dict(type='PackPanopticSegInputs'))
    for seed in range(8):
        np.random.seed(seed)
        sample = pipeline(_sample(tmp_path))
        ds = sample['data_samples']
        img = sample['inputs'][0].numpy()
        cols = img[0, ::-1] if ds.flip else img[0]
        offset = int(cols[0]) // 40
        crop = INST[:, offset:offset + 3]
        if ds.flip:
            crop = crop[:, ::-1]
        inst = ds.gt_instance_seg.data[0].numpy()
        pan = ds.gt_panoptic_seg.sem_seg[0].numpy()
        segments = {s['id']: s for s in ds.gt_panoptic_seg.segments_info}
        num_inst = int((crop == 9).any())
        assert (inst == np.where(crop == 9, 1, 0)).all()  # 5 is crowd
        crowd_ids = [i for i in (5, 300) if (crop == i).any()]
        assert 300 in crowd_ids  # columns 2-3: in every 3 columns wide crop
        for k, old_id in enumerate(crowd_ids, start=num_inst + 1):
            assert ((pan == k) == (crop == old_id)).all()
            assert segments[k]['iscrowd'] == 1 and segments[k]['isthing'] == 1
            assert segments[k]['area'] == int((crop == old_id).sum())
        assert [s['iscrowd'] for s in segments.values()
                if s['isthing']] == [0] * num_inst + [1] * len(crowd_ids)


def test_crowd_ids_checked(tmp_path):
    sem = (INST > 0).astype(np.uint8)
    sem[0, 0] = 3  # crowd 5 spans the thing classes 1 and 3
    results = _sample(tmp_path, sem=sem)
    results['thing_label_ids'] = [1, 3]
    pipeline = _pipeline(
        LoadInstanceAnnotations(semantic_from='file'), _mark_crowd(5),
        PackPanopticSegInputs())
    with pytest.raises(ValueError, match='crowd region id 5'):
        pipeline(results)

    # A numpy array of ids is accepted; 0 (no instance) is ignored.
    results = _pipeline(LoadInstanceAnnotations())(_sample(tmp_path))
    results['crowd_instance_ids'] = np.array([9, 0])
    segments = PackPanopticSegInputs()(
        results)['data_samples'].gt_panoptic_seg.segments_info
    assert [s['iscrowd'] for s in segments] == [0, 0, 1, 0]
    results['crowd_instance_ids'] = ['9']
    with pytest.raises(TypeError, match='crowd_instance_ids'):
        PackPanopticSegInputs()(results)
