"""Test (and evaluate) a segmentor with mmengine's Runner (mmseg's CLI).

Examples:
    python tools/test.py CONFIG CHECKPOINT
    python tools/test.py CONFIG CHECKPOINT --show-dir vis --out preds
    bash tools/dist_test.sh CONFIG CHECKPOINT 8
"""
import argparse
import os
import os.path as osp

from mmengine.config import Config, DictAction
from mmengine.runner import Runner

import mmseg_maskattn  # noqa: F401  (registers modules, checkpoint globals)
from mmseg_maskattn.engine import (check_decode_head_channels,
                                   enforce_strict_load, setup_cpu_distributed,
                                   teardown_cpu_distributed)


def parse_args():
    parser = argparse.ArgumentParser(description='Test (and evaluate) a '
                                     'segmentor')
    parser.add_argument('config', help='test config file path')
    parser.add_argument('checkpoint', help='checkpoint file')
    parser.add_argument(
        '--work-dir',
        help='the directory to save the file containing evaluation metrics')
    parser.add_argument(
        '--out',
        type=str,
        help='directory where predicted label maps are written as PNG')
    parser.add_argument(
        '--show', action='store_true', help='show prediction results')
    parser.add_argument(
        '--show-dir',
        help='directory where painted images are saved (relative: inside '
        'the work dir)')
    parser.add_argument(
        '--wait-time', type=float, default=2, help='the interval of show (s)')
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
        '--tta', action='store_true', help='test time augmentation')
    parser.add_argument(
        '--allow-partial',
        action='store_true',
        help='accept a checkpoint (the checkpoint) that leaves model weights '
        'unloaded or has keys the model lacks; by default that is an error '
        'naming the keys (StrictLoadHook)')
    parser.add_argument('--local_rank', '--local-rank', type=int, default=0)
    args = parser.parse_args()
    if 'LOCAL_RANK' not in os.environ:
        os.environ['LOCAL_RANK'] = str(args.local_rank)
    return args


def trigger_visualization_hook(cfg, args):
    default_hooks = cfg.default_hooks
    if 'visualization' not in default_hooks:
        raise RuntimeError(
            'VisualizationHook must be included in default_hooks to use '
            '--show or --show-dir; see configs/_base_/default_runtime.py of '
            'mmseg for an example')
    visualization_hook = default_hooks['visualization']
    visualization_hook['draw'] = True
    if args.show:
        visualization_hook['show'] = True
        visualization_hook['wait_time'] = args.wait_time
    if args.show_dir:
        visualizer = cfg.visualizer
        # a relative --show-dir lives in the work dir, not in the cwd
        visualizer['save_dir'] = osp.join(cfg.work_dir, args.show_dir)
    return cfg


def _write_label_maps(cfg, out: str) -> None:
    """Let every metric of the test evaluator that can write predicted label
    maps (mmseg's ``IoUMetric``: ``output_dir``) write them to ``out``."""
    import inspect

    import mmseg.evaluation  # noqa: F401  (registers mmseg's metrics)
    from mmseg.registry import METRICS
    evaluator = cfg.test_evaluator
    metrics = evaluator if isinstance(evaluator, (list, tuple)) else [
        evaluator
    ]
    writers = []
    for metric in metrics:
        cls = METRICS.get(metric['type'])
        if cls is not None and 'output_dir' in inspect.signature(
                cls.__init__).parameters:
            metric['output_dir'] = out
            metric['keep_results'] = True
            writers.append(metric['type'])
    if not writers:
        types = [m.get('type') for m in metrics]
        raise ValueError(
            f'--out needs a test_evaluator metric that writes label maps '
            f"(one with an 'output_dir' argument, e.g. IoUMetric); "
            f'{cfg.filename} has {types}')


def main():
    args = parse_args()
    for path, what in ((args.config, 'config'), (args.checkpoint,
                                                 'checkpoint')):
        if not osp.isfile(path):
            raise FileNotFoundError(f'{what} file not found: {path}')
    cfg = Config.fromfile(args.config)
    cfg.launcher = args.launcher
    if args.cfg_options is not None:
        cfg.merge_from_dict(args.cfg_options)

    if args.work_dir is not None:
        cfg.work_dir = args.work_dir
    elif cfg.get('work_dir', None) is None:
        cfg.work_dir = osp.join('./work_dirs',
                                osp.splitext(osp.basename(args.config))[0])

    cfg.load_from = args.checkpoint

    if args.show or args.show_dir:
        cfg = trigger_visualization_hook(cfg, args)

    if args.tta:
        if 'tta_pipeline' not in cfg or 'tta_model' not in cfg:
            raise KeyError('--tta needs tta_pipeline and tta_model in the '
                           f'config {args.config}')
        cfg.test_dataloader.dataset.pipeline = cfg.tta_pipeline
        cfg.tta_model.module = cfg.model
        cfg.model = cfg.tta_model

    if args.out is not None:
        _write_label_maps(cfg, args.out)

    enforce_strict_load(cfg, allow_partial=args.allow_partial)
    # torchrun on a machine without CUDA: gloo and a CPU DDP wrapper
    cpu_dist = setup_cpu_distributed(cfg)
    try:
        runner = Runner.from_cfg(cfg)
        check_decode_head_channels(runner.model)
        runner.test()
    except BaseException:
        teardown_cpu_distributed(cpu_dist, synchronize=False)
        raise
    teardown_cpu_distributed(cpu_dist)


if __name__ == '__main__':
    main()
