"""A tiny hand-made few-shot dataset whose label pixel counts are known.

Nine images (``LAYOUT``) with classes ``a``, ``b``, ``c`` painted in
known runs, so that every eligible image list of ``EpisodicDataset`` can
be written down. ``tests/conftest.py`` writes it once per session
(fixture ``fss_root``) and gives its dataset config (``fss_dataset_cfg``).
"""
from pathlib import Path

import mmcv
import numpy as np

CLASSES = ('background', 'a', 'b', 'c')
A, B, C = 1, 2, 3
# Per image: (height, width) and runs (label, pixels) painted from the top
# left pixel in row-major order; the rest is background (0).
LAYOUT = [
    ((8, 8), [(A, 20)]),  # 0
    ((8, 8), [(A, 10)]),  # 1
    ((8, 8), [(A, 20), (C, 5)]),  # 2
    ((8, 8), [(B, 20)]),  # 3
    ((8, 8), [(B, 20), (C, 20)]),  # 4
    ((10, 12), [(C, 20)]),  # 5, larger image
    ((8, 8), [(A, 20), (B, 3)]),  # 6
    ((8, 8), [(C, 20), (255, 6)]),  # 7, with ignored pixels
    ((8, 8), [(B, 20)]),  # 8
]
LOAD = [dict(type='LoadImageFromFile'), dict(type='LoadAnnotations')]


def fss_label(index: int) -> np.ndarray:
    """The label map of image ``index`` of ``LAYOUT``."""
    (h, w), runs = LAYOUT[index]
    flat = np.zeros(h * w, dtype=np.uint8)
    start = 0
    for label, count in runs:
        flat[start:start + count] = label
        start += count
    return flat.reshape(h, w)


def write_fss_fixture(root: Path) -> Path:
    """Write the images and labels of ``LAYOUT`` under ``root``.

    Args:
        root (Path): A directory that does not exist yet.

    Returns:
        Path: ``root``.
    """
    rng = np.random.default_rng(0)
    (root / 'img').mkdir(parents=True)
    (root / 'ann').mkdir()
    for i, ((h, w), _) in enumerate(LAYOUT):
        img = rng.integers(0, 256, size=(h, w, 3), dtype=np.uint8)
        mmcv.imwrite(img, str(root / 'img' / f'{i:02d}.png'))
        mmcv.imwrite(fss_label(i), str(root / 'ann' / f'{i:02d}.png'))
    return root


def base_cfg(root: Path, pipeline=None) -> dict:
    """The ``BaseSegDataset`` config of the dataset written under ``root``.

    Args:
        root (Path): Where :func:`write_fss_fixture` wrote it.
        pipeline (list, optional): Defaults to ``LOAD``.

    Returns:
        dict: The config.
    """
    return dict(
        type='BaseSegDataset',
        metainfo=dict(classes=CLASSES),
        data_root=str(root),
        data_prefix=dict(img_path='img', seg_map_path='ann'),
        img_suffix='.png',
        seg_map_suffix='.png',
        serialize_data=False,  # skips a slow gc.collect() per dataset
        pipeline=LOAD if pipeline is None else pipeline)
