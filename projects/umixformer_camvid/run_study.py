"""U-MixFormer-B0 vs SegFormer-B0 trained from scratch on CamVid (CPU).

Both models share the data pipeline (CamVid train, 180x240 crops), the
schedule (1000 iterations, batch 8, AdamW, warm-up + poly) and the seed; only
the decode head differs. Each is trained with tools/train.py, evaluated on
CamVid val with tools/test.py, and the table (mIoU, training wall time,
params, GFLOPs at 180x240) is written to results.md.

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
MODELS = {
    'U-MixFormer-B0':
    'configs/umixformer/umixformer_mit-b0_1xb8-1k_camvid-180x240.py',
    'SegFormer-B0':
    'projects/umixformer_camvid/configs/'
    'segformer_mit-b0_1xb8-1k_camvid-180x240.py',
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
    args = parser.parse_args()
    rows = []
    for name, config in MODELS.items():
        work = osp.join(args.work_dir, name.lower())
        start = time.time()
        _run(['tools/train.py', config, '--work-dir', work])
        train_min = (time.time() - start) / 60
        test_dir = osp.join(work, 'test')
        _run([
            'tools/test.py', config,
            osp.join(work, 'iter_1000.pth'), '--work-dir', test_dir
        ])
        metrics = _test_metrics(test_dir)
        params, flops = _complexity(config)
        rows.append((name, config, metrics['mIoU'], metrics['aAcc'],
                     train_min, params, flops))
    lines = [
        '| model | config | mIoU (val) | aAcc (val) | train time (min) '
        '| params (M) | GFLOPs (180x240) |', '|---|---|---|---|---|---|---|'
    ]
    for name, config, miou, aacc, minutes, params, flops in rows:
        lines.append(f'| {name} | `{config}` | {miou:.2f} | {aacc:.2f} | '
                     f'{minutes:.1f} | {params:.2f} | {flops:.2f} |')
    machine = (f'{platform.processor() or platform.machine()}, '
               f'{os.cpu_count()} CPU cores, torch threads default')
    text = '\n'.join(lines) + (
        f'\n\nMachine: {machine}. Command: `python '
        f'projects/umixformer_camvid/run_study.py --work-dir '
        f'{args.work_dir}`.\n')
    with open(args.out, 'w') as f:
        f.write(text)
    print(text)


if __name__ == '__main__':
    main()
