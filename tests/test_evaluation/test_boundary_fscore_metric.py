"""Boundary F-score against hand-computed boundaries and matches."""
import numpy as np
import pytest
import torch
from mmengine.structures import PixelData
from mmseg.structures import SegDataSample

from mmseg_maskattn.evaluation import BoundaryFScoreMetric
from mmseg_maskattn.evaluation.metrics.boundary_fscore_metric import (
    boundary_fscores, mask_boundary)


def _square(x0, size=8):
    """Class 1 on rows 2..5 and columns x0..x0+3 of a size x size image."""
    m = np.zeros((size, size), dtype=np.int64)
    m[2:6, x0:x0 + 4] = 1
    return m


def test_mask_boundary_ring_border_and_ignore():
    gt = _square(2)
    valid = np.ones_like(gt, dtype=bool)
    ring = mask_boundary(gt == 1, valid)
    assert ring.sum() == 12  # the 4x4 square's outer ring
    assert not ring[3:5, 3:5].any()
    # the image border is not a boundary: class 0 touches it everywhere
    assert not mask_boundary(gt == 0, valid)[0].any()
    # nor is the border of an ignored region: with columns 6.. ignored,
    # the two middle pixels of the square's right side (rows 3, 4 of
    # column 5) only touch ignored pixels on the outside
    valid[:, 6:] = False
    assert mask_boundary(gt == 1, valid).sum() == 10


def test_shifted_square_by_hand():
    gt, pred = _square(2), _square(3)
    s = boundary_fscores(pred, gt, 2, [0.5, 1.0])
    # class 1: 6 of the 12 ring pixels coincide; within 1 px all match
    np.testing.assert_allclose(s[1, 0], [0.5, 0.5, 0.5])
    np.testing.assert_allclose(s[1, 1], [1.0, 1.0, 1.0])
    # class 0: 6 of its 16 boundary pixels coincide
    np.testing.assert_allclose(s[0, 0], [0.375, 0.375, 0.375])


def _sample(pred, gt):
    s = SegDataSample(
        pred_sem_seg=PixelData(data=torch.as_tensor(pred)[None]),
        gt_sem_seg=PixelData(data=torch.as_tensor(gt)[None]))
    s.set_metainfo(dict(img_path='a.png'))
    return s.to_dict()


def _compute(metric, classes, pairs):
    metric.dataset_meta = dict(classes=classes)
    metric.process({}, [_sample(p, g) for p, g in pairs])
    return metric.compute_metrics(metric.results)


def test_metric_means_over_classes_and_absent_classes():
    pair = (_square(3), _square(2))
    out = _compute(BoundaryFScoreMetric(tolerances=[0.5]), ['bg', 'fg'],
                   [pair])
    assert out['bF@0.5px'] == pytest.approx(43.75)
    assert out['bP@0.5px'] == pytest.approx(43.75)
    # a class absent from both maps is left out ...
    out = _compute(BoundaryFScoreMetric(tolerances=[0.5]),
                   ['bg', 'fg', 'sky'], [pair])
    assert out['bF@0.5px'] == pytest.approx(43.75)
    # ... unless asked to score it 1, as the release does
    out = _compute(BoundaryFScoreMetric(tolerances=[0.5], absent_as_one=True),
                   ['bg', 'fg', 'sky'], [pair])
    assert out['bF@0.5px'] == pytest.approx((50 + 37.5 + 100) / 3,
                                            abs=0.005)


def test_diagonal_fraction_and_per_image_mean():
    diag = np.hypot(8, 8)
    perfect = (_square(2), _square(2))
    shifted = (_square(3), _square(2))
    out = _compute(
        BoundaryFScoreMetric(tolerances=[0.5],
                             diagonal_fractions=[0.5 / diag]), ['bg', 'fg'],
        [perfect, shifted])
    # per class, the mean of 1 and the shifted image's F
    expected = ((1 + 0.375) / 2 + (1 + 0.5) / 2) / 2 * 100
    # reported in percent, rounded to 2 decimals
    assert out['bF@0.5px'] == pytest.approx(expected, abs=0.005)
    assert out[f'bF@{0.5 / diag:g}diag'] == pytest.approx(expected,
                                                         abs=0.005)


def test_ignored_pixels_are_not_scored():
    gt = _square(2)
    gt[:, 6:] = 255
    pred = _square(2)
    pred[:, 6:] = 1  # whatever is predicted on ignored pixels
    out = _compute(BoundaryFScoreMetric(tolerances=[0.5]), ['bg', 'fg'],
                   [(pred, gt)])
    assert out['bF@0.5px'] == pytest.approx(100.0)


@pytest.mark.parametrize('kwargs,text', [
    (dict(tolerances=[0]), 'tolerances'),
    (dict(tolerances=[3, -1]), 'tolerances'),
    (dict(tolerances=3), 'tolerances'),
    (dict(diagonal_fractions=[True]), 'diagonal_fractions'),
    (dict(tolerances=[], diagonal_fractions=[]), 'tolerances'),
])
def test_bad_tolerances(kwargs, text):
    with pytest.raises(ValueError, match=text):
        BoundaryFScoreMetric(**kwargs)


def test_bad_labels_and_sizes_name_the_file():
    metric = BoundaryFScoreMetric()
    metric.dataset_meta = dict(classes=['bg', 'fg'])
    with pytest.raises(ValueError, match=r'pred_sem_seg of a\.png.*\[5\]'):
        metric.process({}, [_sample(np.full((8, 8), 5), _square(2))])
    with pytest.raises(ValueError, match=r'gt_sem_seg of a\.png.*\[7\]'):
        metric.process({}, [_sample(_square(2), np.full((8, 8), 7))])
    with pytest.raises(ValueError, match=r'differ in size \(a\.png\)'):
        metric.process({}, [_sample(np.zeros((8, 9), int), _square(2))])


def test_label_boundaries_is_the_union_of_class_boundaries():
    from mmseg_maskattn.evaluation.metrics.boundary_fscore_metric import \
        label_boundaries
    rng = np.random.default_rng(0)
    labels = rng.integers(0, 4, (12, 15))
    valid = rng.random((12, 15)) > 0.2
    labels = np.where(valid, labels, 255)
    union = np.zeros_like(valid)
    for c in range(4):
        union |= mask_boundary((labels == c) & valid, valid)
    np.testing.assert_array_equal(label_boundaries(labels, valid), union)


def _brute_force(pred, gt, num_classes, tolerances):
    """Per class: every pairwise distance between the two boundaries."""
    valid = gt != 255
    out = np.full((num_classes, len(tolerances), 3), np.nan)
    for c in range(num_classes):
        if not ((pred == c) & valid).any() and not ((gt == c) & valid).any():
            continue
        bp = np.argwhere(mask_boundary((pred == c) & valid, valid))
        bg = np.argwhere(mask_boundary((gt == c) & valid, valid))
        d = np.sqrt(((bp[:, None] - bg[None]) ** 2).sum(-1))
        for t, tol in enumerate(tolerances):
            if not len(bp) and not len(bg):
                p = r = 1.0
            else:
                p = (d.min(1) <= tol).mean() if len(bp) and len(bg) else 0.
                r = (d.min(0) <= tol).mean() if len(bp) and len(bg) else 0.
            f = 2 * p * r / (p + r) if p + r else 0.0
            out[c, t] = (p, r, f)
    return out


# below, across and beyond the 3-pixel disc of the offset stage
@pytest.mark.parametrize('tolerances', [(1, 2.5, 5), (0.5, 2), (3, 7.5, 12)])
@pytest.mark.parametrize('seed', range(5))
def test_matches_brute_force_on_random_maps(seed, tolerances):
    rng = np.random.default_rng(seed)
    k = 4
    gt = rng.integers(0, k, (6, 7)).repeat(4, 0).repeat(4, 1)
    pred = np.roll(gt, seed - 2, axis=seed % 2)
    pred[rng.random(gt.shape) < 0.05] = 3
    gt[rng.random(gt.shape) < 0.05] = 255
    expected = _brute_force(pred, gt, k, tolerances)
    got = boundary_fscores(pred, gt, k, tolerances)
    np.testing.assert_allclose(got, expected, rtol=0, atol=1e-12)
