"""projects/fewshot_camvid/run_study.py: the expected foreground fraction
of a training query, against a hand-computed case."""
from types import SimpleNamespace

import numpy as np
import pytest

from ._script import load_script


def test_episode_foreground_hand_computed():
    study = load_script('fewshot_camvid/run_study.py')
    # 3 images of 100 labelled pixels each; class 0 is not an episode class
    # but counts in the totals.
    pixels = {
        0: (np.array([0, 1, 2]), np.array([70, 90, 40])),
        1: (np.array([0, 2]), np.array([30, 60])),
        2: (np.array([1]), np.array([10])),
    }
    dataset = SimpleNamespace(
        pixels=pixels,
        episode_classes=(1, 2),
        # image 2 is not eligible for class 1 (e.g. under min_pixels)
        eligible={1: np.array([0]), 2: np.array([1])})
    # class 1: 30/100; class 2: 10/100; mean over classes
    assert study.episode_foreground(dataset) == pytest.approx(0.2)
    dataset.eligible = {1: np.array([0, 2]), 2: np.array([1])}
    # class 1: mean(0.3, 0.6) = 0.45; class 2: 0.1
    assert study.episode_foreground(dataset) == pytest.approx(0.275)
