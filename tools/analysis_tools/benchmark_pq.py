"""Throughput of the Panoptic Quality computation on one CPU core.

Generates ``--num`` random but realistic panoptic (prediction, ground truth)
pairs and reports images/s of :func:`mmseg_maskattn.evaluation.pq_stats`
and of :meth:`PanopticQualityMetric.process` (dict samples with numpy maps).

Ground truth: the cells of a power diagram of 10-20 seeds (Voronoi cells
with random weights, so sizes vary; empty cells drop out, about 13 segments
per image remain) over 133 COCO-like categories (80 things, 53 stuff, every
stuff category at most once per image), random 24-bit ids as in COCO's
RGB-encoded PNGs, 1-pixel VOID boundaries, sometimes a VOID rectangle, and
about 10% of the thing segments marked crowd. Prediction: the cells
recomputed from jittered seeds and weights (shifted boundaries), about 8%
of the segments given a wrong category, 5% left unpredicted, and 0-3
spurious small discs; new ids.

The timed work is numpy only, in one thread: the process is pinned to one
CPU (``--cpu``) and OMP/MKL/OpenBLAS are limited to one thread before numpy
is imported. torch is imported (by mmengine and the package) but not used.
Generation is not timed. The first line printed describes the machine.

Example:
    python tools/analysis_tools/benchmark_pq.py --num 500 --size 128
"""
import os

for _var in ('OMP_NUM_THREADS', 'MKL_NUM_THREADS', 'OPENBLAS_NUM_THREADS'):
    os.environ.setdefault(_var, '1')

import argparse  # noqa: E402
import platform  # noqa: E402
import statistics  # noqa: E402
import time  # noqa: E402

import numpy as np  # noqa: E402

from mmseg_maskattn.analysis import cpu_model_name  # noqa: E402

NUM_THINGS, NUM_STUFF = 80, 53


def parse_args():
    parser = argparse.ArgumentParser(
        description='Benchmark pq_stats / PanopticQualityMetric (CPU)')
    parser.add_argument('--num', type=int, default=500, help='image pairs')
    parser.add_argument('--size', type=int, default=128, help='H = W')
    parser.add_argument('--rounds', type=int, default=5)
    parser.add_argument('--seed', type=int, default=0)
    parser.add_argument(
        '--cpu',
        type=int,
        default=None,
        help='CPU to pin to (default: the first one allowed)')
    return parser.parse_args()


def pin_to_one_cpu(cpu):
    """Pin this process to one CPU; returns it (None if unsupported)."""
    if not hasattr(os, 'sched_setaffinity'):
        return None
    allowed = sorted(os.sched_getaffinity(0))
    cpu = allowed[0] if cpu is None else cpu
    os.sched_setaffinity(0, {cpu})
    return cpu


def machine_line(cpu):
    model = cpu_model_name()
    load = os.getloadavg() if hasattr(os, 'getloadavg') else (float('nan'), )
    return (f'machine: {model} | {platform.system()} {platform.release()} '
            f'{platform.machine()} | {os.cpu_count()} CPUs, pinned to CPU '
            f'{cpu} | load avg (1 min) {load[0]:.2f} | Python '
            f'{platform.python_version()} | numpy {np.__version__}')


def categories():
    return ([dict(id=i + 1, name=f'thing{i}', isthing=1)
             for i in range(NUM_THINGS)] +
            [dict(id=NUM_THINGS + i + 1, name=f'stuff{i}', isthing=0)
             for i in range(NUM_STUFF)])


def power_cells(seeds, weights, size):
    """Label of the nearest seed in the power distance, shape (size, size)."""
    yy, xx = np.mgrid[0:size, 0:size]
    dist = ((yy[None] - seeds[:, 0, None, None])**2 +
            (xx[None] - seeds[:, 1, None, None])**2 -
            weights[:, None, None])
    return dist.argmin(axis=0)


def random_category(rng, used_stuff, isthing):
    if isthing:
        return int(rng.integers(1, NUM_THINGS + 1))
    free = [c for c in range(NUM_THINGS + 1, NUM_THINGS + NUM_STUFF + 1)
            if c not in used_stuff]
    cat = int(rng.choice(free))
    used_stuff.add(cat)
    return cat


def make_pair(rng, size):
    """One (pred_ids, pred_segments, gt_ids, gt_segments) tuple."""
    n = int(rng.integers(10, 21))
    seeds = rng.uniform(0, size, (n, 2))
    weights = rng.uniform(0, (size / 4)**2, n)
    cells = power_cells(seeds, weights, size)
    present = np.unique(cells)
    used_stuff = set()
    cats = {c: random_category(rng, used_stuff, rng.random() < 0.6)
            for c in present}
    ids = rng.choice(2**24 - 1, size=2 * n + 8, replace=False) + 1

    gt = ids[cells]
    boundary = np.zeros((size, size), bool)
    boundary[:, :-1] |= cells[:, :-1] != cells[:, 1:]
    boundary[:-1] |= cells[:-1] != cells[1:]
    gt[boundary] = 0
    if rng.random() < 0.5:
        y, x = rng.integers(0, size - 16, 2)
        gt[y:y + int(rng.integers(4, 16)), x:x + int(rng.integers(4, 16))] = 0
    gt_segments = []
    for c in np.unique(cells[gt != 0]):
        crowd = cats[c] <= NUM_THINGS and rng.random() < 0.1
        gt_segments.append(
            dict(id=int(ids[c]), category_id=cats[c], iscrowd=int(crowd)))

    jitter = rng.normal(0, size / 50, seeds.shape)
    pred_cells = power_cells(seeds + jitter,
                             weights * rng.uniform(0.8, 1.2, n), size)
    pred = ids[n + pred_cells]
    pred_segments = []
    for c in np.unique(pred_cells):
        r = rng.random()
        if r < 0.05:
            pred[pred_cells == c] = 0
            continue
        cat = cats.get(c)
        if cat is None or r < 0.13:
            cat = int(rng.integers(1, NUM_THINGS + NUM_STUFF + 1))
        pred_segments.append(dict(id=int(ids[n + c]), category_id=cat))
    yy, xx = np.mgrid[0:size, 0:size]
    for k in range(int(rng.integers(0, 4))):
        cy, cx = rng.uniform(0, size, 2)
        radius = rng.uniform(3, 8)
        pred[(yy - cy)**2 + (xx - cx)**2 <= radius**2] = ids[2 * n + k]
        pred_segments.append(
            dict(id=int(ids[2 * n + k]),
                 category_id=int(rng.integers(1, NUM_THINGS + 1))))
    listed = {s['id'] for s in pred_segments}
    present_ids = set(np.unique(pred).tolist()) - {0}
    # Segments covered up by the discs are dropped from the list.
    pred_segments = [s for s in pred_segments if s['id'] in present_ids]
    assert present_ids <= listed
    return pred, pred_segments, gt, gt_segments


def timed(fn, rounds):
    seconds = []
    for _ in range(rounds):
        start = time.perf_counter()
        fn()
        seconds.append(time.perf_counter() - start)
    return seconds


def report(name, seconds, num):
    rates = [num / s for s in seconds]
    print(f'{name}: {statistics.median(rates):.0f} images/s median, '
          f'{max(rates):.0f} best over {len(rates)} rounds of {num} images '
          f'({1e3 * statistics.median(seconds) / num:.3f} ms/image)')


def main():
    args = parse_args()
    cpu = pin_to_one_cpu(args.cpu)
    from mmseg_maskattn.evaluation import (PanopticQualityMetric, pq_stats,
                                           summarize_pq)
    print(machine_line(cpu))

    rng = np.random.default_rng(args.seed)
    cats = categories()
    pairs = [make_pair(rng, args.size) for _ in range(args.num)]
    num_pred = np.mean([len(p[1]) for p in pairs])
    num_gt = np.mean([len(p[3]) for p in pairs])
    print(f'{args.num} pairs of {args.size}x{args.size}, '
          f'{num_gt:.1f} GT and {num_pred:.1f} predicted segments per image '
          f'on average, {len(cats)} categories')

    def run_pq_stats():
        return [pq_stats(*p, categories=cats) for p in pairs]

    metric = PanopticQualityMetric(categories=cats)
    samples = [
        dict(pred_panoptic_seg=dict(sem_seg=p, segments_info=ps),
             gt_panoptic_seg=dict(sem_seg=g, segments_info=gs))
        for p, ps, g, gs in pairs
    ]

    def run_metric():
        metric.results.clear()
        for i in range(0, len(samples), 8):
            metric.process(None, samples[i:i + 8])

    stats = run_pq_stats()  # warm-up, and a sanity check of the data
    summary = summarize_pq(stats, cats)['All']
    print(f"PQ {summary['pq']:.1f}, SQ {summary['sq']:.1f}, "
          f"RQ {summary['rq']:.1f} over {summary['n']} categories")
    report('pq_stats', timed(run_pq_stats, args.rounds), args.num)
    run_metric()
    report('PanopticQualityMetric.process (batches of 8)',
           timed(run_metric, args.rounds), args.num)


if __name__ == '__main__':
    main()
