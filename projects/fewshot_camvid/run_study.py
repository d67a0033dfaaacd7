"""HDMNet 1-shot vs a prototype baseline on CamVid folds (CPU).

A few-shot segmentation study on real images for HDMNet (Peng et al.,
"Hierarchical Dense Correlation Distillation for Few-Shot Segmentation",
CVPR 2023, https://arxiv.org/abs/2303.14652) against the prototype baseline
(masked average pooling + cosine, PANet's idea): both trained with
``tools/train.py`` on the base classes of each CamVid fold (the configs under
``configs/hdmnet/``: 120x160 episodes, ResNetV1c-18 randomly initialised and
frozen, since no ImageNet weights can be downloaded here; 300 iterations of
batch 4), then tested with ``tools/test.py`` on the novel classes of the
fold: 5 seeds x 300 episodes (``MultiSeedTestLoop``), mean and std of the
novel-class mIoU and of FB-IoU over the seeds. The table goes to
``results.md`` (a finished run in the work dir, trained and tested, is
reused unless --force).

``--study pspbase`` follows the paper's backbone protocol instead: a
PSPNet is trained first on the fold's base classes and both models load its
backbone (``results_pspbase.md``). ``--study pspbasebg`` trains the
PSPNet on the base classes plus a background class (the novel classes
relabelled) and runs HDMNet with the optional BAM base-learner ensemble,
whose frozen base learner is that PSPNet's head (``results_ensemble.md``).
``--study published`` compares HDMNet as published (the release's model
with the ensemble) with the baseline at a longer budget: the basebg PSPNets
at 180x240 for 1000 iterations, both models at 180x240 for 1200 iterations,
tested over 5 seeds x 1000 episodes, plus a learning curve from the
checkpoints every 300 iterations and prior-only rows (``fg_ranking.py``),
in ``results_published.md``. ``--backbone`` is the old name of
``--study``.

Run from the repository root, with CamVid at data/camvid (a symlink to
../shared/data/camvid on the project machines):
    python projects/fewshot_camvid/run_study.py \
        --work-dir work_dirs/fewshot_camvid
"""
import argparse
import glob
import importlib.util
import json
import os
import os.path as osp
import subprocess
import sys
import time

import numpy as np
from mmengine.config import Config
from mmengine.registry import init_default_scope
from mmseg.registry import DATASETS

import mmseg_maskattn  # noqa: F401
from mmseg_maskattn.analysis.study import (checkout_env, latest_test_metrics,
                                           machine_description, run_tool)

ROOT = osp.abspath(osp.join(osp.dirname(__file__), '..', '..'))
FOLDS = (0, 1, 2)
# name of a study: its models ({row name: config pattern}, {fold} filled
# in), the PSPNet whose backbone the models load, trained first ('pspbasebg'
# and 'published': also its head, the ensemble's base learner; None: a
# random backbone) as (config, work dir name, iterations), the training
# iterations of the models, the episodes per test seed, the episode size,
# the table file, the checkpoints of the learning curve (iterations) and
# whether the models of a fold train (and test) at the same time, as
# separate processes (one GPU). A model is a config pattern or (pattern,
# extra --cfg-options, work dir suffix).
STUDIES = {
    'random':
    dict(
        models={
            'Prototype baseline (MAP + cosine), 1-shot':
            'configs/hdmnet/prototype-fss_r18_1xb4-300iter_camvid-'
            'fold{fold}-1shot-120x160.py',
            'HDMNet, 1-shot':
            'configs/hdmnet/hdmnet_r18_1xb4-300iter_camvid-fold{fold}-'
            '1shot-120x160.py',
        },
        pspnet=None,
        iters=300,
        episodes=300,
        size='120x160',
        table='results.md',
        curve=()),
    'pspbase':
    dict(
        models={
            'Prototype baseline (MAP + cosine), 1-shot':
            'configs/hdmnet/prototype-fss_r18-pspbase_1xb4-300iter_camvid-'
            'fold{fold}-1shot-120x160.py',
            'HDMNet, 1-shot':
            'configs/hdmnet/hdmnet_r18-pspbase_1xb4-300iter_camvid-'
            'fold{fold}-1shot-120x160.py',
        },
        pspnet=('configs/hdmnet/pspnet_r18-d8_1xb8-500iter_camvid-'
                'fold{fold}-base-120x160.py', 'pspnet-base-fold{fold}', 500),
        iters=300,
        episodes=300,
        size='120x160',
        table='results_pspbase.md',
        curve=()),
    'pspbasebg':
    dict(
        models={
            'HDMNet + BAM base-learner ensemble, 1-shot':
            'configs/hdmnet/hdmnet_r18-pspbasebg-ens_1xb4-300iter_camvid-'
            'fold{fold}-1shot-120x160.py',
        },
        pspnet=('configs/hdmnet/pspnet_r18-d8_1xb8-500iter_camvid-'
                'fold{fold}-basebg-120x160.py', 'pspnet-basebg-fold{fold}',
                500),
        iters=300,
        episodes=300,
        size='120x160',
        table='results_ensemble.md',
        curve=()),
    'published':
    dict(
        models={
            'Prototype baseline (MAP + cosine), 1-shot':
            'projects/fewshot_camvid/configs/prototype-fss_r18-pspbasebg_'
            '1xb4-1200iter_camvid-fold{fold}-1shot-180x240.py',
            'HDMNet as published (BAM ensemble), 1-shot':
            'projects/fewshot_camvid/configs/hdmnet_r18-pspbasebg-ens_'
            '1xb4-1200iter_camvid-fold{fold}-1shot-180x240.py',
        },
        pspnet=('projects/fewshot_camvid/configs/pspnet_r18-d8_1xb8-'
                '1000iter_camvid-fold{fold}-basebg-180x240.py',
                'pspnet-basebg-fold{fold}', 1000),
        iters=1200,
        episodes=1000,
        size='180x240',
        table='results_published.md',
        curve=(300, 600, 900, 1200)),
    'gpu':
    dict(
        models={
            'Prototype baseline (MAP + cosine), 1-shot':
            'projects/fewshot_camvid/configs/prototype-fss_r18-pspbasebg_'
            '1xb4-10k_camvid-fold{fold}-1shot-240x320.py',
            **{
                f'HDMNet as published (BAM ensemble), 1-shot, lr {lr}':
                ('projects/fewshot_camvid/configs/hdmnet_r18-pspbasebg-ens_'
                 '1xb4-10k_camvid-fold{fold}-1shot-240x320.py',
                 (f'optim_wrapper.optimizer.lr={lr}', ), f'-lr{lr}')
                for lr in ('1e-4', '3e-4', '1e-3')
            },
        },
        pspnet=('projects/fewshot_camvid/configs/pspnet_r18-d8_1xb8-2k_'
                'camvid-fold{fold}-basebg-240x320.py',
                'pspnet-basebg-fold{fold}', 2000),
        iters=10000,
        episodes=1000,
        size='240x320',
        table='results_gpu.md',
        curve=(),
        parallel=True),
}
# the learning curve: fg_ranking.py on this many episodes of this seed (the
# first episodes of the first test seed)
CURVE_EPISODES = 100
CURVE_SEED = 321


def episode_foreground(dataset):
    """Expected foreground fraction of a query of ``dataset``'s episodes.

    Episodes draw their class uniformly, then the query uniformly among the
    class's eligible images, so the expectation is the mean over the
    episode classes of the mean pixel fraction of the class in its eligible
    images (fraction of the labelled pixels of the label file).

    Args:
        dataset (EpisodicDataset): A built episodic dataset.

    Returns:
        float: The expected foreground fraction, in [0, 1].
    """
    totals = {}
    for images, counts in dataset.pixels.values():
        for i, n in zip(images.tolist(), counts.tolist()):
            totals[i] = totals.get(i, 0) + n
    per_class = []
    for c in dataset.episode_classes:
        images, counts = dataset.pixels[c]
        fraction = dict(zip(images.tolist(), counts.tolist()))
        per_class.append(
            np.mean([fraction[i] / totals[i] for i in dataset.eligible[c]]))
    return float(np.mean(per_class))


def _fold_summary(config):
    """Novel class names and the training episodes' foreground fraction."""
    cfg = Config.fromfile(osp.join(ROOT, config))
    init_default_scope(cfg.default_scope)
    dataset_cfg = cfg.train_dataloader.dataset
    dataset_cfg.dataset.data_root = osp.join(
        ROOT, dataset_cfg.dataset.data_root)
    dataset = DATASETS.build(dataset_cfg)
    classes = dataset.metainfo['classes']
    novel = ', '.join(classes[c] for c in dataset.novel_classes)
    return novel, episode_foreground(dataset)


def _train(config, work, ckpt, force, extra=()):
    """Train ``config`` into ``work`` unless ``ckpt`` and the timing file
    are there; returns (train minutes, whether it trained now)."""
    timing = osp.join(ROOT, work, 'train_minutes.txt')
    trained = force or not (osp.isfile(osp.join(ROOT, ckpt))
                            and osp.isfile(timing))
    if trained:
        start = time.time()
        run_tool(ROOT, ['tools/train.py', config, '--work-dir', work, *extra])
        with open(timing, 'w') as f:
            f.write(f'{(time.time() - start) / 60:.2f}\n')
    with open(timing) as f:
        return float(f.read()), trained


def _model_entry(value):
    """(config pattern, extra cfg options, work dir suffix) of a model of
    ``STUDIES``."""
    if isinstance(value, str):
        return value, (), ''
    return value


def _parallel(jobs):
    """Run the ``tools/`` commands of ``jobs`` [(args, log file, timing
    file)] at the same time; write each one's minutes to its timing file
    and raise if one fails."""
    procs = []
    for args, log, timing in jobs:
        print('+', ' '.join(args), '>', log, flush=True)
        out = open(osp.join(ROOT, log), 'w')
        procs.append((subprocess.Popen([sys.executable, *args],
                                       cwd=ROOT,
                                       env=checkout_env(ROOT),
                                       stdout=out,
                                       stderr=subprocess.STDOUT), out,
                      timing, time.time(), log))
    failed = []
    for proc, out, timing, start, log in procs:
        code = proc.wait()
        out.close()
        if code:
            failed.append(f'{log} (exit {code})')
            continue
        with open(osp.join(ROOT, timing), 'w') as f:
            f.write(f'{(time.time() - start) / 60:.2f}\n')
    if failed:
        raise RuntimeError('failed: ' + ', '.join(failed))


def _train_and_test_parallel(runs, iters, force):
    """Train, then test, the runs [(config, work dir, options)] that are
    not finished, all runs of a stage at the same time (:func:`_parallel`),
    so that :func:`_train_and_test` finds them finished."""
    trains, tests = [], []
    for config, work, options in runs:
        extra = ['--cfg-options', *options] if options else []
        os.makedirs(osp.join(ROOT, work), exist_ok=True)
        ckpt = osp.join(ROOT, work, f'iter_{iters}.pth')
        timing = osp.join(work, 'train_minutes.txt')
        test_timing = osp.join(work, 'test_minutes.txt')
        if force or not (osp.isfile(ckpt)
                         and osp.isfile(osp.join(ROOT, timing))):
            trains.append((['tools/train.py', config, '--work-dir', work,
                            *extra], osp.join(work, 'train.log'), timing))
            if osp.isfile(osp.join(ROOT, test_timing)):
                os.remove(osp.join(ROOT, test_timing))
        if force or not osp.isfile(osp.join(ROOT, test_timing)):
            tests.append((['tools/test.py', config,
                           osp.join(work, f'iter_{iters}.pth'), '--work-dir',
                           osp.join(work, 'test'), *extra],
                          osp.join(work, 'test.log'), test_timing))
    _parallel(trains)
    _parallel(tests)


def _train_and_test(config, work, iters, force, options=()):
    """Train ``config`` for ``iters`` iterations and test it with its
    multi-seed test loop, unless ``work`` already holds a finished run;
    returns (train min, test min, test metrics). ``options`` go to
    ``--cfg-options`` of both tools."""
    extra = ['--cfg-options', *options] if options else []
    ckpt = osp.join(work, f'iter_{iters}.pth')
    test_timing = osp.join(ROOT, work, 'test_minutes.txt')
    test_dir = osp.join(work, 'test')
    train_min, trained = _train(config, work, ckpt, force, extra)
    if trained and osp.isfile(test_timing):
        os.remove(test_timing)
    if not osp.isfile(test_timing):
        start = time.time()
        run_tool(ROOT,
                 ['tools/test.py', config, ckpt, '--work-dir', test_dir,
                  *extra])
        with open(test_timing, 'w') as f:
            f.write(f'{(time.time() - start) / 60:.2f}\n')
    with open(test_timing) as f:
        test_min = float(f.read())
    return (train_min, test_min,
            latest_test_metrics(osp.join(ROOT, test_dir)))


def run_options(config, options):
    """``options`` without the ``model.base_learner.`` ones when the model
    of ``config`` has no base learner (the baseline of a study whose
    HDMNet loads the PSPNet's head)."""
    model = Config.fromfile(osp.join(ROOT, config)).model
    if model.get('base_learner') is not None:
        return list(options)
    return [o for o in options if not o.startswith('model.base_learner.')]


def _fg_ranking():
    """``fg_ranking.py`` of this folder, imported as a module."""
    path = osp.join(osp.dirname(osp.abspath(__file__)), 'fg_ranking.py')
    spec = importlib.util.spec_from_file_location('fg_ranking', path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def ranking_rows(work, sources, force=False):
    """``fg_ranking.run`` of ``work``'s checkpoints: {(iteration, source):
    summary} for every (iteration, source) of ``sources``, on
    ``CURVE_EPISODES`` episodes of seed ``CURVE_SEED``. Cached in
    ``work/curve.json``; a cached entry is reused unless ``force``, and
    the cache keeps the entries not asked for."""
    cache = osp.join(ROOT, work, 'curve.json')
    done = {}
    if osp.isfile(cache):
        with open(cache) as f:
            done = json.load(f)
    ranking = None
    for iteration, source in sources:
        key = f'{iteration}/{source}'
        if key in done and not force:
            continue
        ranking = ranking or _fg_ranking()
        ckpt = osp.join(ROOT, work, f'iter_{iteration}.pth')
        done[key] = ranking.run(ckpt, CURVE_EPISODES, CURVE_SEED, source)
        with open(cache, 'w') as f:
            json.dump(done, f, indent=1)
    return {(int(k.split('/')[0]), k.split('/')[1]): v
            for k, v in done.items()}


def curve_lines(name, fold, rows):
    """Table rows of one model and fold from :func:`ranking_rows`."""
    lines = []
    for (iteration, source), r in sorted(rows.items()):
        lines.append(
            f"| {name} | {fold} | {iteration} | {source} | {r['auc']:.3f} | "
            f"{r['p_fg']:.3f} | {r['p_bg']:.3f} | {100 * r['any_fg']:.0f}% | "
            f"{r['miou_05']:.2f} | {r['best_threshold']:.2f} | "
            f"{r['miou_best']:.2f} |")
    return lines


def base_val_curve(work_dir):
    """[(iteration, mIoU)] of the validations of the latest run under
    ``work_dir`` (mmengine's ``<timestamp>/vis_data/scalars.json``)."""
    runs = sorted(glob.glob(osp.join(work_dir, '*', 'vis_data',
                                     'scalars.json')))
    if not runs:
        raise FileNotFoundError(f'no vis_data/scalars.json under {work_dir}')
    curve = []
    with open(runs[-1]) as f:
        for line in f:
            record = json.loads(line)
            if 'mIoU' in record:
                curve.append((record['step'], record['mIoU']))
    if not curve:
        raise ValueError(f'{runs[-1]} holds no validation mIoU')
    return curve


def base_val_miou(work_dir):
    """mIoU of the last validation in the latest run under ``work_dir``."""
    return base_val_curve(work_dir)[-1][1]


def _base_learner(study, fold, work_dir, force):
    """Train the fold's PSPNet of ``study`` (see ``STUDIES``) unless
    ``work_dir`` holds it; returns (checkpoint, its validations
    [(iteration, mIoU over its classes)], train minutes)."""
    config, name, iters = STUDIES[study]['pspnet']
    work = osp.join(work_dir, name.format(fold=fold))
    ckpt = osp.join(work, f'iter_{iters}.pth')
    minutes, _ = _train(config.format(fold=fold), work, ckpt, force)
    return ckpt, base_val_curve(osp.join(ROOT, work)), minutes


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--work-dir', default='work_dirs/fewshot_camvid')
    parser.add_argument(
        '--study',
        '--backbone',
        dest='study',
        choices=sorted(STUDIES),
        default='random',
        help='frozen ResNet-18 of the models: random, the backbone of a '
        'PSPNet trained on the fold\'s base classes (pspbase), or of one '
        'trained on base classes + background whose head is also the base '
        'learner of the ensemble (pspbasebg); the PSPNet is trained first. '
        'published: HDMNet as published (with the ensemble) against the '
        'baseline at 180x240, 1200 iterations, 1000 test episodes per '
        'seed, with learning curves and prior-only rows')
    parser.add_argument(
        '--out', help='table file (default: the study\'s, next to this '
        'script)')
    parser.add_argument(
        '--folds',
        type=int,
        nargs='+',
        default=list(FOLDS),
        choices=list(FOLDS),
        help='CamVid folds to run (the mean row needs all of them)')
    parser.add_argument(
        '--force',
        action='store_true',
        help='retrain models whose work dir already holds a finished run')
    args = parser.parse_args()
    study = STUDIES[args.study]
    models = study['models']
    out = args.out or osp.join(osp.dirname(__file__), study['table'])
    options = {}
    base_rows = [
        '| fold | PSPNet classes | PSPNet val mIoU (its classes) | '
        'val mIoU during training (iteration: mIoU) | '
        'train time (min) | config |', '|---|---|---|---|---|---|'
    ]
    for fold in args.folds if study['pspnet'] else ():
        ckpt, curve, minutes = _base_learner(args.study, fold,
                                             args.work_dir, args.force)
        options[fold] = [f'model.backbone.init_cfg.checkpoint={ckpt}']
        if args.study in ('pspbasebg', 'published', 'gpu'):
            options[fold].append(
                f'model.base_learner.init_cfg.checkpoint={ckpt}')
        psp = study['pspnet'][0].format(fold=fold)
        classes = Config.fromfile(osp.join(
            ROOT, psp)).train_dataloader.dataset.metainfo['classes']
        steps = ', '.join(f'{i}: {m:.2f}' for i, m in curve)
        base_rows.append(f"| {fold} | {', '.join(classes)} | "
                         f'{curve[-1][1]:.2f} | {steps} | {minutes:.1f} | '
                         f'`{psp}` |')
    lines = [
        '| model | fold | novel-class mIoU (mean ± std over 5 seeds) | '
        'FB-IoU (mean ± std) | train time (min) | test time (min) | config |',
        '|---|---|---|---|---|---|---|'
    ]
    curves = [
        '| model | fold | iteration | scores | AUC | mean p on fg | '
        'mean p on bg | episodes with fg predicted | mIoU at 0.5 | '
        'best threshold | mIoU there |', '|---' * 11 + '|'
    ]
    means = []
    fold_rows = [
        '| fold | novel classes | foreground of a training query (%) |',
        '|---|---|---|'
    ]
    for fold in args.folds:
        novel, fg = _fold_summary(
            next(iter(models.values())).format(fold=fold))
        fold_rows.append(f'| {fold} | {novel} | {100 * fg:.1f} |')
    tag = '' if args.study == 'random' else f'-{args.study}'

    def run_of(value, fold):
        # (config, work dir, cfg options) of a model on a fold
        pattern, extra, suffix = _model_entry(value)
        config = pattern.format(fold=fold)
        stem = osp.basename(config).split('_')[0]
        work = osp.join(args.work_dir, f'{stem}{tag}{suffix}-fold{fold}')
        return config, work, [*run_options(config, options.get(fold, ())),
                              *extra]

    force = args.force
    if study.get('parallel'):
        for fold in args.folds:
            _train_and_test_parallel(
                [run_of(value, fold) for value in models.values()],
                study['iters'], force)
        force = False
    val_rows = [
        '| model | fold | val novel-class mIoU during training '
        '(iteration: mIoU) |', '|---|---|---|'
    ]
    for name, value in models.items():
        per_fold = []
        for fold in args.folds:
            config, work, cfg_options = run_of(value, fold)
            stem = osp.basename(config).split('_')[0]
            train_min, test_min, m = _train_and_test(
                config, work, study['iters'], force, cfg_options)
            val = ', '.join(f'{i}: {v:.2f}' for i, v in base_val_curve(
                osp.join(ROOT, work)))
            val_rows.append(f'| {name} | {fold} | {val} |')
            per_fold.append(m)
            lines.append(
                f"| {name} | {fold} | {m['mIoU']:.2f} ± {m['mIoU_std']:.2f} "
                f"| {m['FB-IoU']:.2f} ± {m['FB-IoU_std']:.2f} | "
                f'{train_min:.1f} | {test_min:.1f} | `{config}` |')
            sources = [(i, 'model') for i in study['curve']]
            if study['curve'] and stem == 'hdmnet':
                # the meta learner before the ensemble, along the curve;
                # the priors do not train: the last checkpoint's are theirs
                sources += [(i, 'meta') for i in study['curve']]
                sources += [(study['iters'], s) for s in
                            ('prior-psp', 'prior-layer4')]
            curves += curve_lines(name, fold,
                                  ranking_rows(work, sources, args.force))
        if len(per_fold) == len(FOLDS):
            means.append(
                f'| {name} | mean of folds | '
                f"{sum(m['mIoU'] for m in per_fold) / len(FOLDS):.2f} | "
                f"{sum(m['FB-IoU'] for m in per_fold) / len(FOLDS):.2f} "
                '| | | |')
    machine = machine_description(omp_threads=False)
    folds = ' '.join(str(f) for f in args.folds)
    tables = lines + means + [''] + fold_rows + [''] + val_rows
    if study['curve']:
        tables += [''] + curves
    backbone = 'a random frozen ResNetV1c-18'
    if study['pspnet']:
        tables += [''] + base_rows
        backbone = ('the frozen ResNetV1c-18 of a PSPNet trained first on '
                    f"the fold's base classes ({study['pspnet'][2]} "
                    'iterations of batch 8, from scratch)')
    if args.study in ('pspbasebg', 'published', 'gpu'):
        backbone += (', with the novel classes relabelled as a background '
                     'class; its PSPHead is the frozen base learner of the '
                     'ensemble')
    curve_text = ''
    if study['curve']:
        curve_text = (
            ' Learning curve: `fg_ranking.py` on the checkpoints, '
            f'{CURVE_EPISODES} test episodes of seed {CURVE_SEED} each; '
            'meta: the meta learner\'s own output, before the ensemble; '
            'prior-psp / prior-layer4: the prior map alone, min-max '
            'normalised per episode.')
    text = '\n'.join(tables) + (
        f'\n\nMachine: {machine}. Command: `python '
        f'projects/fewshot_camvid/run_study.py --work-dir {args.work_dir} '
        f'--study {args.study} --folds {folds}`. Backbone: '
        f'{backbone}. CamVid folds {folds} (3 contiguous folds of the '
        f'11 classes; a fold\'s classes are novel), {study["size"]} '
        f"episodes, {study['iters']} training iterations of batch 4, test 5 "
        f"seeds x {study['episodes']} episodes at the original image size. "
        'Foreground of a training query: the expected fraction of foreground '
        'pixels in the query of a base-class training episode '
        f'(`episode_foreground` in this script).{curve_text}\n')
    with open(out, 'w') as f:
        f.write(text)
    print(text)


if __name__ == '__main__':
    main()
