"""projects/lowres_universal/run_curve.py reads the validation results of
a training run from mmengine's scalars.json."""
import json
from pathlib import Path

import pytest

from ._script import load_script

ROOT = Path(__file__).resolve().parents[2]


def _write_run(work_dir, stamp, records):
    vis = work_dir / stamp / 'vis_data'
    vis.mkdir(parents=True)
    (vis / 'scalars.json').write_text(''.join(
        json.dumps(r) + '\n' for r in records))


def test_val_results_reads_latest_run_val_lines(tmp_path):
    curve = load_script('lowres_universal/run_curve.py')
    _write_run(tmp_path, '20260101_000000', [{'mIoU': 1.0, 'step': 100}])
    _write_run(tmp_path, '20260102_000000', [
        {'loss': 0.5, 'lr': 1e-3, 'step': 10},
        {'mIoU': 43.1, 'PQ': 40.0, 'step': 100},
        {'loss': 0.4, 'lr': 1e-3, 'step': 110},
        {'mIoU': 70.5, 'PQ': 55.0, 'step': 200},
    ])
    results = curve.val_results(str(tmp_path))
    assert sorted(results) == [100, 200]
    assert results[100]['mIoU'] == 43.1
    assert results[200]['PQ'] == 55.0


def test_val_results_without_run_names_the_dir(tmp_path):
    curve = load_script('lowres_universal/run_curve.py')
    with pytest.raises(FileNotFoundError, match=str(tmp_path)):
        curve.val_results(str(tmp_path))


def test_every_set_names_existing_configs_with_distinct_work_dirs():
    curve = load_script('lowres_universal/run_curve.py')
    stems = []
    for table, models in curve.SETS.values():
        assert table.endswith('.md')
        for config in models.values():
            assert (ROOT / config).is_file(), config
            stems.append(config.rsplit('/', 1)[1].split('_')[0])
    assert len(stems) == len(set(stems)), stems
