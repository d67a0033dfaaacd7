"""Tiny fake datasets in ``tmp_path``, one fixture per dataset layout.

Each fixture writes a fresh tree (tests may damage it); the ids that the
tests of a dataset check against live in the matching ``_*_data.py``.
"""
from pathlib import Path

import mmcv
import numpy as np
import pytest
from PIL import Image

from tests.test_datasets._ade20k_data import write_fake_ade
from tests.test_datasets._cityscapes_data import write_fake_cityscapes
from tests.test_datasets._coco_data import write_fake_coco


@pytest.fixture
def coco_root(tmp_path) -> Path:
    """COCO panoptic val2017 images 'a' (32x32) and 'b' (24x40)."""
    return write_fake_coco(tmp_path / 'coco')


@pytest.fixture
def ade_root(tmp_path) -> Path:
    """ADE20K panoptic: two 32x32 validation images."""
    return write_fake_ade(tmp_path / 'ADEChallengeData2016')


@pytest.fixture
def city_root(tmp_path) -> Path:
    """Cityscapes: two 32x32 val frames with ``instanceIds`` maps."""
    return write_fake_cityscapes(tmp_path / 'cityscapes')


@pytest.fixture
def camvid_root(tmp_path) -> Path:
    """CamVid: images 'a' and 'b' (12x16, random labels 0-11, 11 = void)
    in both the train and the val split."""
    root = tmp_path / 'camvid'
    rng = np.random.default_rng(0)
    for split, ann in (('train', 'trainannot'), ('val', 'valannot')):
        (root / split).mkdir(parents=True)
        (root / ann).mkdir()
        for name in ('a', 'b'):
            img = rng.integers(0, 256, size=(12, 16, 3), dtype=np.uint8)
            label = rng.integers(0, 12, size=(12, 16), dtype=np.uint8)
            mmcv.imwrite(img, str(root / split / f'{name}.png'))
            mmcv.imwrite(label, str(root / ann / f'{name}.png'))
    return root


@pytest.fixture
def dsb_root(tmp_path) -> Path:
    """DSB2018 (96x160): RGB image 'a', grayscale 'b', grayscale 'empty'
    without nuclei, all listed in ``train.txt``."""
    root = tmp_path / 'dsb2018'
    ids = ('a', 'b', 'empty')
    (root / 'images').mkdir(parents=True)
    (root / 'instances').mkdir()
    rng = np.random.default_rng(0)
    for name in ids:
        shape = (96, 160)
        img = rng.integers(
            0,
            256,
            size=shape + ((3, ) if name == 'a' else ()),
            dtype=np.uint8)
        Image.fromarray(img).save(root / 'images' / f'{name}.png')
        inst = np.zeros(shape, dtype=np.uint16)
        if name != 'empty':
            inst[10:30, 10:40] = 1
            inst[50:80, 100:150] = 300
        Image.fromarray(inst).save(root / 'instances' / f'{name}.png')
    (root / 'train.txt').write_text('\n'.join(ids) + '\n')
    return root
