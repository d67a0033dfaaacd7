"""projects/fewshot_camvid/run_study.py: the expected foreground fraction
of a training query, against a hand-computed case."""
import json
import os.path as osp
import sys
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


def test_base_val_curve_lists_every_validation(tmp_path):
    study = load_script('fewshot_camvid/run_study.py')
    _write_scalars(tmp_path, '20260102_000000', [
        {'mIoU': 20.5, 'step': 250},
        {'loss': 0.5, 'step': 300},
        {'mIoU': 31.25, 'step': 500},
    ])
    assert study.base_val_curve(str(tmp_path)) == [(250, 20.5),
                                                   (500, 31.25)]


def test_every_study_names_existing_configs():
    study = load_script('fewshot_camvid/run_study.py')
    for settings in study.STUDIES.values():
        for fold in study.FOLDS:
            for value in settings['models'].values():
                pattern = study._model_entry(value)[0]
                assert (ROOT / pattern.format(fold=fold)).is_file()
            if settings['pspnet']:
                config = settings['pspnet'][0].format(fold=fold)
                assert (ROOT / config).is_file()
        # the curve's checkpoints exist: the last one is the trained model
        assert all(i <= settings['iters'] for i in settings['curve'])
        if settings['curve']:
            assert settings['curve'][-1] == settings['iters']


def test_ranking_rows_compute_missing_entries_once(tmp_path, monkeypatch):
    study = load_script('fewshot_camvid/run_study.py')
    calls = []

    def run(ckpt, episodes, seed, source):
        calls.append((Path(ckpt).name, episodes, seed, source))
        return dict(auc=0.5 + len(calls) / 100)

    monkeypatch.setattr(study, 'ROOT', str(tmp_path))
    monkeypatch.setattr(study, '_fg_ranking',
                        lambda: SimpleNamespace(run=run))
    (tmp_path / 'w').mkdir()
    rows = study.ranking_rows('w', [(300, 'model'), (600, 'model')])
    assert calls == [('iter_300.pth', study.CURVE_EPISODES,
                      study.CURVE_SEED, 'model'),
                     ('iter_600.pth', study.CURVE_EPISODES,
                      study.CURVE_SEED, 'model')]
    assert rows == {(300, 'model'): {'auc': 0.51},
                    (600, 'model'): {'auc': 0.52}}
    # cached: only the new entry runs
    rows = study.ranking_rows('w', [(300, 'model'), (600, 'prior-psp')])
    assert calls[2:] == [('iter_600.pth', study.CURVE_EPISODES,
                          study.CURVE_SEED, 'prior-psp')]
    assert rows[(300, 'model')] == {'auc': 0.51}
    assert rows[(600, 'prior-psp')] == {'auc': 0.53}
    # force recomputes what is asked and keeps the rest
    rows = study.ranking_rows('w', [(300, 'model')], force=True)
    assert calls[3][0] == 'iter_300.pth'
    assert rows[(300, 'model')] == {'auc': 0.54}
    assert rows[(600, 'prior-psp')] == {'auc': 0.53}


def test_parallel_runs_every_job_and_names_the_failed_one(
        tmp_path, monkeypatch):
    study = load_script('fewshot_camvid/run_study.py')
    monkeypatch.setattr(study, 'ROOT', str(tmp_path))
    jobs = [(['-c', 'print("first")'], 'a.log', 'a.txt'),
            (['-c', 'import sys; sys.exit(3)'], 'b.log', 'b.txt'),
            (['-c', 'print("third")'], 'c.log', 'c.txt')]
    with pytest.raises(RuntimeError, match=r'b\.log \(exit 3\)'):
        study._parallel(jobs)
    # the others ran to the end and have their minutes; the failed one not
    assert (tmp_path / 'a.log').read_text().strip() == 'first'
    assert (tmp_path / 'c.log').read_text().strip() == 'third'
    assert float((tmp_path / 'a.txt').read_text()) >= 0
    assert (tmp_path / 'c.txt').is_file()
    assert not (tmp_path / 'b.txt').exists()


def test_model_entry_forms():
    study = load_script('fewshot_camvid/run_study.py')
    assert study._model_entry('a_{fold}.py') == ('a_{fold}.py', (), '')
    entry = ('b_{fold}.py', ('optim_wrapper.optimizer.lr=1e-4', ), '-lr1e-4')
    assert study._model_entry(entry) == entry
    # the sweep of the GPU study gives every learning rate its work dir
    runs = [study._model_entry(v)
            for v in study.STUDIES['gpu']['models'].values()]
    assert len({suffix for _, _, suffix in runs}) == len(runs)


def test_base_learner_options_only_reach_models_with_a_base_learner():
    study = load_script('fewshot_camvid/run_study.py')
    models = study.STUDIES['published']['models'].values()
    hdmnet, = [m for m in models if 'hdmnet' in m]
    baseline, = [m for m in models if 'prototype' in m]
    options = ['model.backbone.init_cfg.checkpoint=a.pth',
               'model.base_learner.init_cfg.checkpoint=a.pth']
    assert study.run_options(hdmnet.format(fold=1), options) == options
    assert study.run_options(baseline.format(fold=1),
                             options) == options[:1]


def test_main_writes_the_published_table_from_finished_runs(
        tmp_path, monkeypatch):
    """The whole table of ``--study published`` from stubbed runs: every
    model and fold, the curve rows with the meta and prior sources, and
    the base learner's checkpoint option only for HDMNet."""
    study = load_script('fewshot_camvid/run_study.py')
    seen = {}

    def train_and_test(config, work, iters, force, options=()):
        seen[osp.basename(config)] = list(options)
        return 1.0, 2.0, {'mIoU': 10.0, 'mIoU_std': 0.5, 'FB-IoU': 50.0,
                          'FB-IoU_std': 1.0}

    def ranking(work, sources, force=False):
        return {s: dict(auc=0.8, p_fg=0.3, p_bg=0.1, any_fg=0.5,
                        miou_05=12.0, best_threshold=0.2, miou_best=20.0)
                for s in sources}

    monkeypatch.setattr(study, '_base_learner', lambda *a: (
        'w/psp/iter_1000.pth', [(500, 30.0), (1000, 40.0)], 35.0))
    monkeypatch.setattr(study, '_fold_summary', lambda c: ('Car', 0.1))
    monkeypatch.setattr(study, '_train_and_test', train_and_test)
    monkeypatch.setattr(study, 'ranking_rows', ranking)
    monkeypatch.setattr(study, 'base_val_curve', lambda w: [(1200, 15.0)])
    monkeypatch.setattr(study, 'machine_description', lambda **k: 'box')
    out = tmp_path / 'table.md'
    monkeypatch.setattr(sys, 'argv', [
        'run_study.py', '--study', 'published', '--folds', '1', '--out',
        str(out)
    ])
    study.main()
    text = out.read_text()
    hdmnet = [k for k in seen if k.startswith('hdmnet')]
    baseline = [k for k in seen if k.startswith('prototype')]
    assert len(hdmnet) == len(baseline) == 1
    assert seen[hdmnet[0]] == [
        'model.backbone.init_cfg.checkpoint=w/psp/iter_1000.pth',
        'model.base_learner.init_cfg.checkpoint=w/psp/iter_1000.pth'
    ]
    assert seen[baseline[0]] == seen[hdmnet[0]][:1]
    assert '| HDMNet as published (BAM ensemble), 1-shot | 1 | 10.00 ± 0.50' \
        in text
    for source in ('model', 'meta', 'prior-psp', 'prior-layer4'):
        assert f'| 1200 | {source} | 0.800 |' in text
    assert '| 300 | meta |' in text
    assert '500: 30.00, 1000: 40.00' in text
    assert '--study published --folds 1' in text
