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

This module provides :class:`EpisodicDataset`, the dataset wrapper
producing episodes. The fold rules and the images eligible for a class are
in :mod:`.fss_folds`; the per-class pixel scan and the fold-list json in
:mod:`.fss_fold_list`.
"""
from typing import Dict, Optional, Sequence, Tuple, Union

import mmcv
import numpy as np
import torch
from mmengine.structures import PixelData
from mmseg.registry import DATASETS
from mmseg.structures import SegDataSample
from torch.utils.data import Dataset

from ..utils import IGNORE_INDEX, is_int
from .fss_fold_list import load_fold_list, scan_class_pixels
from .fss_folds import SPLIT_RULES, eligible_images, split_classes

__all__ = ['EpisodicDataset', 'MODES', 'NOVEL_IN_TRAIN']

#: ``'train'`` draws episodes of the base classes, ``'test'`` of the novel.
MODES = ('train', 'test')
#: What a training episode does with images holding novel-class pixels.
NOVEL_IN_TRAIN = ('drop', 'background')

# Keys copied from the query's pipeline results into the metainfo, as
# mmseg's PackSegInputs does; missing ones get the defaults below.
_META_KEYS = ('img_path', 'seg_map_path', 'ori_shape', 'img_shape',
              'scale_factor', 'flip', 'flip_direction', 'reduce_zero_label')
_META_DEFAULTS = dict(scale_factor=(1.0, 1.0), flip=False, flip_direction=None)


@DATASETS.register_module()
class EpisodicDataset(Dataset):
    """Few-shot segmentation episodes drawn from a semantic dataset.

    The FSS protocol of HDMNet (Peng et al., CVPR 2023,
    https://arxiv.org/abs/2303.14652), which follows PFENet (Tian et al.,
    TPAMI 2020) and BAM (Lang et al., CVPR 2022).

    **Classes.** The episode classes are the class ids (indices into the
    wrapped dataset's ``classes``) that are not in ``ignore_classes``,
    split into folds by ``split_rule`` (see
    :func:`~.fss_folds.fold_novel_classes`): ``mode='test'`` uses the
    novel classes of ``fold``, ``mode='train'`` the others (base classes).

    **Eligibility.** An image is eligible for a class when that class has at
    least ``min_pixels`` pixels in its label (PFENet/BAM: 2 * 32 * 32),
    counted at the label file's size. In training, ``novel_in_train='drop'``
    (BAM/HDMNet) removes every image holding any pixel of a novel class from
    all classes; ``'background'`` (PFENet/HSNet) keeps them, and their
    novel-class pixels are background (0) in the binary masks. Every episode
    class needs at least ``shot + 1`` eligible images. The per-class pixel
    counts come from one scan of the labels at construction
    (:func:`~.fss_fold_list.scan_class_pixels`) or from
    ``fold_list_file``.

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
        split_rule (str): One of :data:`~.fss_folds.SPLIT_RULES`, see
            :func:`~.fss_folds.fold_novel_classes`. Defaults to
            'contiguous'.
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
