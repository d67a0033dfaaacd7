"""Latency of the same attention code paths in two checkouts of the package.

Checks a refactor for speed regressions: each (checkout, part) runs in its
own child process with ``PYTHONPATH`` set to that checkout, pinned to one
CPU core with one torch thread, and the checkouts alternate over
``--rounds``. The minimum over runs is the statistic least moved by other
jobs on a shared machine; the median is printed beside it.

Parts (fixed inputs, seed 0, eval mode, no gradients):
    umixformer-head        the U-MixFormer-B0 decode head on MiT-B0
                           features of a 512x512 image
                           (configs/umixformer/b0_ade20k.py)
    maskattn-unet-backbone the MaskAttn-UNet encoder, batch 8 at 128x128
                           (configs/maskattn_unet/maskattn-unet_b32_...)

Example (the checkout before the attention primitive, and this one):
    git worktree add /tmp/before d28b3f9^
    python tools/analysis_tools/compare_checkouts.py /tmp/before . \\
        --rounds 3 --repeats 25
"""
import argparse
import json
import os
import os.path as osp
import statistics
import subprocess
import sys
import time

PARTS = {
    'umixformer-head': 'configs/umixformer/b0_ade20k.py',
    'maskattn-unet-backbone':
    'configs/maskattn_unet/maskattn-unet_b32_1xb8-20k_dsb2018-128x128.py',
}


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('checkouts', nargs='*', help='two checkouts')
    parser.add_argument('--parts', nargs='+', choices=list(PARTS),
                        default=list(PARTS))
    parser.add_argument('--rounds', type=int, default=3)
    parser.add_argument('--repeats', type=int, default=25)
    parser.add_argument('--warmup', type=int, default=3)
    parser.add_argument('--core', type=int, default=0,
                        help='the CPU core the children are pinned to')
    parser.add_argument('--worker', help=argparse.SUPPRESS)
    return parser.parse_args()


def worker(part: str, repeats: int, warmup: int) -> dict:
    """Time ``part`` in this process; return the run times in ms."""
    import torch
    from mmengine.config import Config
    from mmengine.model import revert_sync_batchnorm
    from mmengine.registry import init_default_scope
    from mmseg.registry import MODELS

    import mmseg_maskattn  # noqa: F401
    torch.set_num_threads(1)
    init_default_scope('mmseg')
    cfg = Config.fromfile(PARTS[part])
    torch.manual_seed(0)
    model = revert_sync_batchnorm(MODELS.build(cfg.model)).eval()
    with torch.no_grad():
        if part == 'umixformer-head':
            feats = model.extract_feat(torch.randn(1, 3, 512, 512))

            def run():
                return model.decode_head(feats)
        else:
            images = torch.randn(8, 3, 128, 128)

            def run():
                return model.backbone(images)

        for _ in range(warmup):
            run()
        times = []
        for _ in range(repeats):
            start = time.perf_counter()
            run()
            times.append((time.perf_counter() - start) * 1e3)
    return dict(times=times, package=osp.dirname(mmseg_maskattn.__file__))


def main():
    args = parse_args()
    if args.worker:
        print(json.dumps(worker(args.worker, args.repeats, args.warmup)))
        return
    if len(args.checkouts) != 2:
        raise SystemExit('give two checkouts to compare')
    roots = [osp.abspath(c) for c in args.checkouts]
    for root in roots:
        if not osp.isfile(osp.join(root, 'mmseg_maskattn', '__init__.py')):
            raise SystemExit(f'{root} is not a checkout of mmseg_maskattn')
    runs = {(r, p): [] for r in roots for p in args.parts}
    for _ in range(args.rounds):
        for root in roots:
            for part in args.parts:
                env = dict(os.environ, PYTHONPATH=root, OMP_NUM_THREADS='1')
                out = subprocess.run([
                    'taskset', '-c', str(args.core), sys.executable,
                    osp.abspath(__file__), '--worker', part, '--repeats',
                    str(args.repeats), '--warmup', str(args.warmup)
                ],
                                     cwd=root,
                                     env=env,
                                     check=True,
                                     capture_output=True,
                                     text=True).stdout
                result = json.loads(out.strip().splitlines()[-1])
                if not result['package'].startswith(root):
                    raise RuntimeError(f"{root}: imported {result['package']}")
                runs[root, part].extend(result['times'])
    print(f'rounds={args.rounds} repeats={args.repeats} core={args.core} '
          'threads=1')
    print('| part | checkout | min (ms) | median (ms) |')
    print('|---|---|---|---|')
    for part in args.parts:
        for root in roots:
            times = runs[root, part]
            print(f'| {part} | {root} | {min(times):.1f} | '
                  f'{statistics.median(times):.1f} |')


if __name__ == '__main__':
    main()
