"""Episodes per second of few-shot segmentors (training and testing).

For every config and every shot ``K`` (``--shots``, default 1 and 5), the
config's model is built on the chosen device (no checkpoint: weights do not
change the speed; a backbone ``init_cfg`` is not loaded) and timed on real
episodes of the config's own dataloaders (``num_workers=0``, the shot of the
datasets and of the ``FewShotDataPreProcessor`` set to ``K``):

    train   ``model.train_step`` (data preprocessor, forward with the losses,
            backward, optimizer step with the config's ``optim_wrapper``) on
            batches of ``train_dataloader`` (its batch size unless
            ``--batch-size``)
    test    ``model.test_step`` under ``torch.no_grad`` (data preprocessor,
            ``predict``: logits resized to the label size, argmax) on
            batches of ``test_dataloader`` (batch size 1 in the FSS dataset
            configs)

The batches are loaded before the timing (data loading is not timed, its
time per episode is reported in its own column). After ``--warmup`` untimed
steps, ``--repeats`` steps are timed, each on its own batch; episodes/s is
the number of timed episodes over their total time. With two configs (e.g.
HDMNet and PrototypeFSS) both run in the same process, one after the other
per shot, and the table ends with the speed ratios. The table (markdown),
the command and the machine are printed.

Example (CPU, CamVid, HDMNet against the prototype baseline):
    python tools/analysis_tools/benchmark_fss.py \
        configs/hdmnet/hdmnet_r18_1xb4-300iter_camvid-fold0-1shot-120x160.py \
        configs/hdmnet/prototype-fss_r18_1xb4-300iter_camvid-fold0-1shot-120x160.py \
        --shots 1 5 --repeats 5 --threads 1

On a CPU shared with other jobs, ``--threads 1`` gives steadier numbers:
OpenMP threads that wait for each other on busy cores slow every operator
down many times.
"""
import argparse
import copy
import math
import os
import platform
import shlex
import sys
import time
from typing import Dict, List

import torch
from mmengine.config import Config, DictAction

from mmseg_maskattn.analysis import cpu_model_name


def parse_args(argv=None):
    parser = argparse.ArgumentParser(
        description='Episodes/s of few-shot segmentors (train and test)')
    parser.add_argument('configs', nargs='+', help='one or two configs')
    parser.add_argument(
        '--shots',
        type=int,
        nargs='+',
        default=[1, 5],
        help='numbers of supports K to time (default: 1 5)')
    parser.add_argument(
        '--batch-size',
        type=int,
        default=None,
        help='training batch size (default: the config\'s)')
    parser.add_argument('--warmup', type=int, default=1)
    parser.add_argument('--repeats', type=int, default=5)
    parser.add_argument(
        '--parts',
        nargs='+',
        choices=['train', 'test'],
        default=['train', 'test'])
    parser.add_argument('--device', default='cpu')
    parser.add_argument(
        '--threads', type=int, default=0, help='torch CPU threads (0: keep)')
    parser.add_argument(
        '--cfg-options',
        nargs='+',
        action=DictAction,
        help='override settings of every config (key=value)')
    args = parser.parse_args(argv)
    if len(args.configs) > 2:
        parser.error('give one or two configs')
    if args.warmup < 0 or args.repeats < 1:
        parser.error('--warmup must be >= 0 and --repeats >= 1')
    if any(k < 1 for k in args.shots):
        parser.error('--shots must be >= 1')
    return args


def machine() -> str:
    """One line describing the machine."""
    cpu = cpu_model_name()
    cores = len(os.sched_getaffinity(0)) if hasattr(
        os, 'sched_getaffinity') else os.cpu_count()
    text = (f'{platform.node()}: {cpu}, {cores} CPU cores usable, '
            f'torch {torch.__version__} with {torch.get_num_threads()} '
            f'threads, Python {platform.python_version()}')
    if torch.cuda.is_available():
        text += f', CUDA: {torch.cuda.get_device_name(0)}'
    try:
        text += ', load average {:.2f} {:.2f} {:.2f}'.format(*os.getloadavg())
    except OSError:
        pass
    return text


def _with_shot(cfg: Config, shot: int) -> Config:
    """A copy of ``cfg`` whose datasets and data preprocessor use ``shot``
    and whose dataloaders load in the main process."""
    cfg = copy.deepcopy(cfg)
    for name in ('train_dataloader', 'test_dataloader'):
        loader = cfg.get(name)
        if loader is None:
            raise ValueError(f'the config has no {name}')
        if loader.dataset.get('type') != 'EpisodicDataset':
            raise ValueError(
                f'{name}.dataset must be an EpisodicDataset, got '
                f'{loader.dataset.get("type")!r}')
        loader.dataset.shot = shot
        loader.update(num_workers=0, persistent_workers=False)
    preprocessor = cfg.model.get('data_preprocessor')
    if preprocessor is not None and 'shot' in preprocessor:
        preprocessor.shot = shot
    return cfg


def _batches(loader_cfg, count: int, seed: int = 0) -> tuple:
    """``count`` batches of a dataloader and the seconds per episode it took
    to load them."""
    from mmengine.runner import Runner
    loader = Runner.build_dataloader(loader_cfg, seed=seed)
    batches, episodes = [], 0
    start = time.perf_counter()
    it = iter(loader)
    for _ in range(count):
        try:
            batch = next(it)
        except StopIteration:
            it = iter(loader)
            batch = next(it)
        batches.append(batch)
        episodes += len(batch['inputs'])
    return batches, (time.perf_counter() - start) / max(episodes, 1)


def _timed(step, batches: List[dict], warmup: int, device) -> float:
    """Episodes per second of ``step`` over the timed batches."""

    def sync():
        if device.type == 'cuda':
            torch.cuda.synchronize()

    for batch in batches[:warmup]:
        step(batch)
    sync()
    timed = batches[warmup:]
    start = time.perf_counter()
    for batch in timed:
        step(batch)
    sync()
    seconds = time.perf_counter() - start
    return sum(len(b['inputs']) for b in timed) / seconds


def measure(config: str, shot: int, args) -> Dict[str, object]:
    """Time one config at one shot; returns a table row."""
    from mmengine.model import revert_sync_batchnorm
    from mmengine.optim import build_optim_wrapper
    from mmengine.registry import init_default_scope
    from mmseg.registry import MODELS

    import mmseg_maskattn  # noqa: F401
    from mmseg_maskattn.analysis import resolve_config

    cfg = Config.fromfile(resolve_config(config))
    if args.cfg_options:
        cfg.merge_from_dict(args.cfg_options)
    cfg = _with_shot(cfg, shot)
    if args.batch_size is not None:
        cfg.train_dataloader.batch_size = args.batch_size
    init_default_scope(cfg.get('default_scope', 'mmseg'))
    device = torch.device(args.device)
    torch.manual_seed(0)
    model = revert_sync_batchnorm(MODELS.build(cfg.model)).to(device)
    trainable = sum(p.numel() for p in model.parameters() if p.requires_grad)
    count = args.warmup + args.repeats
    row = dict(
        config=config,
        model=type(model).__name__,
        shot=shot,
        batch=cfg.train_dataloader.batch_size,
        trainable_m=trainable / 1e6,
        params_m=sum(p.numel() for p in model.parameters()) / 1e6)
    if 'train' in args.parts:
        batches, load_s = _batches(cfg.train_dataloader, count)
        optim_wrapper = build_optim_wrapper(model, cfg.optim_wrapper)
        model.train()
        row['train_eps'] = _timed(
            lambda b: model.train_step(b, optim_wrapper), batches,
            args.warmup, device)
        row['train_load_ms'] = load_s * 1e3
    if 'test' in args.parts:
        batches, load_s = _batches(cfg.test_dataloader, count)
        model.eval()
        with torch.no_grad():
            row['test_eps'] = _timed(model.test_step, batches, args.warmup,
                                     device)
        row['test_load_ms'] = load_s * 1e3
    return row


def _fmt(value, digits=2) -> str:
    return '-' if value is None else f'{value:.{digits}f}'


def format_table(rows: List[dict], args, command: str) -> str:
    lines = [
        f'command: `{command}`',
        f'machine: {machine()}',
        f'device={args.device} warmup={args.warmup} repeats={args.repeats} '
        '(data loading not timed; load columns: ms per episode, '
        'num_workers=0)',
        '',
        '| config | model | K | train batch | trainable params (M) '
        '| train episodes/s | test episodes/s | train load (ms/ep) '
        '| test load (ms/ep) |',
        '|---|---|---|---|---|---|---|---|---|',
    ]
    for r in rows:
        lines.append(
            f"| {os.path.basename(r['config'])} | {r['model']} | {r['shot']} "
            f"| {r['batch']} | {r['trainable_m']:.3f} "
            f"| {_fmt(r.get('train_eps'))} | {_fmt(r.get('test_eps'))} "
            f"| {_fmt(r.get('train_load_ms'), 1)} "
            f"| {_fmt(r.get('test_load_ms'), 1)} |")
    if len(args.configs) == 2:
        lines.append('')  # ends the markdown table
        first, second = args.configs
        for shot in args.shots:
            a = next(r for r in rows
                     if r['config'] == first and r['shot'] == shot)
            b = next(r for r in rows
                     if r['config'] == second and r['shot'] == shot)
            for part in ('train', 'test'):
                key = f'{part}_eps'
                if key in a and key in b:
                    lines.append(
                        f'K={shot} {part}: {a["model"]} runs at '
                        f'{a[key] / b[key]:.3f}x the episodes/s of '
                        f'{b["model"]}')
    return '\n'.join(lines)


def main(argv=None) -> List[dict]:
    args = parse_args(argv)
    from mmengine.logging import MMLogger

    # the current logger: keeps mmengine's INFO and WARNING lines (param
    # groups, frozen parameters skipped, ...) out of the output
    MMLogger.get_instance('benchmark_fss', log_level='ERROR')
    if args.threads:
        torch.set_num_threads(args.threads)
    command = ' '.join(
        shlex.quote(a) for a in ['python', sys.argv[0]] +
        (sys.argv[1:] if argv is None else list(argv)))
    rows = []
    for shot in args.shots:
        for config in args.configs:
            row = measure(config, shot, args)
            for key in ('train_eps', 'test_eps'):
                if key in row and not math.isfinite(row[key]):
                    raise RuntimeError(f'{key} of {config} (K={shot}) is '
                                       f'{row[key]}')
            rows.append(row)
    print(format_table(rows, args, command))
    return rows


if __name__ == '__main__':
    main()
