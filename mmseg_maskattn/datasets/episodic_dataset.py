"""Episodic few-shot segmentation (FSS) wrapper around a semantic dataset.

Few-shot segmentation as evaluated by HDMNet (Peng et al., "Hierarchical
Dense Correlation Distillation for Few-Shot Segmentation", CVPR 2023,
https://arxiv.org/abs/2303.14652) and its predecessors PFENet (Tian et al.,
TPAMI 2020, https://arxiv.org/abs/2008.01449) and BAM (Lang et al., CVPR
2022, https://arxiv.org/abs/2203.15712): the classes of a dataset are split
into folds; a model is trained on episodes of the *base* classes (the other
folds) and tested on episodes of the *novel* classes (the held-out fold).
An episode is one query image and ``K`` (the *shot*) support images that
all contain one episode class; the model sees binary support masks of that
class and predicts the binary query mask.

This module provides:

- :func:`fold_novel_classes` / :func:`split_classes`: the novel (and
  base) classes of a fold for the PASCAL-5i, COCO-20i, contiguous and
  explicit split rules;
- :func:`scan_class_pixels`: per class, the images containing it and its
  pixel count in each (labels read once, one ``np.bincount`` per image),
  and :func:`eligible_images`, the images an episode class may use;
- :func:`build_fold_list` / :func:`load_fold_list`: the fold-list json
  (the scan result plus the fold settings), written by
  ``tools/dataset_converters/build_fss_folds.py`` to skip the scan;
- :class:`EpisodicDataset`: the dataset wrapper producing episodes.
"""
import json
import os
import os.path as osp
from concurrent.futures import ThreadPoolExecutor
from typing import Dict, List, Optional, Sequence, Tuple, Union

import mmcv
import mmengine.fileio as fileio
import numpy as np
import torch
from mmengine.structures import PixelData
from mmseg.registry import DATASETS
from mmseg.structures import SegDataSample
from torch.utils.data import Dataset

from ..utils import IGNORE_INDEX, is_int

__all__ = [
    'EpisodicDataset', 'fold_novel_classes', 'split_classes',
    'scan_class_pixels', 'eligible_images', 'build_fold_list',
    'load_fold_list', 'SPLIT_RULES', 'MODES', 'NOVEL_IN_TRAIN',
    'FOLD_LIST_FORMAT', 'FOLD_LIST_VERSION'
]

#: Split rules of :func:`fold_novel_classes`.
SPLIT_RULES = ('pascal', 'coco', 'contiguous', 'explicit')
#: ``'train'`` draws episodes of the base classes, ``'test'`` of the novel.
MODES = ('train', 'test')
#: What a training episode does with images holding novel-class pixels.
NOVEL_IN_TRAIN = ('drop', 'background')
#: ``format`` and ``version`` fields of a fold-list json.
FOLD_LIST_FORMAT = 'mmseg_maskattn.fss_fold_list'
FOLD_LIST_VERSION = 1

_NUM_LABELS = 256  # labels are uint8 after mmseg's LoadAnnotations
# Keys copied from the query's pipeline results into the metainfo, as
# mmseg's PackSegInputs does; missing ones get the defaults below.
_META_KEYS = ('img_path', 'seg_map_path', 'ori_shape', 'img_shape',
              'scale_factor', 'flip', 'flip_direction', 'reduce_zero_label')
_META_DEFAULTS = dict(scale_factor=(1.0, 1.0), flip=False, flip_direction=None)
# Fixed fold layouts: (number of eligible classes, number of folds).
_FIXED_RULES = dict(pascal=(20, 4), coco=(80, 4))


def fold_novel_classes(
        eligible_classes: Sequence[int],
        *,
        split_rule: str,
        fold: Optional[int] = None,
        num_folds: int = 4,
        novel_classes: Optional[Sequence[int]] = None) -> Tuple[int, ...]:
    """The novel classes of one fold.

    ``eligible_classes`` are the class ids (indices into the dataset's
    classes) that can be episode classes, i.e. all classes minus the ignored
    ones (for instance PASCAL VOC's ``background`` 0). With ``e`` the sorted
    eligible ids:

    - ``'pascal'`` (PASCAL-5i, Shaban et al. 2017, as used by PFENet, BAM
      and HDMNet): 20 eligible classes, 4 folds, fold ``i`` holds
      ``e[5i:5i+5]``, i.e. the 1-based VOC ids ``5i+1 .. 5i+5``;
    - ``'coco'`` (COCO-20i in the interleaved split of PFENet/HSNet/BAM/
      HDMNet): 80 eligible classes, 4 folds, fold ``i`` holds ``e[i::4]``,
      i.e. the 1-based ids ``i+1, i+5, i+9, ..., i+77``;
    - ``'contiguous'``: ``num_folds`` contiguous groups of ``e`` (sizes
      differ by at most one, larger groups first, as ``np.array_split``);
    - ``'explicit'``: ``novel_classes`` as given (``fold`` is not used).

    Args:
        eligible_classes (Sequence[int]): Class ids that can be episode
            classes.
        split_rule (str): One of :data:`SPLIT_RULES`.
        fold (int, optional): Index of the fold in ``[0, num_folds)``.
            Required unless ``split_rule='explicit'``.
        num_folds (int): Number of folds; must be 4 for ``'pascal'`` and
            ``'coco'``. Defaults to 4.
        novel_classes (Sequence[int], optional): The novel class ids for
            ``split_rule='explicit'`` (not allowed otherwise).

    Returns:
        tuple[int]: The sorted novel class ids.

    Raises:
        ValueError: For an unknown rule, a fold out of range, a wrong number
            of eligible classes or folds for ``'pascal'``/``'coco'``, or
            explicit novel classes that are not eligible classes.
    """
    eligible = sorted(int(c) for c in eligible_classes)
    if split_rule not in SPLIT_RULES:
        raise ValueError(f'split_rule must be one of {SPLIT_RULES}, got '
                         f'{split_rule!r}')
    if split_rule == 'explicit':
        if novel_classes is None or len(novel_classes) == 0:
            raise ValueError("split_rule='explicit' needs a non-empty "
                             'novel_classes list')
        novel = []
        for c in novel_classes:
            if not is_int(c) or int(c) not in eligible:
                raise ValueError(
                    f'novel class {c!r} is not an eligible class of the '
                    f'dataset (eligible class ids: {eligible})')
            novel.append(int(c))
        if len(set(novel)) != len(novel):
            raise ValueError(f'novel_classes has duplicates: {novel}')
        return tuple(sorted(novel))
    if novel_classes is not None:
        raise ValueError(f'novel_classes is only used with split_rule='
                         f"'explicit', got split_rule={split_rule!r}")
    if not is_int(num_folds) or num_folds < 1:
        raise ValueError(f'num_folds must be a positive int, got '
                         f'{num_folds!r}')
    if not is_int(fold) or not 0 <= fold < num_folds:
        raise ValueError(f'fold must be an int in [0, {num_folds}) '
                         f'(num_folds={num_folds}), got {fold!r}')
    if split_rule in _FIXED_RULES:
        num_classes, folds = _FIXED_RULES[split_rule]
        if len(eligible) != num_classes or num_folds != folds:
            raise ValueError(
                f"split_rule={split_rule!r} needs {num_classes} eligible "
                f'classes and num_folds={folds}, got {len(eligible)} '
                f'eligible classes ({eligible}) and num_folds={num_folds}; '
                "use split_rule='contiguous' or 'explicit' for other "
                'datasets')
        if split_rule == 'pascal':
            group = num_classes // folds
            return tuple(eligible[fold * group:(fold + 1) * group])
        return tuple(eligible[fold::folds])
    if len(eligible) < num_folds:
        raise ValueError(f'cannot split {len(eligible)} eligible classes '
                         f'({eligible}) into num_folds={num_folds} folds')
    groups = np.array_split(np.asarray(eligible), num_folds)
    return tuple(int(c) for c in groups[fold])


def split_classes(
    num_classes: int,
    *,
    ignore_classes: Sequence[int] = (),
    split_rule: str,
    fold: Optional[int] = None,
    num_folds: int = 4,
    novel_classes: Optional[Sequence[int]] = None
) -> Tuple[Tuple[int, ...], Tuple[int, ...]]:
    """Novel and base classes of a dataset with ``num_classes`` classes.

    The eligible classes are ``0 .. num_classes - 1`` minus
    ``ignore_classes``; the novel ones are chosen by
    :func:`fold_novel_classes`, the base ones are the other eligible ones.

    Args:
        num_classes (int): Number of classes of the dataset.
        ignore_classes (Sequence[int]): Class ids that are never episode
            classes. Defaults to ().
        split_rule (str): See :func:`fold_novel_classes`.
        fold (int, optional): See :func:`fold_novel_classes`.
        num_folds (int): See :func:`fold_novel_classes`. Defaults to 4.
        novel_classes (Sequence[int], optional): See
            :func:`fold_novel_classes`.

    Returns:
        tuple: ``(novel_classes, base_classes)``, sorted tuples of ids.

    Raises:
        ValueError: If an ignore class is not a class id of the dataset, or
            see :func:`fold_novel_classes`.
    """
    for c in ignore_classes:
        if not is_int(c) or not 0 <= c < num_classes:
            raise ValueError(f'ignore class {c!r} is not a class id of the '
                             f'dataset (0..{num_classes - 1})')
    eligible = [c for c in range(num_classes) if c not in ignore_classes]
    novel = fold_novel_classes(
        eligible,
        split_rule=split_rule,
        fold=fold,
        num_folds=num_folds,
        novel_classes=novel_classes)
    return novel, tuple(c for c in eligible if c not in novel)


def eligible_images(
    pixels: Dict[int, Tuple[np.ndarray, np.ndarray]],
    *,
    episode_classes: Sequence[int],
    min_pixels: int,
    drop_classes: Sequence[int] = ()) -> Dict[int, np.ndarray]:
    """Per episode class, the images eligible for it.

    An image is eligible for class ``c`` when it has at least
    ``min_pixels`` pixels of ``c`` and no pixel of any of
    ``drop_classes`` (the novel classes under BAM's training convention).

    Args:
        pixels (dict): Per class ``(image_indices, pixel_counts)``, as
            :func:`scan_class_pixels` returns them.
        episode_classes (Sequence[int]): The classes to list.
        min_pixels (int): Minimum pixel count of the class in an image.
        drop_classes (Sequence[int]): Classes whose images are dropped.
            Defaults to ().

    Returns:
        dict[int, np.ndarray]: Sorted eligible image indices per class
        (possibly empty).
    """
    empty = np.zeros(0, dtype=np.int64)
    dropped = [pixels[c][0] for c in drop_classes if c in pixels]
    dropped = np.unique(np.concatenate(dropped)) if dropped else empty
    result = {}
    for c in episode_classes:
        images, counts = pixels.get(c, (empty, empty))
        keep = images[counts >= min_pixels]
        result[int(c)] = keep[~np.isin(keep, dropped)]
    return result


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
    """The fold-list json object (see :class:`EpisodicDataset`).

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


@DATASETS.register_module()
class EpisodicDataset(Dataset):
    """Few-shot segmentation episodes drawn from a semantic dataset.

    The FSS protocol of HDMNet (Peng et al., CVPR 2023,
    https://arxiv.org/abs/2303.14652), which follows PFENet (Tian et al.,
    TPAMI 2020) and BAM (Lang et al., CVPR 2022).

    **Classes.** The episode classes are the class ids (indices into the
    wrapped dataset's ``classes``) that are not in ``ignore_classes``,
    split into folds by ``split_rule`` (see :func:`fold_novel_classes`):
    ``mode='test'`` uses the novel classes of ``fold``, ``mode='train'`` the
    others (base classes).

    **Eligibility.** An image is eligible for a class when that class has at
    least ``min_pixels`` pixels in its label (PFENet/BAM: 2 * 32 * 32),
    counted at the label file's size. In training, ``novel_in_train='drop'``
    (BAM/HDMNet) removes every image holding any pixel of a novel class from
    all classes; ``'background'`` (PFENet/HSNet) keeps them, and their
    novel-class pixels are background (0) in the binary masks. Every episode
    class needs at least ``shot + 1`` eligible images. The per-class pixel
    counts come from one scan of the labels at construction
    (:func:`scan_class_pixels`) or from ``fold_list_file``.

    **Episodes.** Episode ``i`` is a pure function of ``(seed, i)``:
    ``np.random.default_rng([seed, i])`` draws the class (uniformly over the
    episode classes), then ``shot + 1`` distinct eligible images of it
    (uniformly, without replacement): the first is the query, the others
    the supports (PFENet and BAM walk a list of (image, class) pairs
    instead, which weighs classes by their number of images; drawing the
    class first weighs them equally). So any number of dataloader workers
    and any iteration order give the same episodes; :meth:`set_seed`
    changes them all (the multi-seed test protocol). For training, set
    ``num_episodes`` to the number of episodes of the whole schedule
    (iterations x batch size) so that no episode repeats. Random
    transforms of the pipeline use the global random state as in mmseg
    (only the episode draw is seeded).

    **Pipeline.** The wrapped dataset's own ``pipeline`` is applied to the
    query and to each support independently (each support gets its own
    random augmentation). It must load the image and the label
    (``LoadImageFromFile``, ``LoadAnnotations``) and must not pack: this
    wrapper packs the episode. Then:

    - the labels become binary masks of the episode class: 1 = the class,
      255 = ignored (255 in the label), 0 = everything else;
    - a support mask whose size differs from its image (test pipelines load
      the label after ``Resize`` so that the query keeps its full-size
      label) is resized to the image size with nearest interpolation;
    - a support whose mask then has no foreground pixel is re-run through
      the pipeline (a random crop may have cut the class out), up to
      ``support_retries`` times, then an error is raised;
    - images of one episode may differ in size: all are padded at the
      bottom/right to the largest height and width of the episode (images
      with 0, support masks with 255). The query label is not padded (the
      data preprocessor pads it in training, like mmseg's
      ``SegDataPreProcessor``; in testing it keeps the label file's size).

    **Output** of ``dataset[i]`` (collated by ``pseudo_collate``)::

        dict(inputs=uint8 Tensor (1 + K, 3, H, W),  # BGR, row 0 = query
             data_samples=SegDataSample(
                 gt_sem_seg=PixelData(data=int64 (1, Hq, Wq)),   # query
                 gt_support_seg=PixelData(data=int64 (K, H, W)),
                 metainfo=dict(img_path, seg_map_path, ori_shape,
                               img_shape,           # query (h, w), unpadded
                               pad_shape,           # (H, W) of the episode
                               scale_factor, flip, flip_direction,
                               reduce_zero_label,
                               class_id, shot, episode, seed,
                               support_img_paths, support_img_shapes)))

    where ``(Hq, Wq)`` is the query's ``img_shape`` when the label is
    loaded before the geometric transforms (training) and the label file's
    size (``ori_shape``) when it is loaded after ``Resize`` (testing).

    **Fold-list json** (``fold_list_file``, written by
    ``tools/dataset_converters/build_fss_folds.py``): ``format``,
    ``version``, ``classes`` (must equal the dataset's), ``img_paths`` (the
    dataset's image paths relative to its ``data_root``, in order; must
    match), ``class_pixels`` (``{class_id: [[image_index, pixels], ...]}``
    for every class, the source of truth), ``settings`` (the fold settings
    it was built with; only ``shot`` is checked: if recorded, it must equal
    ``shot``) and ``eligible`` (informative per-class image lists). As the
    pixel counts cover all classes, one file serves every fold and mode.

    Args:
        dataset (dict | BaseSegDataset): The semantic dataset (config or
            instance) with its per-image pipeline.
        shot (int): Number of supports ``K`` per episode.
        mode (str): ``'train'`` (base classes) or ``'test'`` (novel
            classes).
        split_rule (str): One of :data:`SPLIT_RULES`, see
            :func:`fold_novel_classes`. Defaults to 'contiguous'.
        fold (int, optional): The held-out fold. Required unless
            ``split_rule='explicit'``.
        num_folds (int): Number of folds. Defaults to 4.
        novel_classes (Sequence[int], optional): Novel class ids for
            ``split_rule='explicit'``.
        ignore_classes (Sequence[int]): Class ids that are never episode
            classes (e.g. PASCAL's ``background`` 0). Defaults to ().
        min_pixels (int): Pixels a class needs in an image for the image to
            be eligible for it. Defaults to 2048 (2 * 32 * 32).
        novel_in_train (str): ``'drop'`` or ``'background'``, see above.
            Defaults to 'drop'.
        num_episodes (int): Number of episodes (the length). Defaults to
            1000.
        seed (int): Seed of the episode draw. Defaults to 0.
        fold_list_file (str, optional): Fold-list json to load instead of
            scanning the labels. Defaults to None.
        support_retries (int): Pipeline runs tried per support before an
            empty support mask is an error. Defaults to 10.

    Raises:
        ValueError: At construction, for a bad ``mode``, ``split_rule`` or
            ``novel_in_train``, a fold or novel class that is not a class of
            the dataset, an episode class with fewer than ``shot + 1``
            eligible images, or a fold list recording another ``shot``; at
            load time, for an empty support mask (naming the image) or a
            pipeline output that is not an unpacked image + label.
    """

    def __init__(self,
                 *,
                 dataset: Union[dict, Dataset],
                 shot: int,
                 mode: str,
                 split_rule: str = 'contiguous',
                 fold: Optional[int] = None,
                 num_folds: int = 4,
                 novel_classes: Optional[Sequence[int]] = None,
                 ignore_classes: Sequence[int] = (),
                 min_pixels: int = 2048,
                 novel_in_train: str = 'drop',
                 num_episodes: int = 1000,
                 seed: int = 0,
                 fold_list_file: Optional[str] = None,
                 support_retries: int = 10) -> None:
        if mode not in MODES:
            raise ValueError(f'mode must be one of {MODES}, got {mode!r}')
        if novel_in_train not in NOVEL_IN_TRAIN:
            raise ValueError(f'novel_in_train must be one of '
                             f'{NOVEL_IN_TRAIN}, got {novel_in_train!r}')
        if split_rule not in SPLIT_RULES:
            raise ValueError(f'split_rule must be one of {SPLIT_RULES}, got '
                             f'{split_rule!r}')
        for name, value, low in (('shot', shot, 1), ('min_pixels', min_pixels,
                                                     1), ('num_episodes',
                                                          num_episodes, 1),
                                 ('support_retries', support_retries, 1)):
            if not is_int(value) or value < low:
                raise ValueError(f'{name} must be an int >= {low}, got '
                                 f'{value!r}')
        self._check_seed(seed)
        self.dataset = DATASETS.build(dataset) if isinstance(dataset,
                                                             dict) else dataset
        self.shot = int(shot)
        self.mode = mode
        self.min_pixels = int(min_pixels)
        self.novel_in_train = novel_in_train
        self.num_episodes = int(num_episodes)
        self.seed = int(seed)
        self.support_retries = int(support_retries)

        self.novel_classes, self.base_classes = split_classes(
            len(self.dataset.metainfo['classes']),
            ignore_classes=ignore_classes,
            split_rule=split_rule,
            fold=fold,
            num_folds=num_folds,
            novel_classes=novel_classes)
        self.episode_classes = (
            self.novel_classes if mode == 'test' else self.base_classes)
        if not self.episode_classes:
            raise ValueError(f'{type(self).__name__}: no {mode} classes '
                             f'left (novel classes: {self.novel_classes})')
        self.ignore_classes = tuple(sorted(int(c) for c in ignore_classes))
        self.split_rule = split_rule
        self.fold = fold
        self.num_folds = num_folds

        if fold_list_file is not None:
            loaded = load_fold_list(fold_list_file, self.dataset)
            file_shot = loaded['settings'].get('shot')
            if file_shot is not None and file_shot != self.shot:
                raise ValueError(
                    f'shot={self.shot} differs from the shot={file_shot} '
                    f'recorded in fold_list_file {fold_list_file!r}')
            self.pixels = loaded['pixels']
        else:
            self.pixels = scan_class_pixels(self.dataset)
        self.eligible = self._eligible_images()
        self._metainfo = dict(
            self.dataset.metainfo,
            episode_classes=self.episode_classes,
            novel_classes=self.novel_classes,
            base_classes=self.base_classes,
            shot=self.shot,
            mode=self.mode,
            fold=self.fold)

    @property
    def metainfo(self) -> dict:
        """The wrapped dataset's metainfo plus the episode settings."""
        return dict(self._metainfo)

    def _eligible_images(self) -> Dict[int, np.ndarray]:
        """Per episode class, its eligible images; at least ``shot + 1``."""
        drop = self.mode == 'train' and self.novel_in_train == 'drop'
        eligible = eligible_images(
            self.pixels,
            episode_classes=self.episode_classes,
            min_pixels=self.min_pixels,
            drop_classes=self.novel_classes if drop else ())
        classes = self.dataset.metainfo['classes']
        for c, images in eligible.items():
            if images.size < self.shot + 1:
                raise ValueError(
                    f'{type(self).__name__}: class {c} ({classes[c]!r}) has '
                    f'{images.size} eligible {self.mode} images (>= '
                    f'{self.min_pixels} pixels' +
                    (', no novel class' if drop else '') +
                    f'), fewer than shot + 1 = {self.shot + 1} (shot='
                    f'{self.shot}); lower min_pixels or shot, or choose '
                    'other classes')
        return eligible

    @staticmethod
    def _check_seed(seed: int) -> None:
        if not is_int(seed) or seed < 0:
            raise ValueError(f'seed must be a non-negative int, got {seed!r}')

    def set_seed(self, seed: int) -> None:
        """Draw all episodes from ``seed`` (multi-seed testing).

        Args:
            seed (int): Non-negative seed.
        """
        self._check_seed(seed)
        self.seed = int(seed)

    def __len__(self) -> int:
        return self.num_episodes

    def get_episode_info(self, index: int) -> dict:
        """Class, query and supports of episode ``index``, without loading.

        Args:
            index (int): Episode index in ``[0, len(self))``.

        Returns:
            dict: ``class_id``, ``query`` (image index in the wrapped
            dataset) and ``supports`` (list of ``shot`` image indices).
        """
        if not is_int(index) or not 0 <= index < self.num_episodes:
            raise IndexError(f'episode index {index!r} out of range '
                             f'[0, {self.num_episodes})')
        rng = np.random.default_rng([self.seed, int(index)])
        class_id = self.episode_classes[int(
            rng.integers(len(self.episode_classes)))]
        pool = self.eligible[class_id]
        picks = pool[rng.choice(pool.size, size=self.shot + 1, replace=False)]
        return dict(
            class_id=int(class_id),
            query=int(picks[0]),
            supports=[int(i) for i in picks[1:]])

    def _load(self, image_index: int, class_id: int,
              role: str) -> Tuple[dict, np.ndarray]:
        """Run the pipeline on one image; return results and binary mask."""
        results = self.dataset.prepare_data(image_index)
        if not isinstance(results, dict) or 'img' not in results \
                or 'gt_seg_map' not in results:
            keys = sorted(results) if isinstance(results, dict) else results
            raise ValueError(
                f'{type(self).__name__}: the pipeline of the wrapped dataset '
                f'must load the image and label and must not pack them '
                f"(no PackSegInputs); it returned {keys} for the {role} "
                f'image {image_index}')
        img = results['img']
        if img.dtype != np.uint8 or img.ndim != 3 or img.shape[2] != 3:
            raise ValueError(
                f'{type(self).__name__}: {role} image '
                f'{results.get("img_path")!r} must be uint8 (H, W, 3) after '
                f'the pipeline (normalise in the data preprocessor), got '
                f'{img.dtype} {img.shape}')
        seg = results['gt_seg_map']
        mask = (seg == class_id).astype(np.uint8)
        mask[seg == IGNORE_INDEX] = IGNORE_INDEX
        return results, mask

    def _load_support(self, image_index: int, class_id: int) -> tuple:
        """Load a support; its mask at the image size, not empty."""
        for _ in range(self.support_retries):
            results, mask = self._load(image_index, class_id, 'support')
            h, w = results['img'].shape[:2]
            if mask.shape != (h, w):
                mask = mmcv.imresize(mask, (w, h), interpolation='nearest')
            if (mask == 1).any():
                return results, mask
        raise ValueError(
            f'{type(self).__name__}: support image '
            f'{results.get("img_path")!r} has no pixel of class {class_id} '
            f'({self.dataset.metainfo["classes"][class_id]!r}) after the '
            f'pipeline in {self.support_retries} tries (episode class masks '
            'must not be empty)')

    def __getitem__(self, index: int) -> dict:
        """Load, binarise and pack episode ``index`` (see class doc)."""
        info = self.get_episode_info(index)
        class_id = info['class_id']
        query, query_mask = self._load(info['query'], class_id, 'query')
        supports = [self._load_support(i, class_id) for i in info['supports']]
        imgs = [query['img']] + [res['img'] for res, _ in supports]
        height = max(img.shape[0] for img in imgs)
        width = max(img.shape[1] for img in imgs)
        inputs = np.zeros((len(imgs), 3, height, width), dtype=np.uint8)
        for row, img in enumerate(imgs):
            inputs[row, :, :img.shape[0], :img.shape[1]] = img.transpose(
                2, 0, 1)
        support_masks = np.full((self.shot, height, width),
                                IGNORE_INDEX,
                                dtype=np.int64)
        for row, (_, mask) in enumerate(supports):
            support_masks[row, :mask.shape[0], :mask.shape[1]] = mask

        data_sample = SegDataSample()
        data_sample.gt_sem_seg = PixelData(
            data=torch.from_numpy(query_mask[None].astype(np.int64)))
        data_sample.set_data(
            dict(
                gt_support_seg=PixelData(
                    data=torch.from_numpy(support_masks))))
        metainfo = dict(_META_DEFAULTS)
        metainfo.update({k: query[k] for k in _META_KEYS if k in query})
        metainfo.update(
            img_shape=tuple(query['img'].shape[:2]),
            pad_shape=(height, width),
            class_id=class_id,
            shot=self.shot,
            episode=int(index),
            seed=self.seed,
            support_img_paths=[res['img_path'] for res, _ in supports],
            support_img_shapes=[
                tuple(res['img'].shape[:2]) for res, _ in supports
            ])
        data_sample.set_metainfo(metainfo)
        return dict(inputs=torch.from_numpy(inputs), data_samples=data_sample)
