"""Learning curves of MaskAttn-UNet on DSB2018 at 128x128 (CPU).

A longer budget than ``run_study.py`` for MaskAttn-UNet (Cheng et al.,
"MaskAttn-UNet: A Mask Attention-Driven Framework for Universal
Low-Resolution Image Segmentation", arXiv 2503.10686,
https://arxiv.org/abs/2503.10686), in three sets of runs (``--set``):
``lambda``, the weight lambda of its instance contrastive loss at 1 (the
full config), 0.1 and 0.02 with one shared head (table ``curve.md``),
``heads``, the paper's two heads with and without the coordinate input of
the embedding head (table ``curve_heads.md``), and ``prior``, the two heads
(with and without coordinates) with the classifier's bias initialised to the
log class frequencies (``class_prior``; table ``curve_prior.md``). Each
model is trained from scratch with ``tools/train.py`` for 400 iterations of
batch 8 (the ``*-400iter_*`` configs next to this script) and validated on
the 133 val images every 100 iterations by the configs' evaluators (mIoU,
PQ, mask AP).
The validation results are read from the run's ``vis_data/scalars.json``
and written as one table per set (a finished run in the work dir is reused
unless --force).

Run from the repository root, with DSB2018 at data/dsb2018 (a symlink to
../shared/data/dsb2018 on the project machines):
    python projects/lowres_universal/run_curve.py --set lambda \
        --work-dir work_dirs/lowres_universal_curve
"""
import argparse
import glob
import json
import os.path as osp

from mmseg_maskattn.analysis.study import machine_description, run_tool

ROOT = osp.abspath(osp.join(osp.dirname(__file__), '..', '..'))
CONFIGS = 'projects/lowres_universal/configs/'
ITERS = 400
# set: (table file, {name: config of the 400-iteration schedule})
SETS = {
    'lambda': ('curve.md', {
        'MaskAttn-UNet (b32)':
        CONFIGS + 'maskattn-unet_b32_1xb8-400iter_dsb2018-128x128.py',
        'MaskAttn-UNet (b32), lambda = 0.1':
        CONFIGS + 'maskattn-unet-ic0.1_b32_1xb8-400iter_dsb2018-128x128.py',
        'MaskAttn-UNet (b32), lambda = 0.02':
        CONFIGS + 'maskattn-unet-ic0.02_b32_1xb8-400iter_dsb2018-128x128.py',
    }),
    'heads': ('curve_heads.md', {
        'MaskAttn-UNet (b32), two heads + coordinates, lambda = 0.02':
        CONFIGS +
        'maskattn-unet-coords-ic0.02_b32_1xb8-400iter_dsb2018-128x128.py',
        'MaskAttn-UNet (b32), two heads + coordinates, lambda = 0.005':
        CONFIGS +
        'maskattn-unet-coords-ic0.005_b32_1xb8-400iter_dsb2018-128x128.py',
        'MaskAttn-UNet (b32), two heads, CE only (lambda = 0)':
        CONFIGS +
        'maskattn-unet-ce-only-2heads_b32_1xb8-400iter_dsb2018-128x128.py',
    }),
    'prior': ('curve_prior.md', {
        'MaskAttn-UNet (b32), two heads + class prior, lambda = 0.02':
        CONFIGS +
        'maskattn-unet-prior-ic0.02_b32_1xb8-400iter_dsb2018-128x128.py',
        'MaskAttn-UNet (b32), two heads + coordinates + class prior, '
        'lambda = 0.02':
        CONFIGS + 'maskattn-unet-coords-prior-ic0.02_b32_1xb8-400iter_'
        'dsb2018-128x128.py',
    }),
}
METRICS = ('mIoU', 'PQ', 'PQ_th', 'PQ_st', 'mask/mAP', 'mask/AP50')


def val_results(work_dir):
    """Validation metrics by iteration of the latest run in ``work_dir``.

    Args:
        work_dir (str): An mmengine work dir (holding ``<timestamp>/
            vis_data/scalars.json``).

    Returns:
        dict[int, dict]: iteration -> metrics of the validation run there.
    """
    runs = sorted(glob.glob(osp.join(work_dir, '*', 'vis_data',
                                     'scalars.json')))
    if not runs:
        raise FileNotFoundError(f'no vis_data/scalars.json under {work_dir}')
    results = {}
    with open(runs[-1]) as f:
        for line in f:
            record = json.loads(line)
            if 'mIoU' in record:
                results[int(record['step'])] = record
    return results


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        '--work-dir', default='work_dirs/lowres_universal_curve')
    parser.add_argument('--set', choices=sorted(SETS), default='lambda')
    parser.add_argument(
        '--out', help="table file (default: the set's file next to this "
        'script)')
    parser.add_argument(
        '--force',
        action='store_true',
        help='retrain models whose work dir already holds a finished run')
    args = parser.parse_args()
    table, models = SETS[args.set]
    out = args.out or osp.join(osp.dirname(__file__), table)
    lines = [
        '| model | iteration | ' + ' | '.join(METRICS) + ' |',
        '|---' * (2 + len(METRICS)) + '|'
    ]
    for name, config in models.items():
        stem = osp.basename(config).split('_')[0]
        work = osp.join(ROOT, args.work_dir, stem)
        if args.force or not osp.isfile(osp.join(work, f'iter_{ITERS}.pth')):
            run_tool(ROOT, ['tools/train.py', config, '--work-dir', work])
        for step, metrics in sorted(val_results(work).items()):
            values = ' | '.join(f'{metrics[k]:.2f}' for k in METRICS)
            lines.append(f'| {name} | {step} | {values} |')
    machine = machine_description(omp_threads=False)
    configs = '\n'.join(f'- {name}: `{config}`'
                        for name, config in models.items())
    text = '\n'.join(lines) + (
        f'\n\nConfigs:\n{configs}\n\nMachine: {machine}. Command: `python '
        f'projects/lowres_universal/run_curve.py --set {args.set} '
        f'--work-dir {args.work_dir}`. {ITERS} iterations of batch 8 each, '
        'from scratch, seed 0; validation on DSB2018 val (133 images) at '
        '128x128 every 100 iterations.\n')
    with open(out, 'w') as f:
        f.write(text)
    print(text)


if __name__ == '__main__':
    main()
