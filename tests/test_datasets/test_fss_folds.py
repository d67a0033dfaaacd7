"""Tests of the fold rules of episodic few-shot segmentation."""
import pytest

from mmseg_maskattn.datasets.fss_folds import (fold_novel_classes,
                                               split_classes)

PASCAL_FOLDS = [(1, 2, 3, 4, 5), (6, 7, 8, 9, 10), (11, 12, 13, 14, 15),
                (16, 17, 18, 19, 20)]
COCO_FOLDS = [
    (1, 5, 9, 13, 17, 21, 25, 29, 33, 37, 41, 45, 49, 53, 57, 61, 65, 69, 73,
     77),
    (2, 6, 10, 14, 18, 22, 26, 30, 34, 38, 42, 46, 50, 54, 58, 62, 66, 70, 74,
     78),
    (3, 7, 11, 15, 19, 23, 27, 31, 35, 39, 43, 47, 51, 55, 59, 63, 67, 71, 75,
     79),
    (4, 8, 12, 16, 20, 24, 28, 32, 36, 40, 44, 48, 52, 56, 60, 64, 68, 72, 76,
     80),
]


@pytest.mark.parametrize('fold', range(4))
def test_pascal_and_coco_folds(fold):
    novel, base = split_classes(
        21, ignore_classes=[0], split_rule='pascal', fold=fold)
    assert novel == PASCAL_FOLDS[fold]
    assert base == tuple(c for c in range(1, 21) if c not in novel)
    novel, base = split_classes(
        81, ignore_classes=[0], split_rule='coco', fold=fold)
    assert novel == COCO_FOLDS[fold]
    assert len(base) == 60 and 0 not in base


def test_contiguous_and_explicit_folds():
    folds = [
        fold_novel_classes(
            range(11), split_rule='contiguous', fold=f, num_folds=3)
        for f in range(3)
    ]
    assert folds == [(0, 1, 2, 3), (4, 5, 6, 7), (8, 9, 10)]
    # COCO-20i's rule for any class count: CamVid's 11 classes in 3 folds
    folds = [
        fold_novel_classes(
            range(11), split_rule='interleaved', fold=f, num_folds=3)
        for f in range(3)
    ]
    assert folds == [(0, 3, 6, 9), (1, 4, 7, 10), (2, 5, 8)]
    assert fold_novel_classes(range(1, 81), split_rule='interleaved',
                              fold=2) == fold_novel_classes(
                                  range(1, 81), split_rule='coco', fold=2)
    assert fold_novel_classes([1, 2, 3],
                              split_rule='explicit',
                              novel_classes=[3, 1]) == (1, 3)


@pytest.mark.parametrize('kwargs, match', [
    (dict(split_rule='voc', fold=0), "split_rule must be one of .*'voc'"),
    (dict(split_rule='pascal', fold=4), r'fold must be .*\[0, 4\).* 4'),
    (dict(split_rule='pascal', fold=0, num_folds=5), 'num_folds=4'),
    (dict(split_rule='explicit', novel_classes=[21]), 'novel class 21'),
    (dict(split_rule='explicit', novel_classes=[0]), 'novel class 0'),
    (dict(split_rule='contiguous', fold=0,
          novel_classes=[1]), 'only used with'),
])
def test_fold_errors(kwargs, match):
    with pytest.raises(ValueError, match=match):
        split_classes(21, ignore_classes=[0], **kwargs)


def test_coco_rule_needs_80_classes():
    with pytest.raises(ValueError, match='80 eligible classes'):
        split_classes(21, ignore_classes=[0], split_rule='coco', fold=0)
    with pytest.raises(ValueError, match='ignore class 30'):
        split_classes(21, ignore_classes=[30], split_rule='pascal', fold=0)
