"""Throughput of the boundary F-score on one CPU core.

Reads CamVid's val label maps (``--data-root``, the SegNet layout: 101
label PNGs of 360x480, void = 11 mapped to 255) as ground truth, and makes
each prediction from its ground truth by shifting it a few pixels and
giving one random rectangle a wrong class, so that boundaries partly
match. Reports images/s of :meth:`BoundaryFScoreMetric.process` (11
classes, tolerances 3, 5, 9 and 12 px), pinned to one CPU with
OMP/MKL/OpenBLAS limited to one thread. Reading and the prediction are not
timed.

Example:
    python tools/analysis_tools/benchmark_boundary_f.py --data-root data/camvid
"""
import os

for _var in ('OMP_NUM_THREADS', 'MKL_NUM_THREADS', 'OPENBLAS_NUM_THREADS'):
    os.environ.setdefault(_var, '1')

import argparse  # noqa: E402
import glob  # noqa: E402
import os.path as osp  # noqa: E402
import platform  # noqa: E402
import statistics  # noqa: E402
import time  # noqa: E402

import cv2  # noqa: E402
import numpy as np  # noqa: E402

from mmseg_maskattn.analysis import cpu_model_name  # noqa: E402
from mmseg_maskattn.evaluation import BoundaryFScoreMetric  # noqa: E402

CLASSES = 11
VOID = 11


def parse_args():
    parser = argparse.ArgumentParser(
        description='Benchmark BoundaryFScoreMetric (one CPU core)')
    parser.add_argument('--data-root', default='data/camvid')
    parser.add_argument('--rounds', type=int, default=3)
    parser.add_argument('--seed', type=int, default=0)
    return parser.parse_args()


def load_pairs(data_root, seed):
    files = sorted(glob.glob(osp.join(data_root, 'valannot', '*.png')))
    if not files:
        raise FileNotFoundError(
            f'no label PNGs under {osp.join(data_root, "valannot")}')
    rng = np.random.default_rng(seed)
    pairs = []
    for path in files:
        gt = cv2.imread(path, cv2.IMREAD_UNCHANGED).astype(np.int64)
        gt[gt == VOID] = 255
        dy, dx = rng.integers(-3, 4, size=2)
        pred = np.roll(gt, (dy, dx), axis=(0, 1))
        pred[pred == 255] = 0
        h, w = gt.shape
        y, x = rng.integers(0, h - 40), rng.integers(0, w - 60)
        pred[y:y + 40, x:x + 60] = rng.integers(0, CLASSES)
        pairs.append((pred, gt, path))
    return pairs


def main():
    args = parse_args()
    cpu = sorted(os.sched_getaffinity(0))[0]
    os.sched_setaffinity(0, {cpu})
    pairs = load_pairs(args.data_root, args.seed)
    samples = [
        dict(pred_sem_seg=dict(data=p[None]), gt_sem_seg=dict(data=g[None]),
             img_path=path) for p, g, path in pairs
    ]
    load = os.getloadavg()[0]
    print(f'machine: {cpu_model_name()} | {platform.machine()} | '
          f'{os.cpu_count()} CPUs, pinned to CPU {cpu} | load avg (1 min) '
          f'{load:.2f} | numpy {np.__version__} | cv2 {cv2.__version__}')
    rates = []
    for _ in range(args.rounds):
        metric = BoundaryFScoreMetric(tolerances=(3, 5, 9, 12))
        metric.dataset_meta = dict(classes=[f'c{i}' for i in range(CLASSES)])
        start = time.perf_counter()
        metric.process({}, samples)
        rates.append(len(samples) / (time.perf_counter() - start))
    h, w = pairs[0][1].shape
    print(f'{len(samples)} images of {h}x{w}, {CLASSES} classes, 4 '
          f'tolerances: median {statistics.median(rates):.1f} images/s '
          f'over {args.rounds} rounds (min {min(rates):.1f}, max '
          f'{max(rates):.1f}); target >= 100')


if __name__ == '__main__':
    main()
