"""U-MixFormer-B0 vs SegFormer-B0 trained from scratch on CamVid (CPU).

Both models share the data pipeline (CamVid train, 180x240 crops), the
schedule (1000 iterations, batch 8, AdamW, warm-up + poly) and the seed; only
the decode head differs. A third run gives U-MixFormer-B0 1500 iterations,
about the wall time SegFormer-B0 needs for 1000 here. Each is trained with
tools/train.py (a finished run in the work dir is reused unless --force),
evaluated on CamVid val with tools/test.py, and the table (mIoU, training
wall time, params, GFLOPs at 180x240) is written to results.md.

Run from the repository root, with CamVid at data/camvid (a symlink to
../shared/data/camvid on the project machines):
    python projects/umixformer_camvid/run_study.py --work-dir work_dirs/camvid_study
"""
import argparse
import glob
import json
import os
import os.path as osp
import platform
import subprocess
import sys
import time

ROOT = osp.abspath(osp.join(osp.dirname(__file__), '..', '..'))
# name: (config, iterations)
MODELS = {
    'U-MixFormer-B0':
    ('configs/umixformer/umixformer_mit-b0_1xb8-1k_camvid-180x240.py', 1000),
    'SegFormer-B0': ('projects/umixformer_camvid/configs/'
                     'segformer_mit-b0_1xb8-1k_camvid-180x240.py', 1000),
    'U-MixFormer-B0 (SegFormer\'s time)':
    ('projects/umixformer_camvid/configs/'
     'umixformer_mit-b0_1xb8-1500iter_camvid-180x240.py', 1500),
}


def _run(args):
    print('+', ' '.join(args), flush=True)
    subprocess.run([sys.executable] + args, cwd=ROOT, check=True)


def _test_metrics(work_dir):
    runs = sorted(glob.glob(osp.join(work_dir, '*', '*.json')))
    with open(runs[-1]) as f:
        return json.load(f)


def _complexity(config):
    out = subprocess.run([
        sys.executable, 'tools/analysis_tools/get_flops.py', config,
        '--shape', '180', '240', '--depth', '0'
    ],
                         cwd=ROOT,
                         check=True,
                         capture_output=True,
                         text=True).stdout
    params = float(out.split('Params: ')[1].split(' M')[0])
    flops = float(out.split('FLOPs: ')[1].split(' G')[0])
    return params, flops


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--work-dir', default='work_dirs/camvid_study')
    parser.add_argument('--out', default=osp.join(osp.dirname(__file__),
                                                  'results.md'))
    parser.add_argument(
        '--force',
        action='store_true',
        help='retrain models whose work dir already holds a finished run')
    args = parser.parse_args()
    rows = []
    for name, (config, iters) in MODELS.items():
        work = osp.join(args.work_dir, name.split(' ')[0].lower() +
                        f'-{iters}')
        ckpt = osp.join(work, f'iter_{iters}.pth')
        timing = osp.join(work, 'train_minutes.txt')
        if args.force or not (osp.isfile(ckpt) and osp.isfile(timing)):
            start = time.time()
            _run(['tools/train.py', config, '--work-dir', work])
            with open(timing, 'w') as f:
                f.write(f'{(time.time() - start) / 60:.2f}\n')
        with open(timing) as f:
            train_min = float(f.read())
        test_dir = osp.join(work, 'test')
        _run(['tools/test.py', config, ckpt, '--work-dir', test_dir])
        metrics = _test_metrics(test_dir)
        params, flops = _complexity(config)
        rows.append((name, config, iters, metrics['mIoU'], metrics['aAcc'],
                     train_min, params, flops))
    lines = [
        '| model | config | iterations | mIoU (val) | aAcc (val) '
        '| train time (min) | params (M) | GFLOPs (180x240) |',
        '|---|---|---|---|---|---|---|---|'
    ]
    for name, config, iters, miou, aacc, minutes, params, flops in rows:
        lines.append(f'| {name} | `{config}` | {iters} | {miou:.2f} | '
                     f'{aacc:.2f} | {minutes:.1f} | {params:.2f} | '
                     f'{flops:.2f} |')
    machine = (f'{platform.processor() or platform.machine()}, '
               f'{os.cpu_count()} CPU cores, OMP_NUM_THREADS='
               f"{os.environ.get('OMP_NUM_THREADS', 'unset')}")
    text = '\n'.join(lines) + (
        f'\n\nMachine: {machine}. Command: `python '
        f'projects/umixformer_camvid/run_study.py --work-dir '
        f'{args.work_dir}`.\n')
    with open(args.out, 'w') as f:
        f.write(text)
    print(text)


if __name__ == '__main__':
    main()
