"""HDMNet 1-shot vs a prototype baseline on CamVid folds (CPU).

A few-shot segmentation study on real images for HDMNet (Peng et al.,
"Hierarchical Dense Correlation Distillation for Few-Shot Segmentation",
CVPR 2023, https://arxiv.org/abs/2303.14652) against the prototype baseline
(masked average pooling + cosine, PANet's idea): both trained with
``tools/train.py`` on the base classes of CamVid fold 0 (the configs under
``configs/hdmnet/``: 120x160 episodes, ResNetV1c-18 randomly initialised and
frozen, since no ImageNet weights can be downloaded here; 300 iterations of
batch 4), then tested with ``tools/test.py`` on the novel classes of the
fold: 5 seeds x 300 episodes (``MultiSeedTestLoop``), mean and std of the
novel-class mIoU and of FB-IoU over the seeds. The table goes to
``results.md`` (a finished run in the work dir is reused unless --force).

Run from the repository root, with CamVid at data/camvid (a symlink to
../shared/data/camvid on the project machines):
    python projects/fewshot_camvid/run_study.py \
        --work-dir work_dirs/fewshot_camvid
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
ITERS = 300
# name: config
MODELS = {
    'Prototype baseline (MAP + cosine), 1-shot':
    'configs/hdmnet/prototype-fss_r18_1xb4-300iter_camvid-fold0-1shot-'
    '120x160.py',
    'HDMNet, 1-shot':
    'configs/hdmnet/hdmnet_r18_1xb4-300iter_camvid-fold0-1shot-120x160.py',
}


def _run(args):
    print('+', ' '.join(args), flush=True)
    subprocess.run([sys.executable] + args, cwd=ROOT, check=True)


def _test_metrics(work_dir):
    runs = sorted(glob.glob(osp.join(work_dir, '*', '*.json')))
    with open(runs[-1]) as f:
        return json.loads(f.read().strip().splitlines()[-1])


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--work-dir', default='work_dirs/fewshot_camvid')
    parser.add_argument('--out', default=osp.join(osp.dirname(__file__),
                                                  'results.md'))
    parser.add_argument(
        '--force',
        action='store_true',
        help='retrain models whose work dir already holds a finished run')
    args = parser.parse_args()
    rows = []
    for name, config in MODELS.items():
        work = osp.join(args.work_dir, osp.basename(config).split('_')[0])
        ckpt = osp.join(work, f'iter_{ITERS}.pth')
        timing = osp.join(work, 'train_minutes.txt')
        if args.force or not (osp.isfile(osp.join(ROOT, ckpt))
                              and osp.isfile(osp.join(ROOT, timing))):
            start = time.time()
            _run(['tools/train.py', config, '--work-dir', work])
            with open(osp.join(ROOT, timing), 'w') as f:
                f.write(f'{(time.time() - start) / 60:.2f}\n')
        with open(osp.join(ROOT, timing)) as f:
            train_min = float(f.read())
        test_dir = osp.join(work, 'test')
        start = time.time()
        _run(['tools/test.py', config, ckpt, '--work-dir', test_dir])
        test_min = (time.time() - start) / 60
        metrics = _test_metrics(osp.join(ROOT, test_dir))
        rows.append((name, config, train_min, test_min, metrics))
    lines = [
        '| model | novel-class mIoU (mean ± std over 5 seeds) | FB-IoU '
        '(mean ± std) | train time (min) | test time (min) | config |',
        '|---|---|---|---|---|---|'
    ]
    for name, config, train_min, test_min, m in rows:
        lines.append(f"| {name} | {m['mIoU']:.2f} ± {m['mIoU_std']:.2f} | "
                     f"{m['FB-IoU']:.2f} ± {m['FB-IoU_std']:.2f} | "
                     f'{train_min:.1f} | {test_min:.1f} | `{config}` |')
    machine = (f'{platform.processor() or platform.machine()}, '
               f'{os.cpu_count()} CPU cores')
    text = '\n'.join(lines) + (
        f'\n\nMachine: {machine}. Command: `python '
        f'projects/fewshot_camvid/run_study.py --work-dir {args.work_dir}`. '
        'CamVid fold 0 (novel classes of the first contiguous fold), '
        f'{ITERS} training iterations of batch 4, test 5 seeds x 300 '
        'episodes at the original image size.\n')
    with open(args.out, 'w') as f:
        f.write(text)
    print(text)


if __name__ == '__main__':
    main()
