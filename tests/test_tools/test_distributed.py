"""tools/dist_train.sh and tools/dist_test.sh on the CPU with 2 ranks.

The scripts start the ranks with ``torch.distributed.run`` and mmengine's
pytorch launcher; without CUDA the tools use gloo and the CPU DDP wrapper
(``mmseg_maskattn.engine.setup_cpu_distributed``). Each metric of the
package gives the same numbers on 2 ranks as on 1 (IoU, PQ and mask AP of
MaskAttn-UNet, few-shot mIoU / FB-IoU through the multi-seed loop and its
seeded episodes), and a few training iterations at half the batch per rank
end with the same weights and losses as one process.
"""
import os
import re
import subprocess
from pathlib import Path

import pytest
import torch
from mmengine.config import Config
from mmengine.registry import init_default_scope
from mmseg.registry import MODELS

import mmseg_maskattn  # noqa: F401

from ._runner_utils import REPO_ROOT, TOY_CONFIG, run, toy_options

TRAIN = str(REPO_ROOT / 'tools' / 'train.py')
TEST = str(REPO_ROOT / 'tools' / 'test.py')
DIST_TRAIN = str(REPO_ROOT / 'tools' / 'dist_train.sh')
DIST_TEST = str(REPO_ROOT / 'tools' / 'dist_test.sh')
MASKATTN_TOY = REPO_ROOT / 'configs/maskattn_unet/' \
    'maskattn-unet_b16_1xb4-300iter_toy-64x64.py'
# run a tool with one torch thread, like each rank of _dist
ONE_THREAD = ('import runpy, sys, torch; torch.set_num_threads(1); '
              'sys.argv = sys.argv[1:]; '
              "runpy.run_path(sys.argv[0], run_name='__main__')")
# 'name: value' pairs of a log line
METRIC = re.compile(r'([\w/@.\-]+): (-?[\d.]+(?:e-?\d+)?|nan)')
# keys of the metrics that are timings, not results
TIMING = ('time', 'data_time', 'step')


def _dist(script: str, args: list, port: int) -> str:
    env = dict(os.environ, PORT=str(port), OMP_NUM_THREADS='1',
               PYTHONUNBUFFERED='1')
    proc = subprocess.run(['bash', script] + args, cwd=REPO_ROOT, env=env,
                          capture_output=True, text=True, timeout=600)
    out = proc.stdout + proc.stderr
    assert proc.returncode == 0, out[-4000:]
    return out


def _metrics(work_dir: Path) -> dict:
    """The test metrics of rank 0's log file (the last ``Iter(test)`` line).

    Read from the log, not from the metrics json: with 2 ranks on the CPU
    both processes append to that json file at once and can garble its
    last record."""
    logs = sorted(work_dir.glob('*/*.log'))
    assert logs, f'no log under {work_dir}'
    lines = [line for line in logs[-1].read_text().splitlines()
             if 'Iter(test)' in line and ': ' in line.split(']', 1)[-1]]
    assert lines, f'no test metrics in {logs[-1]}'
    pairs = METRIC.findall(lines[-1].split(']', 1)[-1])
    metrics = {k: float(v) for k, v in pairs if k not in TIMING}
    assert metrics, lines[-1]
    return metrics


def _init_checkpoint(config: Path, path: Path, options: dict = None) -> Path:
    """Save the initial weights of ``config``'s model (seeded)."""
    init_default_scope('mmseg')
    cfg = Config.fromfile(str(config))
    if options:
        cfg.merge_from_dict(options)
    torch.manual_seed(0)
    model = MODELS.build(cfg.model)
    model.init_weights()
    torch.save(dict(state_dict=model.state_dict(), meta=dict()), path)
    return path


@pytest.fixture(scope='module')
def fss_toy_root(tmp_path_factory) -> Path:
    from mmseg_maskattn.datasets.toy_data import generate_toy_dataset
    root = tmp_path_factory.mktemp('toy_fss_dist')
    generate_toy_dataset(root, num_train=8, num_val=8, size=64, seed=0)
    return root


def _compare_test(config: Path, ckpt: Path, options: list, tmp_path: Path,
                  port: int) -> dict:
    one = tmp_path / 'one'
    # one thread, as each rank has: the same float reductions
    run([TEST, str(config), str(ckpt), '--work-dir', str(one)] +
        (['--cfg-options'] + options if options else []), code=ONE_THREAD)
    two = tmp_path / 'two'
    _dist(DIST_TEST, [str(config), str(ckpt), '2', '--work-dir', str(two)] +
          (['--cfg-options'] + options if options else []), port)
    single, ranks = _metrics(one), _metrics(two)
    assert single == ranks
    return single


def test_dist_test_iou_metric(toy_data_root, tmp_path):
    ckpt = _init_checkpoint(TOY_CONFIG, tmp_path / 'init.pth')
    metrics = _compare_test(TOY_CONFIG, ckpt, toy_options(toy_data_root, 2),
                            tmp_path, 29621)
    assert {'aAcc', 'mIoU', 'mAcc'} <= set(metrics)


def test_dist_test_panoptic_quality_and_mask_ap(toy_data_root, tmp_path):
    ckpt = _init_checkpoint(MASKATTN_TOY, tmp_path / 'init.pth')
    metrics = _compare_test(MASKATTN_TOY, ckpt,
                            toy_options(toy_data_root, 2), tmp_path, 29622)
    assert {'mIoU', 'PQ', 'PQ_th', 'PQ_st'} <= set(metrics), metrics


def test_dist_test_few_shot_multi_seed(fss_toy_root, tmp_path,
                                       hdmnet_tiny_config):
    # 6 episodes per seed over 2 ranks, 2 seeds: the episodes are a function
    # of (seed, index), so the ranks see the same episodes as one process
    config = hdmnet_tiny_config(fss_toy_root, shot=1, seeds=(321, 322))
    ckpt = _init_checkpoint(config, tmp_path / 'init.pth')
    metrics = _compare_test(config, ckpt, [], tmp_path, 29623)
    assert {'mIoU', 'FB-IoU', 'mIoU_std', 'FB-IoU_std'} <= set(metrics)


DETERMINISTIC = '''
_base_ = {base!r}
randomness = dict(seed=0)
# SGD: its update is linear in the gradient, so the runs can be compared
# tightly (AdamW's first steps move weights with near-zero gradients by
# about lr whatever the sign of their rounding noise)
optim_wrapper = dict(
    optimizer=dict(_delete_=True, type='SGD', lr=0.1, momentum=0.9,
                   weight_decay=1e-4))
param_scheduler = []
train_dataloader = dict(dataset=dict(pipeline=[
    dict(type='LoadImageFromFile'), dict(type='LoadAnnotations'),
    dict(type='PackSegInputs')]))
model = dict(
    backbone=dict(drop_path_rate=0.0),
    decode_head=dict(norm_cfg=dict(type='GN', num_groups=4),
                     dropout_ratio=0.0, drop_path_rate=0.0))
'''


def test_dist_train_matches_one_process(toy_data_root, tmp_path):
    """3 iterations, batch 4 in one process against 2 ranks x batch 2.

    Nothing may differ but the split of the batch: no random augmentation,
    no dropout or stochastic depth, and GroupNorm instead of the head's
    BatchNorm (per-rank batch statistics would differ). mmengine logs the
    loss of rank 0's half batch only, so the runs are compared by their
    weights after 3 SGD steps (equal weights, equal losses)."""
    iters = 3
    config = tmp_path / 'deterministic.py'
    config.write_text(DETERMINISTIC.format(base=str(TOY_CONFIG)))
    options = toy_options(toy_data_root, iters, interval=iters)
    one, two = tmp_path / 'one', tmp_path / 'two'
    run([TRAIN, str(config), '--work-dir', str(one),
         '--cfg-options', 'train_dataloader.batch_size=4'] + options)
    _dist(DIST_TRAIN, [
        str(config), '2', '--work-dir',
        str(two), '--cfg-options', 'train_dataloader.batch_size=2'
    ] + options, 29624)
    a = torch.load(one / f'iter_{iters}.pth', map_location='cpu',
                   weights_only=True)['state_dict']
    b = torch.load(two / f'iter_{iters}.pth', map_location='cpu',
                   weights_only=True)['state_dict']
    assert a.keys() == b.keys()
    for key in a:
        torch.testing.assert_close(b[key], a[key], rtol=1e-4, atol=1e-6,
                                   msg=key)
