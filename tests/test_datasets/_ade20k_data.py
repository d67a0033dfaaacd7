"""A tiny ADE20K panoptic (two validation images) with known segments.

Written by the ``ade_root`` fixture of ``tests/test_datasets/conftest.py``;
the tests of ``ADE20KPanopticSegDataset`` read the ids below to write down
the expected maps.
"""
import json
from pathlib import Path

import numpy as np
from PIL import Image

# ADE20K-150 class indices = json category ids of the conversion.
WALL, SKY, PERSON, CAR = 0, 2, 12, 20
# mmdet's converter writes its things-first names against these ids (id 0
# is called 'bed'): the dataset maps by id and ignores the names.
CATEGORIES = [
    dict(id=WALL, name='bed', isthing=0),
    dict(id=SKY, name='cabinet', isthing=0),
    dict(id=PERSON, name='sofa', isthing=1),
    dict(id=CAR, name='lamp', isthing=1),
]
STEMS = ('ADE_val_00000001', 'ADE_val_00000002')


def segment_ids() -> np.ndarray:
    """32x32 segment ids: wall (id 1) left, sky (id 2) right; a person
    (id 400), a car (id 70001) and an unlabelled (0) block."""
    ids = np.ones((32, 32), dtype=np.int64)
    ids[:, 16:] = 2
    ids[4:20, 4:12] = 400
    ids[20:28, 18:30] = 70001
    ids[28:, :8] = 0
    return ids


def write_png(path: Path, ids: np.ndarray) -> None:
    """Write segment ids as a panoptic PNG (id = R + 256 G + 256^2 B)."""
    rgb = np.stack([ids % 256, ids // 256 % 256, ids // 65536], axis=-1)
    Image.fromarray(rgb.astype(np.uint8)).save(path)


def write_fake_ade(root: Path) -> Path:
    """Two validation images; the second annotation names its PNG with
    '.jpg' (mmdet's converter), the first with '.png' (Mask2Former's).

    Args:
        root (Path): A directory that does not exist yet.

    Returns:
        Path: ``root``.
    """
    (root / 'images' / 'validation').mkdir(parents=True)
    (root / 'ade20k_panoptic_val').mkdir()
    rng = np.random.default_rng(0)
    images, annotations = [], []
    segments = [
        dict(id=1, category_id=WALL, iscrowd=0),
        dict(id=2, category_id=SKY, iscrowd=0),
        dict(id=400, category_id=PERSON, iscrowd=0),
        dict(id=70001, category_id=CAR, iscrowd=0),
    ]
    for stem, suffix in zip(STEMS, ('.png', '.jpg')):
        img = rng.integers(0, 256, size=(32, 32, 3), dtype=np.uint8)
        Image.fromarray(img).save(root / 'images' / 'validation' /
                                  f'{stem}.jpg')
        write_png(root / 'ade20k_panoptic_val' / f'{stem}.png',
                  segment_ids())
        images.append(
            dict(id=stem, file_name=f'{stem}.jpg', height=32, width=32))
        annotations.append(
            dict(
                image_id=stem, file_name=stem + suffix,
                segments_info=segments))
    (root / 'ade20k_panoptic_val.json').write_text(
        json.dumps(
            dict(
                images=images, annotations=annotations,
                categories=CATEGORIES)))
    return root
