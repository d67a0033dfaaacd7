"""Train and test the attention_camvid models and write the results table.

For each model and seed: ``tools/train.py`` (``randomness.seed``), then
``tools/test.py`` on CamVid val; the table (``results.md`` beside this
script) gives mean ± sample std over the seeds of val mIoU, the boundary
F-score at 3 and 5 px and aAcc, the train time, params and GFLOPs at
180x240, then the per-class IoU (mean over the seeds) and each run, with the
machine, the git revision and the command.

Run from the repository root, with CamVid at data/camvid (a symlink to
../shared/data/camvid on the project machines):
    python projects/attention_camvid/run_study.py \
        --work-dir work_dirs/attention_camvid --seeds 0 1
"""
import argparse
import os.path as osp
import re
import shlex
import statistics
import subprocess
import sys
import time

from mmseg_maskattn.analysis.study import (check_checkout, complexity,
                                           latest_test_metrics,
                                           machine_description, run_tool)

ROOT = osp.abspath(osp.join(osp.dirname(__file__), '..', '..'))
CONFIGS = 'projects/attention_camvid/configs/'
# name: config
MODELS = {
    'FCN-D8': 'fcn_r18-d8_1xb4-500iter_camvid-180x240.py',
    'DANet-D8': 'danet_r18-d8_1xb4-500iter_camvid-180x240.py',
    'FastFCN (JPU) + PSP':
    'fastfcn-jpu-psp_r18-d32_1xb4-500iter_camvid-180x240.py',
    'Gated-SCNN regular stream':
    'gscnn-regular_r18-d8_1xb4-500iter_camvid-180x240.py',
    'Gated-SCNN': 'gscnn_r18-d8_1xb4-500iter_camvid-180x240.py',
}
ITERS = 500
METRICS = ('mIoU', 'bF@3px', 'bF@5px', 'aAcc')
# a row of mmseg's per-class IoU table in the test log: | Class | IoU | Acc |
CLASS_ROW = re.compile(r'^\|\s*([A-Za-z][\w ]*?)\s*\|\s*([\d.]+|nan)\s*\|'
                       r'\s*([\d.]+|nan)\s*\|$')


def _revision():
    rev = subprocess.run(['git', 'rev-parse', '--short', 'HEAD'],
                         cwd=ROOT, capture_output=True, text=True).stdout
    # the table being written (results.md) does not count as a change
    dirty = subprocess.run(['git', 'status', '--porcelain', '--',
                            'mmseg_maskattn', 'configs', 'projects',
                            ':!projects/attention_camvid/results.md'],
                           cwd=ROOT, capture_output=True, text=True).stdout
    return rev.strip() + (' (with uncommitted changes)' if dirty else '')


def class_iou(log_text):
    """Per-class IoU from the ``| Class | IoU | Acc |`` table of a log."""
    lines = log_text.splitlines()
    starts = [i for i, line in enumerate(lines)
              if re.match(r'^\|\s*Class\s*\|\s*IoU\s*\|\s*Acc\s*\|$', line)]
    if not starts:
        raise ValueError('no per-class IoU table in the test log')
    ious = {}
    for line in lines[starts[-1] + 1:]:
        if line.startswith('+'):
            if ious:
                break
            continue
        m = CLASS_ROW.match(line.strip())
        if not m:
            break
        ious[m.group(1)] = float(m.group(2))
    return ious


def train_and_test(name, config, seed, work_root, force):
    """Train (unless a finished run exists) and test one model and seed."""
    work = osp.join(ROOT, work_root, f'{osp.splitext(config)[0]}-seed{seed}')
    ckpt = osp.join(work, f'iter_{ITERS}.pth')
    timing = osp.join(work, 'train_minutes.txt')
    path = CONFIGS + config
    if force or not (osp.isfile(ckpt) and osp.isfile(timing)):
        start = time.time()
        run_tool(ROOT, ['tools/train.py', path, '--work-dir', work,
                        '--cfg-options', f'randomness.seed={seed}'])
        with open(timing, 'w') as f:
            f.write(f'{(time.time() - start) / 60:.2f}\n')
    with open(timing) as f:
        minutes = float(f.read())
    test_dir = osp.join(work, 'test')
    out = run_tool(ROOT, ['tools/test.py', path, ckpt, '--work-dir',
                          test_dir], capture_output=True, text=True)
    metrics = latest_test_metrics(test_dir)
    result = {k: metrics[k] for k in METRICS}
    result['minutes'] = minutes
    result['classes'] = class_iou(out.stdout + out.stderr)
    return result


def mean_std(values):
    values = list(values)
    std = statistics.stdev(values) if len(values) > 1 else float('nan')
    return statistics.mean(values), std


def _fmt(mean, std):
    return f'{mean:.2f}' if std != std else f'{mean:.2f} ± {std:.2f}'


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument('--work-dir', default='work_dirs/attention_camvid')
    parser.add_argument('--seeds', type=int, nargs='+', default=[0])
    parser.add_argument('--models', nargs='+', choices=list(MODELS),
                        default=list(MODELS))
    parser.add_argument(
        '--force',
        action='store_true',
        help='retrain models whose work dir already holds a finished run')
    args = parser.parse_args()
    check_checkout(ROOT)
    revision = _revision()
    runs = {(name, s): train_and_test(name, MODELS[name], s, args.work_dir,
                                      args.force)
            for name in args.models for s in args.seeds}
    seeds = ', '.join(map(str, args.seeds))
    lines = [
        '| model | config | seeds | mIoU | bF@3px | bF@5px | aAcc '
        '| train time (min) | params (M) | GFLOPs (180x240) |',
        '|---' * 10 + '|'
    ]
    classes = None
    per_class = []
    per_seed = ['| model | seed | ' + ' | '.join(METRICS) +
                ' | train time (min) |', '|---' * (3 + len(METRICS)) + '|']
    for name in args.models:
        results = [runs[name, s] for s in args.seeds]
        cells = [_fmt(*mean_std(r[k] for r in results))
                 for k in METRICS + ('minutes', )]
        params, flops = complexity(ROOT, CONFIGS + MODELS[name], (180, 240))
        lines.append(f'| {name} | `{CONFIGS}{MODELS[name]}` | {seeds} | ' +
                     ' | '.join(cells) + f' | {params:.2f} | {flops:.2f} |')
        classes = classes or list(results[0]['classes'])
        per_class.append(f'| {name} | ' + ' | '.join(
            f"{statistics.mean(r['classes'][c] for r in results):.1f}"
            for c in classes) + ' |')
        for s, r in zip(args.seeds, results):
            per_seed.append(f'| {name} | {s} | ' +
                            ' | '.join(f'{r[k]:.2f}' for k in METRICS) +
                            f" | {r['minutes']:.1f} |")
    class_table = ['| model | ' + ' | '.join(classes) + ' |',
                   '|---' * (1 + len(classes)) + '|'] + per_class
    command = shlex.join(['python', 'projects/attention_camvid/run_study.py'] +
                         sys.argv[1:])
    text = '\n'.join(lines) + (
        '\n\nPer-class IoU on CamVid val (mean over the seeds):\n\n') + \
        '\n'.join(class_table) + '\n\nPer seed:\n\n' + '\n'.join(per_seed) + (
            f'\n\nMean ± sample standard deviation over the seeds ({seeds});'
            ' one seed: no deviation. '
            f'{ITERS} iterations of batch 4 each, from scratch. Machine: '
            f'{machine_description()}. Revision: {revision}. Command: '
            f'`{command}`.\n')
    with open(osp.join(ROOT, 'projects', 'attention_camvid', 'results.md'),
              'w') as f:
        f.write(text)
    print(text)


if __name__ == '__main__':
    main()
