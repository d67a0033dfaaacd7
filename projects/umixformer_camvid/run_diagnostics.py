"""Diagnostics of the U-MixFormer-B0 / SegFormer-B0 gap on CamVid (CPU).

Each row changes one thing against the study's configs: stochastic depth
off in the head, the key/value grid (1/16 instead of the release's 1/32,
the study option ``kv_grid_scale=2``), or the budget (2000 iterations for
both heads, validated every 500 for the learning curve). Every (row, seed)
is trained with tools/train.py (a finished run in the work dir is reused
unless --force) and tested on CamVid val with tools/test.py; the table
(per seed, mean and sample standard deviation) and the learning curves go
to diagnostics.md with the machine, the revision and the command.

Run from the repository root, with CamVid at data/camvid:
    python projects/umixformer_camvid/run_diagnostics.py \
        --work-dir work_dirs/camvid_diag --rows kv-grid budget-umix \
        budget-segformer --seeds 0 1 2
"""
import argparse
import glob
import json
import os.path as osp
import time

from run_study import ROOT, _revision, mean_std

from mmseg_maskattn.analysis.study import (check_checkout,
                                           latest_test_metrics,
                                           machine_description, run_tool)

_UMIX = 'configs/umixformer/umixformer_mit-b0_1xb8-1k_camvid-180x240.py'
_HERE = 'projects/umixformer_camvid/configs/'
# key: (description, config, --cfg-options, iterations)
ROWS = {
    'no-drop-path':
    ('U-MixFormer-B0, head stochastic depth off', _UMIX,
     ['model.decode_head.drop_path_rate=0.0'], 1000),
    'kv-grid':
    ('U-MixFormer-B0, head stochastic depth off, keys on the 1/16 grid '
     '(12x15)', _HERE + 'umixformer-kvgrid2_mit-b0_1xb8-1k_camvid-180x240.py',
     [], 1000),
    'budget-umix':
    ('U-MixFormer-B0, head stochastic depth off, 2000 iterations',
     _HERE + 'umixformer-nodp_mit-b0_1xb8-2k_camvid-180x240.py', [], 2000),
    'budget-segformer':
    ('SegFormer-B0, 2000 iterations',
     _HERE + 'segformer_mit-b0_1xb8-2k_camvid-180x240.py', [], 2000),
}


def val_curve(work):
    """{iteration: val mIoU} from the scalars mmengine logged in ``work``."""
    curve = {}
    for path in sorted(glob.glob(osp.join(work, '*', 'vis_data',
                                          'scalars.json'))):
        with open(path) as f:
            for line in f:
                record = json.loads(line)
                if 'mIoU' in record:
                    curve[int(record['step'])] = float(record['mIoU'])
    return curve


def train_and_test(key, seed, work_root, force):
    """Train one (row, seed) unless done, test it, return its results."""
    _, config, options, iters = ROWS[key]
    work = osp.join(work_root, f'{key}-seed{seed}')
    ckpt = osp.join(work, f'iter_{iters}.pth')
    timing = osp.join(work, 'train_minutes.txt')
    if force or not (osp.isfile(ckpt) and osp.isfile(timing)):
        start = time.time()
        run_tool(ROOT, ['tools/train.py', config, '--work-dir', work,
                        '--cfg-options', f'randomness.seed={seed}'] +
                 options)
        with open(timing, 'w') as f:
            f.write(f'{(time.time() - start) / 60:.2f}\n')
    with open(timing) as f:
        minutes = float(f.read())
    test_dir = osp.join(work, 'test')
    run_tool(ROOT, ['tools/test.py', config, ckpt, '--work-dir', test_dir] +
             (['--cfg-options'] + options if options else []))
    metrics = latest_test_metrics(test_dir)
    return dict(mIoU=metrics['mIoU'], minutes=minutes,
                curve=val_curve(work))


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--work-dir', default='work_dirs/camvid_diag')
    parser.add_argument('--rows', nargs='+', choices=list(ROWS),
                        default=list(ROWS))
    parser.add_argument('--seeds', type=int, nargs='+', default=[0, 1, 2])
    parser.add_argument('--out', default=osp.join(osp.dirname(__file__),
                                                  'diagnostics.md'))
    parser.add_argument('--force', action='store_true',
                        help='retrain runs whose work dir is finished')
    args = parser.parse_args()
    check_checkout(ROOT)
    revision = _revision()
    # seed-major order: an interrupted run still leaves whole seeds
    runs = {(key, seed): train_and_test(key, seed, args.work_dir, args.force)
            for seed in args.seeds for key in args.rows}
    seeds = ' | '.join(f'seed {s}' for s in args.seeds)
    lines = [f'| run | config | iterations | {seeds} | mean ± std '
             '| train time (min) |',
             '|---' * (5 + len(args.seeds)) + '|']
    curves = ['| run | seed | val mIoU at iteration ... |',
              '|---|---|---|']
    for key in args.rows:
        text, config, options, iters = ROWS[key]
        results = [runs[key, s] for s in args.seeds]
        miou = mean_std(r['mIoU'] for r in results)
        minutes = mean_std(r['minutes'] for r in results)
        shown = f'`{config}`' + ''.join(f' `{o}`' for o in options)
        lines.append(
            f'| {text} | {shown} | {iters} | ' +
            ' | '.join(f'{r["mIoU"]:.2f}' for r in results) +
            f' | {miou[0]:.2f} ± {miou[1]:.2f} | {minutes[0]:.1f} ± '
            f'{minutes[1]:.1f} |')
        for s, r in zip(args.seeds, results):
            if len(r['curve']) > 1:
                points = ', '.join(f'{i}: {m:.2f}'
                                   for i, m in sorted(r['curve'].items()))
                curves.append(f'| {text} | {s} | {points} |')
    command = ('python projects/umixformer_camvid/run_diagnostics.py '
               f'--work-dir {args.work_dir} --rows {" ".join(args.rows)} '
               f'--seeds {" ".join(map(str, args.seeds))}')
    text = '\n'.join(lines)
    if len(curves) > 2:
        text += '\n\nLearning curves (val mIoU):\n\n' + '\n'.join(curves)
    text += ('\n\nval mIoU on CamVid val (tools/test.py); mean ± sample '
             f'standard deviation over the seeds. Machine: '
             f'{machine_description()}. Revision: {revision}. Command: '
             f'`{command}`.\n')
    with open(args.out, 'w') as f:
        f.write(text)
    print(text)


if __name__ == '__main__':
    main()
