"""Train a segmentor with mmengine's Runner (mmseg's CLI).

Examples:
    python tools/train.py configs/umixformer/b0_ade20k.py
    python tools/train.py CONFIG --work-dir work_dirs/x --resume
    python tools/train.py CONFIG --resume work_dirs/x/iter_4000.pth
    bash tools/dist_train.sh CONFIG 8
"""
import argparse
import logging
import os
import os.path as osp
from typing import Optional

import torch
from mmengine.config import Config, DictAction
from mmengine.logging import print_log
from mmengine.runner import Runner, find_latest_checkpoint

import mmseg_maskattn  # noqa: F401  (registers modules, checkpoint globals)
from mmseg_maskattn.engine import (check_decode_head_channels,
                                   enforce_strict_load, setup_cpu_distributed,
                                   teardown_cpu_distributed)


def parse_args():
    parser = argparse.ArgumentParser(description='Train a segmentor')
    parser.add_argument('config', help='train config file path')
    parser.add_argument('--work-dir', help='the dir to save logs and models')
    parser.add_argument(
        '--resume',
        nargs='?',
        type=str,
        const='auto',
        help='resume from the given checkpoint, or, without a value, from '
        'the latest checkpoint in the work dir')
    parser.add_argument(
        '--amp',
        action='store_true',
        default=False,
        help='enable automatic-mixed-precision training')
    parser.add_argument(
        '--cfg-options',
        nargs='+',
        action=DictAction,
        help='override some settings in the used config, the key-value pair '
        'in xxx=yyy format will be merged into config file.')
    parser.add_argument(
        '--launcher',
        choices=['none', 'pytorch', 'slurm', 'mpi'],
        default='none',
        help='job launcher')
    parser.add_argument(
        '--allow-partial',
        action='store_true',
        help='accept a load_from / --resume checkpoint that leaves model '
        'weights unloaded or has keys the model lacks; by default that is '
        'an error naming the keys (StrictLoadHook)')
    parser.add_argument('--local_rank', '--local-rank', type=int, default=0)
    args = parser.parse_args()
    if 'LOCAL_RANK' not in os.environ:
        os.environ['LOCAL_RANK'] = str(args.local_rank)
    return args


def _resumed_seed(checkpoint: Optional[str]) -> Optional[int]:
    """The seed stored in a checkpoint's meta, if any."""
    if checkpoint is None or not osp.isfile(checkpoint):
        return None
    meta = torch.load(checkpoint, map_location='cpu').get('meta', {})
    return meta.get('seed')


def main():
    args = parse_args()
    if not osp.isfile(args.config):
        raise FileNotFoundError(f'config file not found: {args.config}')
    cfg = Config.fromfile(args.config)
    cfg.launcher = args.launcher
    if args.cfg_options is not None:
        cfg.merge_from_dict(args.cfg_options)

    if args.work_dir is not None:
        cfg.work_dir = args.work_dir
    elif cfg.get('work_dir', None) is None:
        cfg.work_dir = osp.join('./work_dirs',
                                osp.splitext(osp.basename(args.config))[0])

    if args.amp:
        optim_wrapper = cfg.optim_wrapper.type
        if optim_wrapper == 'AmpOptimWrapper':
            print_log(
                'AMP training is already enabled in your config.',
                logger='current',
                level=logging.WARNING)
        else:
            if optim_wrapper != 'OptimWrapper':
                raise ValueError('--amp is only supported when the optimizer '
                                 'wrapper type is OptimWrapper, got '
                                 f'{optim_wrapper!r}')
            cfg.optim_wrapper.type = 'AmpOptimWrapper'
            cfg.optim_wrapper.loss_scale = 'dynamic'

    if args.resume is not None:
        cfg.resume = True
        checkpoint = (
            find_latest_checkpoint(cfg.work_dir)
            if args.resume == 'auto' else args.resume)
        if args.resume != 'auto' and not osp.isfile(args.resume):
            raise FileNotFoundError(
                f'--resume checkpoint not found: {args.resume}')
        cfg.load_from = checkpoint
        # the dataloaders (sampler order, worker seeds) are built before the
        # runner reads the checkpoint: give them the seed of the first run
        randomness = cfg.get('randomness', None) or {}
        seed = _resumed_seed(checkpoint)
        if randomness.get('seed') is None and seed is not None:
            cfg.randomness = dict(randomness, seed=seed)

    enforce_strict_load(cfg, allow_partial=args.allow_partial)
    # torchrun on a machine without CUDA: gloo and a CPU DDP wrapper
    cpu_dist = setup_cpu_distributed(cfg)
    try:
        runner = Runner.from_cfg(cfg)
        check_decode_head_channels(runner.model)
        runner.train()
    except BaseException:
        teardown_cpu_distributed(cpu_dist, synchronize=False)
        raise
    teardown_cpu_distributed(cpu_dist)


if __name__ == '__main__':
    main()
