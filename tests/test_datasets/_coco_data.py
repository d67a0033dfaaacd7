"""A tiny COCO panoptic (two val2017 images) whose segments are known.

Written by the ``coco_root`` fixture of ``tests/test_datasets/conftest.py``;
the tests of ``CocoPanopticSegDataset`` read the ids below to write down
the expected maps.
"""
import json
from pathlib import Path

import numpy as np
from PIL import Image

# COCO ids of the categories (the dataset derives the labels from the names).
CATEGORIES = [
    dict(id=1, name='person', isthing=1),
    dict(id=3, name='car', isthing=1),
    dict(id=187, name='sky-other-merged', isthing=0),
    dict(id=193, name='grass-merged', isthing=0),
]
# Segment ids of image 'a': 70000 needs the B channel, 1001 the G channel.
SKY_ID, GRASS_ID, PERSON_A, PERSON_B, CROWD_ID = 5000, 6, 1001, 70000, 300


def ids_a() -> np.ndarray:
    """Image 'a', 32x32: sky on top, grass below, in between (rows 12-23)
    two persons, a crowd of cars and an unlabelled (0) block."""
    ids = np.zeros((32, 32), dtype=np.int64)
    ids[:12] = SKY_ID
    ids[24:] = GRASS_ID
    ids[12:24, 0:8] = PERSON_A
    ids[12:24, 8:16] = PERSON_B
    ids[12:24, 16:24] = CROWD_ID
    return ids


def write_png(path: Path, ids: np.ndarray) -> None:
    """Write segment ids as a COCO panoptic PNG (id = R + 256 G + 256^2 B).
    """
    rgb = np.stack([ids % 256, ids // 256 % 256, ids // 65536], axis=-1)
    Image.fromarray(rgb.astype(np.uint8)).save(path)


def json_path(root: Path) -> Path:
    """The panoptic annotation file of the val2017 split under ``root``."""
    return root / 'annotations' / 'panoptic_val2017.json'


def write_json(root: Path, content: dict) -> None:
    """Write ``content`` as the panoptic annotation file under ``root``."""
    json_path(root).write_text(json.dumps(content))


def write_fake_coco(root: Path) -> Path:
    """Images 'a' (32x32) and 'b' (24x40, sky and one car) of val2017.

    Args:
        root (Path): A directory that does not exist yet.

    Returns:
        Path: ``root``.
    """
    (root / 'val2017').mkdir(parents=True)
    pan_dir = root / 'annotations' / 'panoptic_val2017'
    pan_dir.mkdir(parents=True)
    ids_b = np.full((24, 40), SKY_ID, dtype=np.int64)
    ids_b[10:20, 5:30] = 2
    rng = np.random.default_rng(0)
    images, annotations = [], []
    segments = {
        'a': [
            dict(id=SKY_ID, category_id=187, iscrowd=0),
            dict(id=GRASS_ID, category_id=193, iscrowd=0),
            dict(id=PERSON_A, category_id=1, iscrowd=0),
            dict(id=PERSON_B, category_id=1, iscrowd=0),
            dict(id=CROWD_ID, category_id=3, iscrowd=1),
            dict(id=77, category_id=3, iscrowd=0),  # listed, not in the PNG
        ],
        'b': [
            dict(id=SKY_ID, category_id=187, iscrowd=0),
            dict(id=2, category_id=3, iscrowd=0),
        ],
    }
    for image_id, (stem, ids) in enumerate((('a', ids_a()), ('b', ids_b))):
        img = rng.integers(0, 256, size=ids.shape + (3, ), dtype=np.uint8)
        Image.fromarray(img).save(root / 'val2017' / f'{stem}.jpg')
        write_png(pan_dir / f'{stem}.png', ids)
        images.append(
            dict(
                id=image_id,
                file_name=f'{stem}.jpg',
                height=ids.shape[0],
                width=ids.shape[1]))
        annotations.append(
            dict(
                image_id=image_id,
                file_name=f'{stem}.png',
                segments_info=segments[stem]))
    write_json(
        root,
        dict(images=images, annotations=annotations, categories=CATEGORIES))
    return root
