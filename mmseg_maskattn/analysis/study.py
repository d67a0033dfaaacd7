"""Helpers of the study scripts under ``projects/``.

A study runs the tools of one checkout (``tools/train.py``,
``tools/test.py``, ...) in subprocesses that import the package from that
checkout, the revision its table names, and reads what they wrote; it
counts the parameters and FLOPs of each model with
:mod:`mmseg_maskattn.analysis.complexity` in its own process, which must
therefore import the package from the same checkout. The diagnostics load a
checkpoint together with the config stored in it.

The scripts run from the repository root, e.g.
``python projects/umixformer_camvid/run_study.py``, and import this module
from the installed package (``pip install -e .`` of the checkout, or
``PYTHONPATH=<checkout>``).
"""
import glob
import json
import os
import os.path as osp
import platform
import subprocess
import sys
from typing import Sequence, Tuple

import torch
import torch.nn as nn
from mmengine.config import Config
from mmengine.model import revert_sync_batchnorm
from mmengine.registry import init_default_scope
from mmengine.runner import load_checkpoint
from mmseg.registry import MODELS

from .complexity import build_model_from_config, count_flops, count_params

__all__ = [
    'checkout_env', 'run_tool', 'latest_test_metrics', 'check_checkout',
    'complexity', 'machine_description', 'from_root', 'checkpoint_config',
    'checkpoint_model'
]

# the checkout (or site-packages) this package is imported from
PACKAGE_ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))


def checkout_env(root: str) -> dict:
    """The environment with ``root`` first on ``PYTHONPATH``: a subprocess
    imports the package from the checkout ``root``, not from wherever it is
    installed."""
    return dict(os.environ,
                PYTHONPATH=os.pathsep.join(
                    p for p in (root, os.environ.get('PYTHONPATH')) if p))


def run_tool(root: str, args: Sequence[str],
             **kwargs) -> subprocess.CompletedProcess:
    """Print and run ``python ARGS`` in the checkout ``root`` (working
    directory and :func:`checkout_env`); raise if it fails. ``kwargs`` go
    to :func:`subprocess.run` (e.g. ``capture_output=True``)."""
    print('+', ' '.join(args), flush=True)
    return subprocess.run([sys.executable] + list(args),
                          cwd=root,
                          env=checkout_env(root),
                          check=True,
                          **kwargs)


def latest_test_metrics(work_dir: str) -> dict:
    """The metrics ``tools/test.py`` wrote into ``work_dir``: the last JSON
    line of ``<timestamp>/<timestamp>.json`` of its latest run."""
    runs = sorted(glob.glob(osp.join(work_dir, '*', '*.json')))
    if not runs:
        raise FileNotFoundError(f'no <timestamp>/*.json under {work_dir}')
    with open(runs[-1]) as f:
        return json.loads(f.read().strip().splitlines()[-1])


def check_checkout(root: str) -> None:
    """Raise unless this package is imported from the checkout ``root``,
    so that what a study measures in its own process is that checkout."""
    if osp.realpath(root) != osp.realpath(PACKAGE_ROOT):
        raise RuntimeError(
            f'mmseg_maskattn is imported from {PACKAGE_ROOT}, not from the '
            f'checkout {root} that the study measures: install that '
            f'checkout (pip install -e) or run with PYTHONPATH={root}')


def complexity(root: str, config: str,
               shape: Tuple[int, int]) -> Tuple[float, float]:
    """Parameters (M) and GFLOPs of the model of ``config`` (a path
    relative to the checkout ``root``, or absolute) on a (3, H, W) input,
    rounded to 3 decimals: the numbers
    ``tools/analysis_tools/get_flops.py CONFIG --shape H W`` prints."""
    check_checkout(root)
    model = build_model_from_config(osp.join(root, config))
    flops, _, _ = count_flops(model, (3, *shape))
    return round(count_params(model) / 1e6, 3), round(flops / 1e9, 3)


def machine_description(omp_threads: bool = True) -> str:
    """``<processor>, <n> CPU cores`` and, with ``omp_threads``,
    ``, OMP_NUM_THREADS=<value or unset>``."""
    text = (f'{platform.processor() or platform.machine()}, '
            f'{os.cpu_count()} CPU cores')
    if omp_threads:
        text += (', OMP_NUM_THREADS='
                 f"{os.environ.get('OMP_NUM_THREADS', 'unset')}")
    return text


def from_root(root: str, path: str) -> str:
    """``path`` as given if absolute, else relative to the checkout
    ``root`` (configs name data roots relative to it)."""
    return path if osp.isabs(path) else osp.join(root, path)


def checkpoint_config(checkpoint: str) -> Config:
    """The config mmengine stored in ``checkpoint`` (``meta['cfg']``)."""
    # weights_only: importing mmseg_maskattn allow-lists the few globals
    # of mmengine checkpoints (mmseg_maskattn.engine.checkpoint)
    meta = torch.load(checkpoint, map_location='cpu',
                      weights_only=True).get('meta', {})
    if 'cfg' not in meta:
        raise KeyError(f"{checkpoint} has no meta['cfg'] (not written by "
                       'the mmengine Runner)')
    return Config.fromstring(meta['cfg'], file_format='.py')


def checkpoint_model(checkpoint: str) -> Tuple[Config, nn.Module]:
    """The config stored in ``checkpoint`` and its model, built in the
    config's default scope, weights loaded (strict), on the CPU, in eval
    mode (SyncBN reverted to BN)."""
    cfg = checkpoint_config(checkpoint)
    init_default_scope(cfg.get('default_scope', 'mmseg'))
    model = revert_sync_batchnorm(MODELS.build(cfg.model))
    load_checkpoint(model, checkpoint, map_location='cpu', strict=True,
                    logger='silent')
    return cfg, model.eval()
