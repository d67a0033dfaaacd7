"""Deterministic toy data for smoke tests, the demo and tiny experiments.

The generator draws small RGB images with a textured background (the stuff
class ``background``) and several instances of each object class
(``rectangle``, ``ellipse``, ``triangle``). Every object class has its own
colour range and shape, and Gaussian noise is added, so a tiny model can learn
the task in a few hundred iterations.

Layout written under ``out_dir`` (``{split}`` is ``train`` or ``val``)::

    out_dir/
    ├── img_dir/{split}/{split}_00000.png     RGB uint8 image
    ├── ann_dir/{split}/{split}_00000.png     uint8 class ids, 0 = background
    ├── panoptic/{split}/{split}_00000.png    uint16 segment id map
    ├── panoptic/panoptic_{split}.json        COCO-panoptic-like annotations
    └── toy_data_stamp.json                   generator arguments (see below)

Panoptic ground truth follows the COCO panoptic conventions, except that the
segment ids are stored directly in a single-channel uint16 PNG (read it with
``mmcv.imread(path, flag='unchanged')``) instead of being RGB-encoded:

- segment id ``0`` is void (the generator labels every pixel, so it does not
  occur); the ``background`` segment and each object instance have their own
  id ``>= 1``;
- ``segments_info`` lists every id of the PNG with ``category_id`` (the
  semantic class id of ``ann_dir``, so ``0`` is ``background``), ``area``
  (pixel count), ``bbox`` (``[x, y, w, h]`` of the visible pixels) and
  ``iscrowd`` (always ``0``);
- ``images[].file_name`` is relative to ``img_dir/{split}`` and
  ``annotations[].file_name`` to ``panoptic/{split}``;
- ``categories`` gives ``isthing`` (``0`` for ``background``, ``1`` for the
  object classes).

Objects never overlap: a new instance is only painted on free pixels and is
kept only if at least 70% of its shape stays visible, so every instance is
one clearly visible region.

Outputs are a pure function of the arguments: the same arguments give
byte-identical files (each image has its own random stream seeded by
``(seed, split, index)``, so changing ``num_train`` does not change the
validation images). The arguments are recorded in ``toy_data_stamp.json``,
which is written last; calling :func:`generate_toy_dataset` again with the
same arguments on a complete folder returns at once without writing. Any other
call first deletes the generator's own files (``{split}_NNNNN.png`` and
``panoptic_{split}.json`` in the folders above, nothing else) and regenerates.

This module only needs numpy and Pillow, so it can be used without importing
MMSegmentation.
"""
import json
import os
import os.path as osp
import re
from typing import Dict, List, Tuple, Union

import numpy as np
from PIL import Image

from ..utils import is_int

__all__ = [
    'TOY_CLASSES', 'TOY_PALETTE', 'TOY_THING_CLASSES', 'TOY_STUFF_CLASSES',
    'TOY_SPLITS', 'STAMP_FILE', 'GENERATOR_VERSION', 'render_toy_sample',
    'generate_toy_split', 'generate_toy_dataset'
]

#: Semantic classes; the index is the label id written to ``ann_dir``.
TOY_CLASSES = ('background', 'rectangle', 'ellipse', 'triangle')
#: Visualisation colour of each class (RGB), same order as ``TOY_CLASSES``.
TOY_PALETTE: List[List[int]] = [[0, 0, 0], [220, 20, 60], [0, 170, 80],
                                [40, 90, 230]]
TOY_THING_CLASSES = TOY_CLASSES[1:]
TOY_STUFF_CLASSES = TOY_CLASSES[:1]
TOY_SPLITS = ('train', 'val')
#: Name of the file, under ``out_dir``, that records the generator arguments.
STAMP_FILE = 'toy_data_stamp.json'
#: Bumped whenever the generator output changes for the same arguments.
GENERATOR_VERSION = 1

_RGB = Tuple[int, int, int]
# Per object class id, the (low, high) RGB range its fill colour is drawn
# from. The ranges are saturated and far apart; the background is greyish.
_CLASS_COLOR_RANGES: Dict[int, Tuple[_RGB, _RGB]] = {
    1: ((170, 25, 25), (250, 100, 100)),
    2: ((25, 150, 25), (100, 240, 100)),
    3: ((25, 25, 160), (100, 100, 250)),
}
_SPLIT_IDS = {'train': 0, 'val': 1}
_NOISE_STD = 8.0
_MAX_INSTANCES_PER_CLASS = 3
_MAX_PLACEMENT_TRIES = 50
_MIN_VISIBLE_FRACTION = 0.7
_MIN_SIZE = 16
_MAX_SIZE = 1024


def _shape_mask(rng: np.random.Generator, class_id: int,
                size: int) -> np.ndarray:
    """Draw the boolean mask of one random shape of ``class_id``."""
    smin, smax = 0.15 * size, 0.35 * size
    ys, xs = np.mgrid[0:size, 0:size].astype(np.float64) + 0.5
    if class_id == 1:  # axis-aligned rectangle
        h, w = rng.uniform(smin, smax, size=2)
        y0 = rng.uniform(0, size - h)
        x0 = rng.uniform(0, size - w)
        return (ys >= y0) & (ys < y0 + h) & (xs >= x0) & (xs < x0 + w)
    if class_id == 2:  # axis-aligned ellipse
        ry, rx = rng.uniform(smin / 2, smax / 2, size=2)
        cy = rng.uniform(ry, size - ry)
        cx = rng.uniform(rx, size - rx)
        return ((ys - cy) / ry)**2 + ((xs - cx) / rx)**2 <= 1.0
    if class_id == 3:  # triangle with jittered vertices around a centre
        radius = rng.uniform(0.6 * smax, 0.8 * smax)
        cy, cx = rng.uniform(radius, size - radius, size=2)
        angles = (
            rng.uniform(0, 2 * np.pi) + np.array([0.0, 2.0, 4.0]) * np.pi / 3 +
            rng.uniform(-0.3, 0.3, size=3))
        radii = radius * rng.uniform(0.8, 1.0, size=3)
        vy = cy + radii * np.sin(angles)
        vx = cx + radii * np.cos(angles)
        # A pixel centre is inside when the three edge functions agree in
        # sign (either winding order).
        edges = [(vx[(i + 1) % 3] - vx[i]) * (ys - vy[i]) -
                 (vy[(i + 1) % 3] - vy[i]) * (xs - vx[i]) for i in range(3)]
        return (np.all([e >= 0 for e in edges], axis=0)
                | np.all([e <= 0 for e in edges], axis=0))
    raise ValueError(f'unknown toy object class id {class_id}, expected one '
                     f'of {sorted(_CLASS_COLOR_RANGES)}')


def render_toy_sample(
        rng: np.random.Generator,
        size: int = 64) -> Tuple[np.ndarray, np.ndarray, np.ndarray, list]:
    """Render one toy image with its semantic and panoptic ground truth.

    Each object class gets 1 to 3 instances. They are placed round by round
    (one instance of every class per round), so the first instance of every
    class is placed on a nearly empty canvas. An instance that finds no
    place in 50 tries (a crowded canvas) is left out.

    Args:
        rng (np.random.Generator): Random stream; the output is a pure
            function of its state and ``size``.
        size (int): Height and width of the image in pixels. Defaults to 64.

    Returns:
        tuple: ``(img, sem_seg, pan_seg, segments_info)`` where ``img`` is an
        RGB ``uint8`` array of shape ``(size, size, 3)``, ``sem_seg`` the
        ``uint8`` class id map, ``pan_seg`` the ``uint16`` segment id map and
        ``segments_info`` a list of dicts with ``id``, ``category_id``,
        ``area``, ``bbox`` and ``iscrowd`` for every id in ``pan_seg``.
    """
    _check_size(size)
    thing_ids = list(_CLASS_COLOR_RANGES)
    counts = {
        c: int(rng.integers(1, _MAX_INSTANCES_PER_CLASS + 1))
        for c in thing_ids
    }
    order = []
    for round_idx in range(_MAX_INSTANCES_PER_CLASS):
        for c in rng.permutation(thing_ids).tolist():
            if counts[c] > round_idx:
                order.append(c)

    # Background: a grey base colour with a gentle linear gradient.
    ys, xs = np.mgrid[0:size, 0:size].astype(np.float64) / size
    base = rng.uniform(70, 150, size=3)
    grad = rng.uniform(-30, 30, size=(2, 3))
    img = (base + ys[..., None] * grad[0] + xs[..., None] * grad[1])

    # Segment 1 is the background; object instances get 2, 3, ...
    pan_seg = np.ones((size, size), dtype=np.uint16)
    categories = {1: 0}
    for class_id in order:
        for _ in range(_MAX_PLACEMENT_TRIES):
            mask = _shape_mask(rng, class_id, size)
            visible = mask & (pan_seg == 1)
            total = int(mask.sum())
            if total > 0 and visible.sum() >= _MIN_VISIBLE_FRACTION * total:
                break
        else:
            continue  # the canvas is too crowded for this instance
        seg_id = len(categories) + 1
        categories[seg_id] = class_id
        pan_seg[visible] = seg_id
        low, high = _CLASS_COLOR_RANGES[class_id]
        img[visible] = rng.uniform(low, high)

    img = img + rng.normal(0.0, _NOISE_STD, size=img.shape)
    img = np.clip(np.rint(img), 0, 255).astype(np.uint8)

    sem_seg = np.zeros((size, size), dtype=np.uint8)
    segments_info = []
    for seg_id, class_id in categories.items():
        mask = pan_seg == seg_id
        area = int(mask.sum())
        if area == 0:
            continue  # a background fully covered by objects
        sem_seg[mask] = class_id
        rows = np.flatnonzero(mask.any(axis=1))
        cols = np.flatnonzero(mask.any(axis=0))
        bbox = [
            int(cols[0]),
            int(rows[0]),
            int(cols[-1] - cols[0] + 1),
            int(rows[-1] - rows[0] + 1)
        ]
        segments_info.append(
            dict(
                id=seg_id,
                category_id=class_id,
                area=area,
                bbox=bbox,
                iscrowd=0))
    return img, sem_seg, pan_seg, segments_info


def _check_size(size: int) -> None:
    if not is_int(size):
        raise TypeError(f'size must be an int, got {size!r}')
    if not _MIN_SIZE <= size <= _MAX_SIZE:
        raise ValueError(f'size must be in [{_MIN_SIZE}, {_MAX_SIZE}], '
                         f'got {size}')


def _check_count(name: str, value: int) -> None:
    if not is_int(value):
        raise TypeError(f'{name} must be an int, got {value!r}')
    if not 1 <= value <= 99999:
        raise ValueError(f'{name} must be in [1, 99999], got {value}')


def _categories() -> List[dict]:
    return [
        dict(
            id=class_id,
            name=name,
            supercategory='shape' if name in TOY_THING_CLASSES else 'stuff',
            isthing=int(name in TOY_THING_CLASSES),
            color=list(TOY_PALETTE[class_id]))
        for class_id, name in enumerate(TOY_CLASSES)
    ]


def _split_dirs(out_dir: str, split: str) -> Dict[str, str]:
    return dict(
        img=osp.join(out_dir, 'img_dir', split),
        ann=osp.join(out_dir, 'ann_dir', split),
        pan=osp.join(out_dir, 'panoptic', split))


def _json_path(out_dir: str, split: str) -> str:
    return osp.join(out_dir, 'panoptic', f'panoptic_{split}.json')


def _file_name(split: str, index: int) -> str:
    return f'{split}_{index:05d}.png'


def _write_json(path: str, obj: dict) -> None:
    with open(path, 'w', encoding='utf-8') as f:
        json.dump(obj, f, indent=2)
        f.write('\n')


def generate_toy_split(out_dir: Union[str, os.PathLike],
                       split: str,
                       num_samples: int,
                       size: int = 64,
                       seed: int = 0) -> dict:
    """Write the images and ground truth of one split.

    Args:
        out_dir (str | os.PathLike): Root folder of the toy dataset.
        split (str): ``'train'`` or ``'val'``.
        num_samples (int): Number of images to write.
        size (int): Height and width of the images. Defaults to 64.
        seed (int): Base random seed. Defaults to 0.

    Returns:
        dict: The COCO-panoptic-like annotation dict that was written to
        ``out_dir/panoptic/panoptic_{split}.json``.
    """
    out_dir = os.fspath(out_dir)
    if split not in _SPLIT_IDS:
        raise ValueError(f'split must be one of {TOY_SPLITS}, got {split!r}')
    _check_count('num_samples', num_samples)
    _check_size(size)
    dirs = _split_dirs(out_dir, split)
    for path in dirs.values():
        os.makedirs(path, exist_ok=True)

    images, annotations = [], []
    for index in range(num_samples):
        rng = np.random.default_rng([int(seed), _SPLIT_IDS[split], index])
        img, sem_seg, pan_seg, segments_info = render_toy_sample(rng, size)
        name = _file_name(split, index)
        Image.fromarray(img).save(osp.join(dirs['img'], name), format='PNG')
        Image.fromarray(sem_seg).save(
            osp.join(dirs['ann'], name), format='PNG')
        Image.fromarray(pan_seg).save(
            osp.join(dirs['pan'], name), format='PNG')
        images.append(dict(id=index, file_name=name, height=size, width=size))
        annotations.append(
            dict(image_id=index, file_name=name, segments_info=segments_info))

    panoptic = dict(
        info=dict(
            description='mmseg_maskattn toy data (tools/gen_toy_data.py)',
            version=GENERATOR_VERSION,
            split=split,
            seed=int(seed),
            size=int(size),
            segment_id_encoding='uint16 PNG, 0 = void'),
        images=images,
        annotations=annotations,
        categories=_categories())
    _write_json(_json_path(out_dir, split), panoptic)
    return panoptic


def _stamp(num_train: int, num_val: int, size: int, seed: int) -> dict:
    return dict(
        generator_version=GENERATOR_VERSION,
        num_train=int(num_train),
        num_val=int(num_val),
        size=int(size),
        seed=int(seed))


def _expected_files(out_dir: str, counts: Dict[str, int]) -> List[str]:
    files = []
    for split, num in counts.items():
        dirs = _split_dirs(out_dir, split)
        files.append(_json_path(out_dir, split))
        for index in range(num):
            name = _file_name(split, index)
            files.extend(osp.join(d, name) for d in dirs.values())
    return files


def _is_up_to_date(out_dir: str, stamp: dict, counts: Dict[str, int]) -> bool:
    stamp_path = osp.join(out_dir, STAMP_FILE)
    try:
        with open(stamp_path, encoding='utf-8') as f:
            old_stamp = json.load(f)
    except (OSError, ValueError):
        return False
    return old_stamp == stamp and all(
        osp.isfile(p) for p in _expected_files(out_dir, counts))


def _remove_generated_files(out_dir: str) -> None:
    """Delete the files an earlier run wrote, and nothing else."""
    stamp_path = osp.join(out_dir, STAMP_FILE)
    if osp.isfile(stamp_path):
        os.remove(stamp_path)
    for split in TOY_SPLITS:
        pattern = re.compile(rf'^{split}_\d{{5}}\.png$')
        for folder in _split_dirs(out_dir, split).values():
            if not osp.isdir(folder):
                continue
            for name in os.listdir(folder):
                if pattern.match(name):
                    os.remove(osp.join(folder, name))
        json_path = _json_path(out_dir, split)
        if osp.isfile(json_path):
            os.remove(json_path)


def generate_toy_dataset(out_dir: Union[str, os.PathLike],
                         num_train: int = 48,
                         num_val: int = 12,
                         size: int = 64,
                         seed: int = 0,
                         force: bool = False) -> dict:
    """Generate the toy dataset (both splits) under ``out_dir``.

    Args:
        out_dir (str | os.PathLike): Root folder, e.g. ``'data/toy'``.
            Created if missing.
        num_train (int): Number of training images. Defaults to 48.
        num_val (int): Number of validation images. Defaults to 12.
        size (int): Height and width of every image, in [16, 1024].
            Defaults to 64.
        seed (int): Random seed; the same arguments give byte-identical
            files. Defaults to 0.
        force (bool): Regenerate even if ``out_dir`` already holds a complete
            dataset made with the same arguments. Defaults to False.

    Returns:
        dict: ``out_dir``, the arguments, ``skipped`` (True when an
        up-to-date dataset was found and nothing was written) and
        ``num_segments`` per split.
    """
    out_dir = os.fspath(out_dir)
    _check_count('num_train', num_train)
    _check_count('num_val', num_val)
    _check_size(size)
    if not is_int(seed) or seed < 0:
        raise ValueError(f'seed must be a non-negative int, got {seed!r}')
    if osp.exists(out_dir) and not osp.isdir(out_dir):
        raise NotADirectoryError(
            f'out_dir {out_dir!r} exists and is not a directory')

    stamp = _stamp(num_train, num_val, size, seed)
    counts = dict(train=num_train, val=num_val)
    result = dict(out_dir=out_dir, **stamp)
    if not force and _is_up_to_date(out_dir, stamp, counts):
        result.update(skipped=True, num_segments=None)
        return result

    os.makedirs(out_dir, exist_ok=True)
    _remove_generated_files(out_dir)
    num_segments = {}
    for split, num in counts.items():
        panoptic = generate_toy_split(out_dir, split, num, size, seed)
        num_segments[split] = sum(
            len(ann['segments_info']) for ann in panoptic['annotations'])
    # Written last: an interrupted run leaves no stamp and is redone.
    _write_json(osp.join(out_dir, STAMP_FILE), stamp)
    result.update(skipped=False, num_segments=num_segments)
    return result
