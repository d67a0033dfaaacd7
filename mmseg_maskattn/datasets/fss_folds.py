"""Fold rules of episodic few-shot segmentation (FSS).

The classes of a dataset are split into folds; a few-shot segmentor is
trained on episodes of the *base* classes (the other folds) and tested on
episodes of the *novel* classes (the held-out fold), as in PFENet (Tian et
al., TPAMI 2020, https://arxiv.org/abs/2008.01449), BAM (Lang et al., CVPR
2022, https://arxiv.org/abs/2203.15712) and HDMNet (Peng et al., CVPR 2023,
https://arxiv.org/abs/2303.14652).

This module provides :func:`fold_novel_classes` / :func:`split_classes`,
the novel (and base) classes of a fold for the PASCAL-5i, COCO-20i,
contiguous, interleaved and explicit split rules, and
:func:`eligible_images`, the images an episode class may use.
"""
from typing import Dict, Optional, Sequence, Tuple

import numpy as np

from ..utils import is_int

__all__ = [
    'fold_novel_classes', 'split_classes', 'eligible_images', 'SPLIT_RULES'
]

#: Split rules of :func:`fold_novel_classes`.
SPLIT_RULES = ('pascal', 'coco', 'contiguous', 'interleaved', 'explicit')
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
    - ``'interleaved'``: COCO-20i's rule for any number of classes, fold
      ``i`` holds ``e[i::num_folds]`` (every fold gets classes from the
      whole id range, e.g. large and small CamVid classes alike);
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
    if split_rule == 'interleaved':
        return tuple(eligible[fold::num_folds])
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
            :func:`~.fss_fold_list.scan_class_pixels` returns them.
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
