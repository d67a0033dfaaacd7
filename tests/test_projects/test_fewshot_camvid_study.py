"""projects/fewshot_camvid/run_study.py: the expected foreground fraction
of a training query, against a hand-computed case."""
import json
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest

from ._script import load_script

ROOT = Path(__file__).resolve().parents[2]


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


def _write_scalars(work_dir, stamp, records):
    vis = work_dir / stamp / 'vis_data'
    vis.mkdir(parents=True)
    (vis / 'scalars.json').write_text(''.join(
        json.dumps(r) + '\n' for r in records))


def test_base_val_miou_reads_the_last_validation_of_the_latest_run(
        tmp_path):
    study = load_script('fewshot_camvid/run_study.py')
    _write_scalars(tmp_path, '20260101_000000', [{'mIoU': 99.0, 'step': 1}])
    _write_scalars(tmp_path, '20260102_000000', [
        {'loss': 1.0, 'step': 50},
        {'mIoU': 20.5, 'aAcc': 70.0, 'step': 500},
        {'loss': 0.5, 'step': 550},
        {'mIoU': 31.25, 'aAcc': 80.0, 'step': 1000},
    ])
    assert study.base_val_miou(str(tmp_path)) == 31.25


def test_base_val_miou_errors_name_the_run(tmp_path):
    study = load_script('fewshot_camvid/run_study.py')
    with pytest.raises(FileNotFoundError, match=str(tmp_path)):
        study.base_val_miou(str(tmp_path))
    _write_scalars(tmp_path, '20260102_000000', [{'loss': 1.0, 'step': 50}])
    with pytest.raises(ValueError, match='scalars.json'):
        study.base_val_miou(str(tmp_path))


def test_every_backbone_set_names_existing_configs():
    study = load_script('fewshot_camvid/run_study.py')
    assert set(study.MODELS) == set(study.TABLES)
    for models in study.MODELS.values():
        for pattern in models.values():
            for fold in study.FOLDS:
                assert (ROOT / pattern.format(fold=fold)).is_file()
    assert set(study.PSPNETS) < set(study.MODELS)
    for config, _ in study.PSPNETS.values():
        for fold in study.FOLDS:
            assert (ROOT / config.format(fold=fold)).is_file()
