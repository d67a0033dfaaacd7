"""U-MixFormer-B0 vs SegFormer-B0 trained from scratch on CamVid (CPU).

Both models share the data pipeline (CamVid train, 180x240 crops), the
schedule (1000 iterations, batch 8, AdamW, warm-up + poly) and the seeds;
only the decode head differs. Each (model, seed) is trained with
tools/train.py (``--cfg-options randomness.seed=S``; a finished run in the
work dir is reused unless --force), evaluated on CamVid val with
tools/test.py, and results.md gets one row per run plus the mean and the
sample standard deviation over the seeds of each model, with params, GFLOPs
at 180x240, the machine and the git revision.

Run from the repository root, with CamVid at data/camvid (a symlink to
../shared/data/camvid on the project machines):
    python projects/umixformer_camvid/run_study.py \
        --work-dir work_dirs/camvid_study
"""
import argparse
import os.path as osp
import statistics
import subprocess
import time

from mmseg_maskattn.analysis.study import (check_checkout, complexity,
                                           latest_test_metrics,
                                           machine_description, run_tool)

ROOT = osp.abspath(osp.join(osp.dirname(__file__), '..', '..'))
# name: (config, iterations)
MODELS = {
    'U-MixFormer-B0':
    ('configs/umixformer/umixformer_mit-b0_1xb8-1k_camvid-180x240.py', 1000),
    'SegFormer-B0': ('projects/umixformer_camvid/configs/'
                     'segformer_mit-b0_1xb8-1k_camvid-180x240.py', 1000),
}


def _revision():
    rev = subprocess.run(['git', 'rev-parse', '--short', 'HEAD'],
                         cwd=ROOT, capture_output=True, text=True).stdout
    dirty = subprocess.run(['git', 'status', '--porcelain', '--',
                            'mmseg_maskattn', 'configs'],
                           cwd=ROOT, capture_output=True, text=True).stdout
    return rev.strip() + (' (with uncommitted changes)' if dirty else '')


def mean_std(values):
    """Mean and sample standard deviation (0 for a single value)."""
    values = list(values)
    std = statistics.stdev(values) if len(values) > 1 else 0.0
    return statistics.fmean(values), std


def train_and_test(name, config, iters, seed, work_root, force):
    """Train one (model, seed) unless done, test it, return its metrics."""
    work = osp.join(work_root, f'{name.lower()}-{iters}-seed{seed}')
    ckpt = osp.join(work, f'iter_{iters}.pth')
    timing = osp.join(work, 'train_minutes.txt')
    if force or not (osp.isfile(ckpt) and osp.isfile(timing)):
        start = time.time()
        run_tool(ROOT, ['tools/train.py', config, '--work-dir', work,
                        '--cfg-options', f'randomness.seed={seed}'])
        with open(timing, 'w') as f:
            f.write(f'{(time.time() - start) / 60:.2f}\n')
    with open(timing) as f:
        train_min = float(f.read())
    test_dir = osp.join(work, 'test')
    run_tool(ROOT, ['tools/test.py', config, ckpt, '--work-dir', test_dir])
    metrics = latest_test_metrics(test_dir)
    return dict(mIoU=metrics['mIoU'], aAcc=metrics['aAcc'],
                minutes=train_min)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--work-dir', default='work_dirs/camvid_study')
    parser.add_argument('--seeds', type=int, nargs='+', default=[0, 1, 2])
    parser.add_argument('--out', default=osp.join(osp.dirname(__file__),
                                                  'results.md'))
    parser.add_argument(
        '--force',
        action='store_true',
        help='retrain models whose work dir already holds a finished run')
    args = parser.parse_args()
    check_checkout(ROOT)
    revision = _revision()
    runs = {}
    for name, (config, iters) in MODELS.items():
        for seed in args.seeds:
            runs[name, seed] = train_and_test(name, config, iters, seed,
                                              args.work_dir, args.force)
    lines = [
        '| model | config | iterations | seeds | mIoU (val) | aAcc (val) '
        '| train time (min) | params (M) | GFLOPs (180x240) |',
        '|---|---|---|---|---|---|---|---|---|'
    ]
    per_seed = [
        '| model | seed | mIoU (val) | aAcc (val) | train time (min) |',
        '|---|---|---|---|---|'
    ]
    for name, (config, iters) in MODELS.items():
        results = [runs[name, s] for s in args.seeds]
        miou = mean_std(r['mIoU'] for r in results)
        aacc = mean_std(r['aAcc'] for r in results)
        minutes = mean_std(r['minutes'] for r in results)
        params, flops = complexity(ROOT, config, (180, 240))
        lines.append(
            f'| {name} | `{config}` | {iters} | '
            f'{", ".join(map(str, args.seeds))} | {miou[0]:.2f} ± '
            f'{miou[1]:.2f} | {aacc[0]:.2f} ± {aacc[1]:.2f} | '
            f'{minutes[0]:.1f} ± {minutes[1]:.1f} | {params:.2f} | '
            f'{flops:.2f} |')
        for s, r in zip(args.seeds, results):
            per_seed.append(f'| {name} | {s} | {r["mIoU"]:.2f} | '
                            f'{r["aAcc"]:.2f} | {r["minutes"]:.1f} |')
    machine = machine_description()
    text = '\n'.join(lines) + '\n\nPer seed:\n\n' + '\n'.join(per_seed) + (
        '\n\nMean ± sample standard deviation over the seeds. Machine: '
        f'{machine}. Revision: {revision}. Command: `python '
        f'projects/umixformer_camvid/run_study.py --work-dir '
        f'{args.work_dir} --seeds {" ".join(map(str, args.seeds))}`.\n')
    with open(args.out, 'w') as f:
        f.write(text)
    print(text)


if __name__ == '__main__':
    main()
