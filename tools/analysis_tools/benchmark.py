"""Latency, throughput and peak memory of configs' models (CPU or CUDA).

Each measurement runs in its own child process, so that peak memory is
that of one model alone; with two configs (or ``--reference``) the children
alternate over ``--rounds`` so both see the same machine state, and the
medians over all rounds are reported side by side.

Parts:
    model   the whole network (backbone + decode head, ``mode='tensor'``)
    train   one training step (``model.train_step``: forward with the
            losses, backward, optimizer step with the config's
            ``optim_wrapper``) on one real batch of the config's
            ``train_dataloader`` (its pipeline and crop; ``--batch-size``
            replaces its batch size; ``--shape`` is not used)
    head    the decode head alone, on encoder features computed once
            (``--reference`` adds, for a UMixFormerHead, the same head with
            the same weights computed the straightforward way: explicit
            softmax(QK^T)V and fusion of the concatenated maps)

Peak memory: on CUDA ``torch.cuda.max_memory_allocated`` over warm-up and
timed runs, minus the memory allocated before them; on CPU the peak resident
set size (``VmHWM``, reset before the first forward) minus the resident size
before the first forward, read from ``/proc``. Both are the memory one
inference adds on top of the model and its inputs; for ``--part train`` the
memory a training step adds on top of the model, the optimizer and the
loaded batch: activations, gradients and the optimizer state.

Training memory of MaskAttn-UNet against Mask2Former-R50 (batch 8,
128x128, DSB2018 under data/dsb2018):
    python tools/analysis_tools/benchmark.py \
        configs/maskattn_unet/maskattn-unet_b32_1xb8-20k_dsb2018-128x128.py \
        configs/maskattn_unet/mask2former_r50_1xb8-20k_dsb2018-128x128.py \
        --part train --batch-size 8 --warmup 1 --repeats 3 --rounds 2

Example:
    python tools/analysis_tools/benchmark.py \
        configs/umixformer/b0_ade20k.py \
        mmseg::segformer/segformer_mit-b0_8xb2-160k_ade20k-512x512.py \
        --shape 512 512 --repeats 10 --rounds 3
"""
import argparse
import contextlib
import json
import resource
import statistics
import subprocess
import sys
import time

import torch


def parse_args():
    parser = argparse.ArgumentParser(description='Benchmark segmentors')
    parser.add_argument('configs', nargs='+', help='one or two configs')
    parser.add_argument('--shape', type=int, nargs=2, default=[512, 512])
    parser.add_argument('--batch-size', type=int, default=1)
    parser.add_argument('--device', default='cpu')
    parser.add_argument('--part', choices=['model', 'head', 'train'], default='model')
    parser.add_argument(
        '--reference',
        action='store_true',
        help='also time the straightforward UMixFormerHead (with --part head)')
    parser.add_argument('--warmup', type=int, default=3)
    parser.add_argument('--repeats', type=int, default=10)
    parser.add_argument('--rounds', type=int, default=3)
    parser.add_argument('--threads', type=int, default=0,
                        help='torch CPU threads (0: torch default)')
    parser.add_argument('--json', help='write the results here as JSON')
    parser.add_argument('--worker', help=argparse.SUPPRESS)
    return parser.parse_args()


def _rss_bytes() -> int:
    with open('/proc/self/statm') as f:
        return int(f.read().split()[1]) * resource.getpagesize()


def _peak_rss_bytes() -> int:
    with open('/proc/self/status') as f:
        for line in f:
            if line.startswith('VmHWM:'):
                return int(line.split()[1]) * 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


def _reset_peak_rss() -> bool:
    """Reset VmHWM (Linux >= 4.0); False where not permitted."""
    try:
        with open('/proc/self/clear_refs', 'w') as f:
            f.write('5')
        return True
    except OSError:
        return False


def _train_setup(config: str, model, batch_size: int) -> tuple:
    """The config's optimizer wrapper and one batch of its training data."""
    from mmengine.config import Config
    from mmengine.optim import build_optim_wrapper
    from mmengine.runner import Runner

    from mmseg_maskattn.analysis import resolve_config
    cfg = Config.fromfile(resolve_config(config))
    loader_cfg = cfg.train_dataloader
    loader_cfg.update(
        batch_size=batch_size, num_workers=0, persistent_workers=False)
    batch = next(iter(Runner.build_dataloader(loader_cfg, seed=0)))
    return build_optim_wrapper(model, cfg.optim_wrapper), batch


def measure(args, config: str, reference: bool) -> dict:
    """Runs in the child: time one model and return its numbers."""
    from mmseg_maskattn.analysis import (build_model_from_config,
                                         count_params,
                                         reference_umixformer_forward)
    if args.threads:
        torch.set_num_threads(args.threads)
    device = torch.device(args.device)
    # the same seed in every child: configs whose models have the same
    # layers (e.g. mmseg's DAHead and DANetHead) get the same weights and
    # inputs
    torch.manual_seed(0)
    model = build_model_from_config(config).to(device)
    x = torch.randn(args.batch_size, 3, *args.shape, device=device)
    if args.part == 'head':
        with torch.no_grad():
            feats = model.extract_feat(x)
        head = model.decode_head
        params = count_params(head)
        if reference:
            if type(head).__name__ != 'UMixFormerHead':
                raise ValueError('--reference needs a UMixFormerHead config, '
                                 f'{config} has {type(head).__name__}')

            def run():
                return reference_umixformer_forward(head, feats)
        else:

            def run():
                return head(feats)
    elif args.part == 'train':
        params = count_params(model)
        model.train()
        optim_wrapper, batch = _train_setup(config, model, args.batch_size)

        def run():
            return model.train_step(batch, optim_wrapper)
    else:
        params = count_params(model)

        def run():
            return model(x, mode='tensor')

    def sync():
        if device.type == 'cuda':
            torch.cuda.synchronize()

    grad_mode = (contextlib.nullcontext()
                 if args.part == 'train' else torch.no_grad())
    with grad_mode:
        # memory is measured from before the first forward, so that it
        # includes the activations the allocator keeps after warm-up
        sync()
        if device.type == 'cuda':
            torch.cuda.reset_peak_memory_stats()
            base = torch.cuda.memory_allocated()
        else:
            _reset_peak_rss()
            base = _rss_bytes()
        for _ in range(args.warmup):
            run()
        sync()
        times = []
        for _ in range(args.repeats):
            start = time.perf_counter()
            run()
            sync()
            times.append(time.perf_counter() - start)
        if device.type == 'cuda':
            peak = torch.cuda.max_memory_allocated() - base
        else:
            peak = _peak_rss_bytes() - base
    return dict(
        config=config,
        variant='reference' if reference else 'ours',
        part=args.part,
        params=params,
        latencies_ms=[t * 1e3 for t in times],
        peak_mem_mib=peak / 2**20)


def main():
    args = parse_args()
    if args.worker:
        spec = json.loads(args.worker)
        result = measure(args, spec['config'], spec['reference'])
        print('RESULT ' + json.dumps(result))
        return
    if len(args.configs) > 2:
        raise ValueError('give one or two configs')
    if args.reference and args.part != 'head':
        raise ValueError('--reference compares decode heads: add --part head')
    variants = [(c, False) for c in args.configs]
    if args.reference:
        variants += [(c, True) for c in args.configs]
    results = {v: [] for v in variants}
    argv = [a for a in sys.argv[1:]]
    for _ in range(args.rounds):
        for config, reference in variants:
            spec = json.dumps(dict(config=config, reference=reference))
            proc = subprocess.run(
                [sys.executable, __file__] + argv + ['--worker', spec],
                capture_output=True,
                text=True)
            if proc.returncode:
                sys.stderr.write(proc.stderr[-4000:])
                raise RuntimeError(f'the measurement of {config} failed '
                                   f'(exit code {proc.returncode}), its '
                                   'error is above')
            out = proc.stdout
            line = [x for x in out.splitlines() if x.startswith('RESULT ')]
            results[(config, reference)].append(json.loads(line[-1][7:]))
    rows = []
    for (config, reference), runs in results.items():
        lat = [t for r in runs for t in r['latencies_ms']]
        median = statistics.median(lat)
        rows.append(
            dict(
                config=config,
                variant='reference' if reference else 'ours',
                part=args.part,
                params_m=runs[0]['params'] / 1e6,
                latency_ms=median,
                throughput=args.batch_size * 1e3 / median,
                peak_mem_mib=max(r['peak_mem_mib'] for r in runs)))
    shape = ('the train pipeline crop' if args.part == 'train' else
             tuple(args.shape))
    print(f'device={args.device} shape={shape} '
          f'batch={args.batch_size} part={args.part} warmup={args.warmup} '
          f'repeats={args.repeats} rounds={args.rounds} '
          f'threads={torch.get_num_threads() if not args.threads else args.threads}')
    header = ('| config | variant | params (M) | median latency (ms) '
              '| throughput (img/s) | peak mem (MiB) |')
    print(header)
    print('|' + '---|' * 6)
    for r in rows:
        print(f"| {r['config']} | {r['variant']} | {r['params_m']:.3f} | "
              f"{r['latency_ms']:.1f} | {r['throughput']:.2f} | "
              f"{r['peak_mem_mib']:.1f} |")
    if len(rows) > 1:
        base = rows[0]['latency_ms']
        for r in rows[1:]:
            print(f"latency ratio {rows[0]['config']} ({rows[0]['variant']}) "
                  f"/ {r['config']} ({r['variant']}): "
                  f"{base / r['latency_ms']:.3f}")
    if args.json:
        with open(args.json, 'w') as f:
            json.dump(rows, f, indent=2)


if __name__ == '__main__':
    main()
