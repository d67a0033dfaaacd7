"""Per-class pixel counts of a dataset and the fold-list json holding them.

Episodic few-shot segmentation (:class:`~.EpisodicDataset`) needs, per
class, the images containing it and its pixel count in each. This module
provides :func:`scan_class_pixels`, which reads every label once (one
``np.bincount`` per image), and :func:`build_fold_list` /
:func:`load_fold_list`, the fold-list json (the scan result plus the fold
settings), written by ``tools/dataset_converters/build_fss_folds.py`` to
skip the scan.
"""
import json
import os
import os.path as osp
from concurrent.futures import ThreadPoolExecutor
from typing import Dict, List, Optional, Tuple, Union

import mmcv
import mmengine.fileio as fileio
import numpy as np

from ..utils import IGNORE_INDEX

__all__ = [
    'scan_class_pixels', 'build_fold_list', 'load_fold_list',
    'FOLD_LIST_FORMAT', 'FOLD_LIST_VERSION'
]

#: ``format`` and ``version`` fields of a fold-list json.
FOLD_LIST_FORMAT = 'mmseg_maskattn.fss_fold_list'
FOLD_LIST_VERSION = 1

_NUM_LABELS = 256  # labels are uint8 after mmseg's LoadAnnotations


def _label_lut(reduce_zero_label: bool,
               label_map: Optional[Dict[int, int]]) -> np.ndarray:
    """Raw label value -> loaded label value, as mmseg's LoadAnnotations."""
    lut = np.arange(_NUM_LABELS, dtype=np.int64)
    if reduce_zero_label:
        lut = np.where(lut == 0, IGNORE_INDEX, lut - 1)
        lut[lut == IGNORE_INDEX - 1] = IGNORE_INDEX
    if label_map:
        before = lut.copy()
        for old, new in label_map.items():
            lut[before == old] = new
    return lut


def scan_class_pixels(
        dataset,
        *,
        num_threads: int = 1) -> Dict[int, Tuple[np.ndarray, np.ndarray]]:
    """Count the pixels of every class in every label map of ``dataset``.

    Labels are read as mmseg's ``LoadAnnotations`` reads them (``pillow``
    decoding, ``uint8``, then the dataset's ``reduce_zero_label`` and
    ``label_map``), so the ids are the indices of the dataset's classes and
    ignored pixels (255) are not counted. One ``np.bincount`` per image.

    Args:
        dataset (BaseSegDataset): A fully initialised mmseg dataset.
        num_threads (int): Threads reading the labels (decoding releases
            the GIL). Defaults to 1.

    Returns:
        dict[int, tuple[np.ndarray, np.ndarray]]: For every class id in
        ``[0, len(classes))`` that occurs: ``(image_indices, pixel_counts)``,
        both int64 arrays, image indices ascending.
    """
    num_classes = len(dataset.metainfo['classes'])
    lut = _label_lut(dataset.reduce_zero_label, dataset.label_map)
    backend_args = getattr(dataset, 'backend_args', None)

    def count(idx: int) -> np.ndarray:
        path = dataset.get_data_info(idx)['seg_map_path']
        try:
            raw = mmcv.imfrombytes(
                fileio.get(path, backend_args=backend_args),
                flag='unchanged',
                backend='pillow')
        except Exception as err:
            raise OSError(f'cannot read label file {path!r}: '
                          f'{type(err).__name__}: {err}') from err
        if raw is None:
            raise OSError(f'cannot decode label file {path!r}')
        hist = np.bincount(
            raw.squeeze().astype(np.uint8).ravel(), minlength=_NUM_LABELS)
        mapped = np.zeros(_NUM_LABELS, dtype=np.int64)
        np.add.at(mapped, lut, hist)
        return mapped[:num_classes]

    num_images = len(dataset)
    if num_threads > 1:
        with ThreadPoolExecutor(num_threads) as pool:
            rows = list(pool.map(count, range(num_images)))
    else:
        rows = [count(idx) for idx in range(num_images)]
    counts = np.stack(rows) if rows else np.zeros((0, num_classes), np.int64)
    result = {}
    for c in range(num_classes):
        images = np.flatnonzero(counts[:, c]).astype(np.int64)
        if images.size:
            result[c] = (images, counts[images, c])
    return result


def _relative_paths(dataset) -> List[str]:
    """Image paths of ``dataset`` relative to its ``data_root`` if set."""
    root = dataset.data_root or ''
    paths = []
    for idx in range(len(dataset)):
        path = dataset.get_data_info(idx)['img_path']
        paths.append(osp.relpath(path, root) if root else path)
    return paths


def build_fold_list(dataset, pixels: Dict[int, Tuple[np.ndarray, np.ndarray]],
                    *, settings: dict, eligible: Dict[int,
                                                      np.ndarray]) -> dict:
    """The fold-list json object (see :class:`~.EpisodicDataset`).

    Args:
        dataset (BaseSegDataset): The dataset that was scanned.
        pixels (dict): The result of :func:`scan_class_pixels`.
        settings (dict): Fold settings to record (``mode``, ``split_rule``,
            ``fold``, ``shot``, ...); informative except ``shot``.
        eligible (dict[int, np.ndarray]): Per episode class, its eligible
            image indices under ``settings`` (informative).

    Returns:
        dict: A json-serialisable fold list.
    """
    classes = list(dataset.metainfo['classes'])
    return dict(
        format=FOLD_LIST_FORMAT,
        version=FOLD_LIST_VERSION,
        classes=classes,
        img_paths=_relative_paths(dataset),
        class_pixels={
            str(c): [[int(i), int(n)] for i, n in zip(*pixels[c])]
            for c in sorted(pixels)
        },
        settings=settings,
        eligible={
            str(c):
            dict(
                name=classes[c],
                num_images=int(len(idx)),
                images=[int(i) for i in idx])
            for c, idx in sorted(eligible.items())
        })


def load_fold_list(path: Union[str, os.PathLike], dataset) -> dict:
    """Read a fold-list json and check it belongs to ``dataset``.

    Args:
        path (str | os.PathLike): The json written by
            ``tools/dataset_converters/build_fss_folds.py``.
        dataset (BaseSegDataset): The dataset it must describe.

    Returns:
        dict: ``pixels`` (as :func:`scan_class_pixels` returns them) and
        ``settings`` (the recorded fold settings).

    Raises:
        FileNotFoundError: If ``path`` does not exist.
        ValueError: If it is not a fold list of this format version, or its
            classes or image list differ from the dataset's.
    """
    path = os.fspath(path)
    if not osp.isfile(path):
        raise FileNotFoundError(f'fold_list_file {path!r} does not exist')
    with open(path, encoding='utf-8') as f:
        data = json.load(f)
    if not isinstance(data, dict) or data.get('format') != FOLD_LIST_FORMAT \
            or data.get('version') != FOLD_LIST_VERSION:
        raise ValueError(
            f'fold_list_file {path!r} is not a fold list of format '
            f'{FOLD_LIST_FORMAT!r} version {FOLD_LIST_VERSION}')
    classes = list(dataset.metainfo['classes'])
    if data['classes'] != classes:
        raise ValueError(f'fold_list_file {path!r} lists the classes '
                         f'{data["classes"]}, the dataset has {classes}')
    paths = _relative_paths(dataset)
    if len(data['img_paths']) != len(paths):
        raise ValueError(
            f'fold_list_file {path!r} lists {len(data["img_paths"])} '
            f'images, the dataset has {len(paths)}; rebuild it with '
            'tools/dataset_converters/build_fss_folds.py')
    for idx, (listed, actual) in enumerate(zip(data['img_paths'], paths)):
        if listed != actual:
            raise ValueError(
                f'fold_list_file {path!r}: image {idx} is {listed!r} in the '
                f'file but {actual!r} in the dataset; rebuild it with '
                'tools/dataset_converters/build_fss_folds.py')
    pixels = {}
    for key, pairs in data['class_pixels'].items():
        arr = np.asarray(pairs, dtype=np.int64).reshape(-1, 2)
        pixels[int(key)] = (arr[:, 0], arr[:, 1])
    return dict(pixels=pixels, settings=data.get('settings', {}))
