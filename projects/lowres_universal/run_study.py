"""U-Net vs MaskAttn-UNet vs Mask2Former on DSB2018 at 128x128 (CPU).

The comparison of MaskAttn-UNet (Cheng et al., "MaskAttn-UNet: A Mask
Attention-Driven Framework for Universal Low-Resolution Image
Segmentation", arXiv 2503.10686, https://arxiv.org/abs/2503.10686) under
one CPU training budget: every model is trained from scratch for the same
number of iterations of batch 8 (the configs under ``configs/`` next to
this script: 100 iterations, the data pipeline of
``configs/_base_/datasets/dsb2018_panoptic_128x128.py``, each model's own
optimizer), with ``tools/train.py``, then evaluated on the 133 val images
at 128x128 with ``tools/test.py`` and the configs' evaluators (mIoU, PQ,
mask AP). Params and GFLOPs at 128x128 are counted with
:mod:`mmseg_maskattn.analysis` (the numbers of
``tools/analysis_tools/get_flops.py``), the peak memory of a training step
(batch 8) comes from ``tools/analysis_tools/benchmark.py --part train``.
The table is written to ``results.md`` (a finished run in the work dir is
reused unless --force).

Run from the repository root, with DSB2018 at data/dsb2018 (a symlink to
../shared/data/dsb2018 on the project machines):
    python projects/lowres_universal/run_study.py \
        --work-dir work_dirs/lowres_universal
"""
import argparse
import json
import os.path as osp
import time

from mmseg_maskattn.analysis.study import (check_checkout, complexity,
                                           latest_test_metrics,
                                           machine_description, run_tool)

ROOT = osp.abspath(osp.join(osp.dirname(__file__), '..', '..'))
CONFIGS = 'projects/lowres_universal/configs/'
ITERS = 100
# name: config of the study schedule
MODELS = {
    'U-Net (S5-D16, FCN) + connected components':
    CONFIGS + 'unet-s5-d16_fcn_1xb8-100iter_dsb2018-128x128.py',
    'MaskAttn-UNet (b32)':
    CONFIGS + 'maskattn-unet_b32_1xb8-100iter_dsb2018-128x128.py',
    'Mask2Former-R50 (panoptic)':
    CONFIGS + 'mask2former_r50_1xb8-100iter_dsb2018-128x128.py',
    'MaskAttn-UNet (b32), CE only (ablation: lambda = 0)':
    CONFIGS + 'maskattn-unet-ce-only_b32_1xb8-100iter_dsb2018-128x128.py',
    'MaskAttn-UNet (b32), study settings: coordinates, class prior, '
    'lambda = 0.02, grouping within components':
    CONFIGS +
    'maskattn-unet-coords-prior-ic0.02-cc_b32_1xb8-100iter_dsb2018-128x128.py',
}
# the GPU check (gpu_check.sh, --gpu): the paper's models at 2000
# iterations of batch 8
GPU_ITERS = 2000
GPU_MODELS = {
    'U-Net (S5-D16, FCN) + connected components':
    CONFIGS + 'unet-s5-d16_fcn_1xb8-2k_dsb2018-128x128.py',
    'MaskAttn-UNet (b32)':
    CONFIGS + 'maskattn-unet_b32_1xb8-2k_dsb2018-128x128.py',
    'MaskAttn-UNet (b64, the paper\'s size)':
    CONFIGS + 'maskattn-unet_b64_1xb8-2k_dsb2018-128x128.py',
    'Mask2Former-R50 (panoptic)':
    CONFIGS + 'mask2former_r50_1xb8-2k_dsb2018-128x128.py',
}
METRICS = ('mIoU', 'PQ', 'PQ_th', 'PQ_st', 'SQ', 'RQ', 'mask/mAP',
           'mask/AP50')


def _train_memory(configs, out_json):
    """Peak training-step memory (MiB) of every config, batch 8."""
    mem = {}
    for config in configs:
        run_tool(ROOT, [
            'tools/analysis_tools/benchmark.py', config, '--part', 'train',
            '--batch-size', '8', '--warmup', '1', '--repeats', '2',
            '--rounds', '1', '--json', out_json
        ])
        with open(osp.join(ROOT, out_json)) as f:
            row, = json.load(f)
        mem[config] = (row['peak_mem_mib'], row['latency_ms'] / 1e3)
    return mem


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--work-dir', default='work_dirs/lowres_universal')
    parser.add_argument(
        '--out', help='table file (default: results.md next to this script)')
    parser.add_argument(
        '--force',
        action='store_true',
        help='retrain models whose work dir already holds a finished run')
    parser.add_argument(
        '--gpu',
        action='store_true',
        help=f'the GPU check: {len(GPU_MODELS)} models at {GPU_ITERS} '
        'iterations (gpu_check.sh); needs --out')
    parser.add_argument(
        '--only',
        nargs='+',
        metavar='STEM',
        help='run only the models whose config stem (the file name up to '
        "its first '_') is one of these, e.g. "
        'maskattn-unet-coords-prior-ic0.02-cc; the table (--out) then has '
        'only their rows')
    args = parser.parse_args()
    models, iters = (GPU_MODELS, GPU_ITERS) if args.gpu else (MODELS, ITERS)
    if args.gpu and args.out is None:
        parser.error('--gpu needs --out (results.md is the CPU table)')
    if args.only:
        models = {
            name: config
            for name, config in models.items()
            if osp.basename(config).split('_')[0] in args.only
        }
        stems = [osp.basename(c).split('_')[0] for c in models.values()]
        unknown = sorted(set(args.only) - set(stems))
        if unknown:
            parser.error(f'--only: no config named {unknown}; known: {stems}')
        if args.out is None:
            parser.error('--only needs --out (results.md holds all models)')
    out = args.out or osp.join(osp.dirname(__file__), 'results.md')
    check_checkout(ROOT)
    rows = []
    for name, config in models.items():
        # the GPU check has two MaskAttn-UNet widths: the full config name
        stem = (osp.splitext(osp.basename(config))[0]
                if args.gpu else osp.basename(config).split('_')[0])
        work = osp.join(args.work_dir, stem)
        ckpt = osp.join(work, f'iter_{iters}.pth')
        timing = osp.join(work, 'train_minutes.txt')
        if args.force or not (osp.isfile(osp.join(ROOT, ckpt))
                              and osp.isfile(osp.join(ROOT, timing))):
            start = time.time()
            run_tool(ROOT, ['tools/train.py', config, '--work-dir', work])
            with open(osp.join(ROOT, timing), 'w') as f:
                f.write(f'{(time.time() - start) / 60:.2f}\n')
        with open(osp.join(ROOT, timing)) as f:
            train_min = float(f.read())
        test_dir = osp.join(work, 'test')
        run_tool(ROOT, ['tools/test.py', config, ckpt, '--work-dir', test_dir])
        metrics = latest_test_metrics(osp.join(ROOT, test_dir))
        rows.append((name, config, train_min, metrics) +
                    complexity(ROOT, config, (128, 128)))
    memory = _train_memory(list(models.values()),
                           osp.join(args.work_dir, 'train_memory.json'))
    lines = [
        '| model | params (M) | GFLOPs (128x128) | peak train memory, batch 8 '
        '(MiB) | train step (s) | train time (min) | ' +
        ' | '.join(METRICS) + ' |', '|---' * (6 + len(METRICS)) + '|'
    ]
    for name, config, minutes, metrics, params, flops in rows:
        mem, step = memory[config]
        values = ' | '.join(f'{metrics[k]:.2f}' for k in METRICS)
        lines.append(f'| {name} | {params:.2f} | {flops:.2f} | {mem:.0f} | '
                     f'{step:.1f} | {minutes:.1f} | {values} |')
    machine = machine_description()
    only = (' --gpu' if args.gpu else '') + (
        f" --only {' '.join(args.only)}" if args.only else '') + (
            f' --out {args.out}' if args.out else '')
    configs = '\n'.join(f'- {name}: `{config}`'
                        for name, config in models.items())
    text = '\n'.join(lines) + (
        f'\n\nConfigs:\n{configs}\n\nMachine: {machine}. Command: `python '
        f'projects/lowres_universal/run_study.py --work-dir '
        f'{args.work_dir}{only}`. {iters} iterations of batch 8 each, from '
        'scratch; DSB2018 val (133 images) at 128x128.\n')
    with open(out, 'w') as f:
        f.write(text)
    print(text)


if __name__ == '__main__':
    main()
