"""Helpers to run the command-line tools in subprocesses."""
import os
import subprocess
import sys
from pathlib import Path
from typing import List

REPO_ROOT = Path(__file__).resolve().parents[2]
TOY_CONFIG = REPO_ROOT / 'configs/umixformer/' \
    'umixformer_mit-b0_1xb4-300iter_toy-64x64.py'


def toy_options(data_root: Path, max_iters: int, num_workers: int = 0,
                interval: int = 2) -> List[str]:
    """--cfg-options for a tiny run on generated toy data."""
    persistent = 'True' if num_workers > 0 else 'False'
    opts = [
        f'train_cfg.max_iters={max_iters}',
        f'train_cfg.val_interval={interval}',
        f'default_hooks.checkpoint.interval={interval}',
        'default_hooks.logger.interval=1',
    ]
    for loader in ('train_dataloader', 'val_dataloader', 'test_dataloader'):
        opts += [
            f'{loader}.dataset.data_root={data_root}',
            f'{loader}.num_workers={num_workers}',
            f'{loader}.persistent_workers={persistent}',
        ]
    return opts


def run(args: List[str], cwd: Path = REPO_ROOT, check: bool = True,
        code: str = None) -> subprocess.CompletedProcess:
    env = dict(os.environ, PYTHONUNBUFFERED='1', OMP_NUM_THREADS='2')
    cmd = [sys.executable] + (['-c', code] if code else []) + args
    proc = subprocess.run(
        cmd, cwd=cwd, env=env, capture_output=True, text=True)
    if check and proc.returncode != 0:
        raise AssertionError(
            f'command failed ({proc.returncode}): {" ".join(cmd)}\n'
            f'--- stdout ---\n{proc.stdout[-4000:]}\n'
            f'--- stderr ---\n{proc.stderr[-8000:]}')
    return proc
