"""A tiny Cityscapes (two val frames) whose ``instanceIds`` are known.

Written by the ``city_root`` fixture of ``tests/test_datasets/conftest.py``;
the tests of ``CityscapesPanopticSegDataset`` read the ids below to write
down the expected maps.
"""
from pathlib import Path

import numpy as np
from PIL import Image

FRAMES = (('aachen', 'aachen_000000_000019'), ('bochum',
                                               'bochum_000000_000313'))


def instance_ids() -> np.ndarray:
    """32x32 instanceIds (labelId, or labelId * 1000 + k):

    rows 0-7 sky (23); rows 8-15 cars 26001 | 26002; rows 16-23 a person
    crowd (24, no instance index) | rider 25000 | caravan 29 (ignored) |
    unlabeled 0; rows 24-31 ground 6 (ignored) | road 7.
    """
    ids = np.zeros((32, 32), dtype=np.uint16)
    ids[:8] = 23
    ids[8:16, :16] = 26001
    ids[8:16, 16:] = 26002
    ids[16:24, :8] = 24
    ids[16:24, 8:16] = 25000
    ids[16:24, 16:24] = 29
    ids[24:, :8] = 6
    ids[24:, 8:] = 7
    return ids


def write_fake_cityscapes(root: Path) -> Path:
    """The frames of ``FRAMES`` in the val split, with random images.

    Args:
        root (Path): A directory that does not exist yet.

    Returns:
        Path: ``root``.
    """
    rng = np.random.default_rng(0)
    for city, frame in FRAMES:
        img_dir = root / 'leftImg8bit' / 'val' / city
        gt_dir = root / 'gtFine' / 'val' / city
        img_dir.mkdir(parents=True)
        gt_dir.mkdir(parents=True)
        img = rng.integers(0, 256, size=(32, 32, 3), dtype=np.uint8)
        Image.fromarray(img).save(img_dir / f'{frame}_leftImg8bit.png')
        Image.fromarray(instance_ids()).save(
            gt_dir / f'{frame}_gtFine_instanceIds.png')
    return root
