"""Few-shot segmentation through tools/train.py and tools/test.py on toy
episodes: a tiny HDMNet (ResNetV1c-18 with 8 base channels, 16-wide head)
built from the repository's HDMNet model base and toy FSS dataset base
(the ``hdmnet_tiny_config`` fixture of conftest.py), trained for 4
iterations and tested with MultiSeedTestLoop (2 seeds, 6 episodes each),
1-shot and 5-shot, plus a shot mismatch between the config and the data."""
import json
import math
import re
from pathlib import Path

import pytest

from ._runner_utils import REPO_ROOT, run

TRAIN = str(REPO_ROOT / 'tools' / 'train.py')
TEST = str(REPO_ROOT / 'tools' / 'test.py')
SEEDS = (321, 322)
# run a tool with one torch thread: the tiny model gains nothing from more,
# and on a shared 2-core machine waiting OpenMP threads slow it down ~4x
ONE_THREAD = ('import runpy, sys, torch; torch.set_num_threads(1); '
              'sys.argv = sys.argv[1:]; '
              "runpy.run_path(sys.argv[0], run_name='__main__')")
SEED_LINE = re.compile(r'seed (\d+): mIoU: ([-\d.naif]+), FB-IoU: ([-\d.naif]+)')


@pytest.fixture(scope='module')
def fss_toy_root(tmp_path_factory) -> Path:
    """Toy data with 8 val images: 5-shot test episodes need 6 images of
    the class (the session's toy data has 4)."""
    from mmseg_maskattn.datasets.toy_data import generate_toy_dataset
    root = tmp_path_factory.mktemp('toy_fss')
    generate_toy_dataset(root, num_train=8, num_val=8, size=64, seed=0)
    return root


def _tool(args, check=True):
    return run(args, code=ONE_THREAD, check=check)


def _test_metrics(work_dir: Path) -> dict:
    """Metrics LoggerHook dumped after the test (mean over the seeds)."""
    dumps = sorted(work_dir.glob('*/*.json'))
    assert dumps, f'no metrics json under {work_dir}'
    lines = dumps[-1].read_text().strip().splitlines()
    return json.loads(lines[-1])


def _check_test_output(out: str, metrics: dict) -> None:
    per_seed = {int(s): (float(m), float(f)) for s, m, f in
                SEED_LINE.findall(out)}
    assert set(per_seed) == set(SEEDS), out[-3000:]
    assert f'mean over seeds {list(SEEDS)}' in out
    for i, key in enumerate(('mIoU', 'FB-IoU')):
        value = metrics[key]
        assert isinstance(value, float) and math.isfinite(value), metrics
        assert 0.0 <= value <= 100.0
        values = [v[i] for v in per_seed.values()]
        assert all(math.isfinite(v) for v in values)
        # the per-seed lines are rounded to 4 decimals
        assert value == pytest.approx(sum(values) / len(values), abs=1e-3)
        assert math.isfinite(metrics[f'{key}_std'])


def _train_and_test(tmp_path, config, shot):
    work = tmp_path / f'work_{shot}shot'
    proc = _tool([TRAIN, str(config), '--work-dir', str(work)])
    out = proc.stdout + proc.stderr
    assert 'loss_distill' in out and 'loss_meta' in out
    # validation at iteration 4 (ValLoop, one seed)
    assert re.search(r'Iter\(val\).*mIoU: [\d.]+', out), out[-3000:]
    ckpt = work / 'iter_4.pth'
    assert ckpt.is_file()
    test_dir = tmp_path / f'test_{shot}shot'
    proc = _tool([TEST, str(config), str(ckpt), '--work-dir', str(test_dir)])
    _check_test_output(proc.stdout + proc.stderr, _test_metrics(test_dir))


def test_hdmnet_1shot_train_then_multi_seed_test(fss_toy_root, tmp_path,
                                                 hdmnet_tiny_config):
    config = hdmnet_tiny_config(fss_toy_root, shot=1, seeds=SEEDS)
    _train_and_test(tmp_path, config, shot=1)


def test_hdmnet_5shot_train_then_multi_seed_test(fss_toy_root, tmp_path,
                                                 hdmnet_tiny_config):
    config = hdmnet_tiny_config(fss_toy_root, shot=5, seeds=SEEDS)
    _train_and_test(tmp_path, config, shot=5)


def test_shot_of_data_differs_from_config(fss_toy_root, tmp_path,
                                          hdmnet_tiny_config):
    """The config's model expects 1-shot episodes, the data gives 5."""
    config = hdmnet_tiny_config(fss_toy_root, shot=1, seeds=SEEDS)
    proc = _tool([
        TRAIN,
        str(config), '--work-dir',
        str(tmp_path / 'work'), '--cfg-options',
        'train_dataloader.dataset.shot=5'
    ],
                 check=False)
    assert proc.returncode != 0
    assert ('the episodes have K=5 supports, the data preprocessor expects '
            'shot=1') in proc.stderr, proc.stderr[-3000:]
    assert not (tmp_path / 'work' / 'iter_4.pth').exists()
