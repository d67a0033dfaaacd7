"""One harness for every dataset and transform this package registers into
mmseg's DATASETS and TRANSFORMS.

For each registered class: build it from a config dict through the
registry, run it on the tiny data of a fixture (``toy_data_root`` of
``tests/conftest.py``, the fake dataset trees of ``conftest.py`` here),
check the keys and shapes of its output and check that bad configs fail at
build time with an error naming the offending key or value. The per-class
tests check the values.
"""
import shutil
from pathlib import Path
from typing import Callable, Dict, List, NamedTuple, Optional

import numpy as np
import pytest
from PIL import Image
from mmengine.registry import init_default_scope
from mmseg.registry import DATASETS, TRANSFORMS

import mmseg_maskattn  # noqa: F401

LOAD_IMG = dict(type='LoadImageFromFile')
LOAD_TOY_INSTANCES = dict(type='LoadInstanceAnnotations', semantic_from='file')
SEMANTIC = ('data_samples.gt_sem_seg.data', )
PANOPTIC = SEMANTIC + ('data_samples.gt_instance_seg.data',
                       'data_samples.gt_panoptic_seg.sem_seg')
# errors a bad config may raise; a missing folder is a FileNotFoundError
CONFIG_ERRORS = (ValueError, TypeError, KeyError, FileNotFoundError)


class DatasetSpec(NamedTuple):
    root: str  # the fixture that writes the data
    cfg: Callable[[Path], dict]  # data root -> config
    length: int
    # paths (keys, then attributes) in the first sample -> shape
    shapes: Dict[str, tuple]
    bad: List[tuple]  # (cfg update, text that the error must contain)


class TransformSpec(NamedTuple):
    cfg: dict
    root: str
    # data root -> config of a dataset whose first sample (its pipeline
    # run) is the input of the transform
    source: Callable[[Path], dict]
    # keys of the output -> shape (None: the key must be there)
    shapes: Dict[str, Optional[tuple]]
    bad: List[tuple]


def _maps(paths, size) -> Dict[str, tuple]:
    """``(1, H, W)`` for each packed map of ``paths``."""
    return {path: (1, ) + size for path in paths}


def _toy(root: Path, pipeline: list) -> dict:
    """The 4 toy val images (64x64), semantic labels."""
    return dict(
        type='ToySegDataset',
        data_root=str(root),
        data_prefix=dict(img_path='img_dir/val', seg_map_path='ann_dir/val'),
        pipeline=pipeline)


def _toy_panoptic(root: Path, pipeline: list) -> dict:
    """The 4 toy val images with their panoptic ids."""
    return dict(
        type='ToyPanopticDataset',
        data_root=str(root),
        data_prefix=dict(
            img_path='img_dir/val',
            seg_map_path='ann_dir/val',
            inst_map_path='panoptic/val'),
        pipeline=pipeline)


def _coco(root: Path, pipeline: list) -> dict:
    """The fake COCO panoptic val2017 of ``coco_root``."""
    return dict(
        type='CocoPanopticSegDataset',
        data_root=str(root),
        ann_file='annotations/panoptic_val2017.json',
        data_prefix=dict(
            img_path='val2017', pan_map_path='annotations/panoptic_val2017'),
        pipeline=pipeline)


def _cityscapes(root: Path, pipeline: list) -> dict:
    """The fake Cityscapes val frames of ``city_root``."""
    return dict(
        type='CityscapesPanopticSegDataset',
        data_root=str(root),
        data_prefix=dict(img_path='leftImg8bit/val',
                         inst_map_path='gtFine/val'),
        pipeline=pipeline)


def _episodes(root: Path) -> dict:
    """1-shot test episodes of fold 0 (rectangles) of the toy data, with the
    settings of ``configs/_base_/datasets/toy_fss.py``."""
    return dict(
        type='EpisodicDataset',
        dataset=_toy(root, [LOAD_IMG, dict(type='LoadAnnotations')]),
        shot=1,
        mode='test',
        fold=0,
        split_rule='contiguous',
        num_folds=3,
        ignore_classes=[0],
        min_pixels=64,
        num_episodes=2)


DATASET_SPECS = {
    'ToySegDataset':
    DatasetSpec(
        'toy_data_root',
        lambda root: _toy(
            root,
            [LOAD_IMG, dict(type='LoadAnnotations'),
             dict(type='PackSegInputs')]), 4,
        dict(inputs=(3, 64, 64), **_maps(SEMANTIC, (64, 64))),
        [(dict(reduce_zero_label=True), 'reduce_zero_label'),
         (dict(data_prefix=dict(img_path='img_dir/nope',
                                seg_map_path='ann_dir/val')), 'img_dir/nope'),
         (dict(bogus=1), 'bogus')]),
    'ToyPanopticDataset':
    DatasetSpec(
        'toy_data_root',
        lambda root: _toy_panoptic(
            root, [LOAD_IMG, LOAD_TOY_INSTANCES,
                   dict(type='PackPanopticSegInputs')]), 4,
        dict(inputs=(3, 64, 64), **_maps(PANOPTIC, (64, 64))),
        [(dict(reduce_zero_label=True), 'reduce_zero_label'),
         (dict(data_prefix=dict(img_path='img_dir/val',
                                seg_map_path='ann_dir/val')), 'inst_map_path'),
         (dict(bogus=1), 'bogus')]),
    'CocoPanopticSegDataset':
    DatasetSpec(
        'coco_root',
        lambda root: _coco(
            root, [LOAD_IMG, dict(type='LoadPanopticAnnotations'),
                   dict(type='PackPanopticSegInputs')]), 2,
        dict(inputs=(3, 32, 32), **_maps(PANOPTIC, (32, 32))),
        [(dict(data_prefix=dict(img_path='val2017')), 'pan_map_path'),
         (dict(ann_file=''), 'ann_file'),
         (dict(reduce_zero_label=True), 'reduce_zero_label'),
         (dict(bogus=1), 'bogus')]),
    'ADE20KPanopticSegDataset':
    DatasetSpec(
        'ade_root',
        lambda root: dict(
            type='ADE20KPanopticSegDataset',
            data_root=str(root),
            ann_file='ade20k_panoptic_val.json',
            data_prefix=dict(
                img_path='images/validation',
                pan_map_path='ade20k_panoptic_val'),
            pipeline=[LOAD_IMG, dict(type='LoadPanopticAnnotations'),
                      dict(type='PackPanopticSegInputs')]), 2,
        dict(inputs=(3, 32, 32), **_maps(PANOPTIC, (32, 32))),
        [(dict(data_prefix=dict(img_path='images/validation')),
          'pan_map_path'),
         (dict(ann_file='nope.json'), 'nope.json'),
         (dict(reduce_zero_label=True), 'reduce_zero_label'),
         (dict(bogus=1), 'bogus')]),
    'CityscapesPanopticSegDataset':
    DatasetSpec(
        'city_root',
        lambda root: _cityscapes(
            root, [LOAD_IMG, dict(type='LoadCityscapesPanopticAnnotations'),
                   dict(type='PackPanopticSegInputs')]), 2,
        dict(inputs=(3, 32, 32), **_maps(PANOPTIC, (32, 32))),
        [(dict(data_prefix=dict(img_path='leftImg8bit/val')),
          'inst_map_path'),
         (dict(data_prefix=dict(img_path='leftImg8bit/val',
                                inst_map_path='gtFine/val',
                                seg_map_path='gtFine/val')), 'seg_map_path'),
         (dict(reduce_zero_label=True), 'reduce_zero_label'),
         (dict(bogus=1), 'bogus')]),
    'DSB2018Dataset':
    DatasetSpec(
        'dsb_root',
        lambda root: dict(
            type='DSB2018Dataset',
            data_root=str(root),
            ann_file='train.txt',
            pipeline=[
                LOAD_IMG,
                dict(type='LoadInstanceAnnotations',
                     semantic_from='instances'),
                dict(type='PackPanopticSegInputs')
            ]), 3,
        dict(inputs=(3, 96, 160), **_maps(PANOPTIC, (96, 160))),
        [(dict(data_prefix=dict(img_path='images',
                                inst_map_path='instances',
                                seg_map_path='instances')), 'seg_map_path'),
         (dict(ann_file='nope.txt'), 'nope.txt'),
         (dict(reduce_zero_label=True), 'reduce_zero_label'),
         (dict(bogus=1), 'bogus')]),
    'CamVidDataset':
    DatasetSpec(
        'camvid_root',
        lambda root: dict(
            type='CamVidDataset',
            data_root=str(root),
            data_prefix=dict(img_path='train', seg_map_path='trainannot'),
            pipeline=[LOAD_IMG, dict(type='LoadAnnotations'),
                      dict(type='PackSegInputs')]), 2,
        dict(inputs=(3, 12, 16), **_maps(SEMANTIC, (12, 16))),
        [(dict(reduce_zero_label=True), 'reduce_zero_label'),
         (dict(metainfo=dict(classes=('background', 'Road', 'Lake'))),
          'Lake'),
         (dict(bogus=1), 'bogus')]),
    'EpisodicDataset':
    DatasetSpec(
        'toy_data_root', _episodes, 2,
        dict(inputs=(2, 3, 64, 64), **_maps(
            SEMANTIC + ('data_samples.gt_support_seg.data', ), (64, 64))),
        [(dict(mode='eval'), 'mode'), (dict(shot=0), 'shot'),
         (dict(split_rule='random'), 'split_rule'),
         (dict(novel_in_train='keep'), 'novel_in_train'),
         (dict(fold=3), 'fold'), (dict(bogus=1), 'bogus')]),
}

TRANSFORM_SPECS = {
    'CheckSegMap':
    TransformSpec(
        dict(type='CheckSegMap', num_classes=4), 'toy_data_root',
        lambda root: _toy(root, [LOAD_IMG, dict(type='LoadAnnotations')]),
        dict(gt_seg_map=(64, 64)),
        [(dict(num_classes=0), 'num_classes'),
         (dict(ignore_index='void'), 'ignore_index'),
         (dict(bogus=1), 'bogus')]),
    'LoadInstanceAnnotations':
    TransformSpec(
        LOAD_TOY_INSTANCES, 'toy_data_root',
        lambda root: _toy_panoptic(root, [LOAD_IMG]),
        dict(gt_seg_map=(64, 64), gt_instance_map=(64, 64)),
        [(dict(semantic_from='json'), 'semantic_from'),
         (dict(thing_class=256), 'thing_class'),
         (dict(thing_class=0), 'background_class'),
         (dict(thing_label_ids=['a']), 'thing_label_ids'),
         (dict(bogus=1), 'bogus')]),
    'LoadPanopticAnnotations':
    TransformSpec(
        dict(type='LoadPanopticAnnotations'), 'coco_root',
        lambda root: _coco(root, [LOAD_IMG]),
        dict(gt_seg_map=(32, 32), gt_instance_map=(32, 32),
             crowd_instance_ids=None), [(dict(bogus=1), 'bogus')]),
    'LoadCityscapesPanopticAnnotations':
    TransformSpec(
        dict(type='LoadCityscapesPanopticAnnotations'), 'city_root',
        lambda root: _cityscapes(root, [LOAD_IMG]),
        dict(gt_seg_map=(32, 32), gt_instance_map=(32, 32),
             crowd_instance_ids=None), [(dict(bogus=1), 'bogus')]),
    'PackPanopticSegInputs':
    TransformSpec(
        dict(type='PackPanopticSegInputs'), 'toy_data_root',
        lambda root: _toy_panoptic(root, [LOAD_IMG, LOAD_TOY_INSTANCES]),
        dict(inputs=(3, 64, 64), **_maps(PANOPTIC, (64, 64))),
        [(dict(thing_label_ids='things'), 'thing_label_ids'),
         (dict(thing_label_ids=[1.5]), 'thing_label_ids'),
         (dict(bogus=1), 'bogus')]),
    'PadSegFields':
    TransformSpec(
        dict(type='PadSegFields', size=(80, 72)), 'toy_data_root',
        lambda root: _toy_panoptic(root, [LOAD_IMG, LOAD_TOY_INSTANCES]),
        dict(img=(80, 72, 3), gt_seg_map=(80, 72), gt_instance_map=(80, 72),
             pad_shape=None),
        [(dict(size=0), 'size'), (dict(size=(80, )), 'size'),
         (dict(bogus=1), 'bogus')]),
}


@pytest.fixture(autouse=True)
def mmseg_scope():
    init_default_scope('mmseg')


def _ours(registry) -> List[str]:
    return sorted(name for name, cls in registry.module_dict.items()
                  if cls.__module__.startswith('mmseg_maskattn'))


@pytest.mark.parametrize('registry,specs', [(DATASETS, DATASET_SPECS),
                                            (TRANSFORMS, TRANSFORM_SPECS)],
                         ids=['DATASETS', 'TRANSFORMS'])
def test_every_registered_class_has_a_spec(registry, specs):
    missing = set(_ours(registry)) - set(specs)
    assert not missing, f'add these classes to the harness: {missing}'


def _get(obj, path: str):
    """``path``'s value in ``obj``: dict keys, then attributes."""
    for key in path.split('.'):
        obj = obj[key] if isinstance(obj, dict) else getattr(obj, key)
    return obj


def _check_shapes(out: dict, shapes: Dict[str, Optional[tuple]]) -> None:
    for path, shape in shapes.items():
        value = _get(out, path)
        if shape is not None:
            assert tuple(value.shape) == shape, path


@pytest.mark.parametrize('name', sorted(DATASET_SPECS))
def test_dataset_builds_and_loads(name, request):
    spec = DATASET_SPECS[name]
    root = request.getfixturevalue(spec.root)
    dataset = DATASETS.build(spec.cfg(root))
    assert type(dataset).__name__ == name
    assert len(dataset) == spec.length
    sample = dataset[0]
    assert set(sample) == {'inputs', 'data_samples'}
    _check_shapes(sample, spec.shapes)


@pytest.mark.parametrize(
    'name,update,text',
    [(n, u, t) for n in sorted(DATASET_SPECS)
     for u, t in DATASET_SPECS[n].bad])
def test_bad_dataset_config_names_the_key(name, update, text, request):
    spec = DATASET_SPECS[name]
    cfg = dict(spec.cfg(request.getfixturevalue(spec.root)), **update)
    with pytest.raises(CONFIG_ERRORS) as err:
        DATASETS.build(cfg)
    assert text in str(err.value)


@pytest.mark.parametrize('name', sorted(TRANSFORM_SPECS))
def test_transform_builds_and_runs(name, request):
    spec = TRANSFORM_SPECS[name]
    root = request.getfixturevalue(spec.root)
    results = DATASETS.build(spec.source(root))[0]
    transform = TRANSFORMS.build(spec.cfg)
    assert type(transform).__name__ == name
    out = transform(results)
    _check_shapes(out, spec.shapes)


@pytest.mark.parametrize(
    'name,update,text',
    [(n, u, t) for n in sorted(TRANSFORM_SPECS)
     for u, t in TRANSFORM_SPECS[n].bad])
def test_bad_transform_config_names_the_key(name, update, text):
    with pytest.raises(CONFIG_ERRORS) as err:
        TRANSFORMS.build(dict(TRANSFORM_SPECS[name].cfg, **update))
    assert text in str(err.value)


# data_info keys of the files a label map is read from, and the key of the
# files that hold semantic class ids as they are (a planted id 42 must be
# refused there; elsewhere the ids come through a category table)
LABEL_KEYS = ('seg_map_path', 'pan_map_path', 'inst_map_path')
SEMANTIC_KEY = 'seg_map_path'


def _label_files(dataset) -> Dict[str, set]:
    """key -> label files of every sample (of the wrapped dataset for
    episodes)."""
    base = getattr(dataset, 'dataset', dataset)
    files = {}
    for i in range(len(base)):
        info = base.get_data_info(i)
        for key in LABEL_KEYS:
            if info.get(key):
                files.setdefault(key, set()).add(info[key])
    return files


def _copy_root(spec, request, tmp_path) -> Path:
    src = request.getfixturevalue(spec.root)
    return Path(shutil.copytree(src, tmp_path / 'data'))


def _first_error(dataset):
    with pytest.raises((ValueError, OSError)) as err:
        for i in range(len(dataset)):
            dataset[i]
    return str(err.value)


@pytest.mark.parametrize('name', sorted(DATASET_SPECS))
def test_dataset_refuses_a_label_of_another_size(name, request, tmp_path):
    spec = DATASET_SPECS[name]
    root = _copy_root(spec, request, tmp_path)
    files = _label_files(DATASETS.build(spec.cfg(root)))
    assert files, f'{name}: no label files found'
    for paths in files.values():
        for path in paths:
            img = Image.open(path)
            img.load()
            w, h = img.size
            img.resize((w // 2, h // 2), Image.NEAREST).save(path)
    message = _first_error(DATASETS.build(spec.cfg(root)))
    assert any(p in message for ps in files.values() for p in ps), message


# datasets whose semantic ids come from instance or panoptic maps through a
# category table (no semantic label file to plant an id in)
IDS_FROM_TABLE = {
    'ADE20KPanopticSegDataset', 'CityscapesPanopticSegDataset',
    'CocoPanopticSegDataset', 'DSB2018Dataset'
}


@pytest.mark.parametrize('name', sorted(DATASET_SPECS))
def test_dataset_refuses_a_label_id_outside_its_classes(
        name, request, tmp_path):
    spec = DATASET_SPECS[name]
    root = _copy_root(spec, request, tmp_path)
    files = _label_files(DATASETS.build(spec.cfg(root))).get(SEMANTIC_KEY)
    if name in IDS_FROM_TABLE:
        assert not files, f'{name} reads semantic label files: test them'
        return
    assert files, f'{name}: no semantic label files'
    for path in files:
        label = np.array(Image.open(path))
        label[:2, :2] = 42
        Image.fromarray(label).save(path)
    message = _first_error(DATASETS.build(spec.cfg(root)))
    assert '42' in message and any(p in message for p in files), message
