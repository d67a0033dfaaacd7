"""Build the fold list (json) of a few-shot segmentation dataset config.

Reads the ``EpisodicDataset`` of one dataloader of a config (for instance
``configs/_base_/datasets/pascal5i.py``), scans every label of the wrapped
dataset once (per class: the images holding it and their pixel counts, see
:func:`mmseg_maskattn.datasets.fss_fold_list.scan_class_pixels`) and
writes the fold-list json described in
:class:`mmseg_maskattn.datasets.EpisodicDataset`: the pixel counts of all
classes (valid for every fold and mode), the fold settings (``mode``,
``split_rule``, ``fold``, ``shot``, ...) and, for these settings, the
eligible images of every episode class. Point the dataset at it with
``fold_list_file`` to skip the scan at start-up (``shot`` must then equal
the recorded one).

PASCAL-5i (HDMNet/BAM/PFENet): mmseg's ``PascalVOCDataset`` with the SBD
augmented labels (``SegmentationClassAug``, the ``aug`` train list of
10582 images, ``val`` for testing), ``ignore_classes=[0]`` and
``split_rule='pascal'``::

    python tools/dataset_converters/build_fss_folds.py \
        configs/_base_/datasets/pascal5i.py --loader test_dataloader \
        --fold 0 --out data/VOCdevkit/fss/pascal5i_val.json --threads 2

COCO-20i: needs 80-class semantic label PNGs (0 = background, 1..80 the
COCO categories in category-id order), which
``tools/dataset_converters/coco_instances_to_semantic.py`` makes from the
COCO 2014 instance annotations; then ``configs/_base_/datasets/coco20i.py``
with ``split_rule='coco'``.

The exit status is 0 when every episode class has at least ``shot + 1``
eligible images, 1 otherwise (the file is written in both cases and the
short classes are listed), 2 on bad input.
"""
import argparse
import json
import os
import os.path as osp
import sys
from typing import List, Optional

from mmengine.config import Config, DictAction
from mmengine.registry import init_default_scope
from mmseg.registry import DATASETS

import mmseg_maskattn  # noqa: F401
from mmseg_maskattn.datasets.fss_fold_list import (build_fold_list,
                                                   scan_class_pixels)
from mmseg_maskattn.datasets.fss_folds import eligible_images, split_classes

# EpisodicDataset arguments recorded as fold settings, with their defaults.
SETTINGS = dict(
    mode=None,
    split_rule='contiguous',
    fold=None,
    num_folds=4,
    novel_classes=None,
    ignore_classes=[],
    min_pixels=2048,
    novel_in_train='drop',
    shot=None)


def parse_args(argv: Optional[List[str]] = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description='Build the few-shot segmentation fold list of a config')
    parser.add_argument('config', help='config with an EpisodicDataset')
    parser.add_argument('--out', required=True, help='output json file')
    parser.add_argument(
        '--loader',
        default='test_dataloader',
        help='dataloader of the config to read (test_dataloader)')
    parser.add_argument('--fold', type=int, help='override the fold')
    parser.add_argument('--shot', type=int, help='override the shot')
    parser.add_argument(
        '--threads', type=int, default=1, help='label reading threads (1)')
    parser.add_argument(
        '--cfg-options',
        nargs='+',
        action=DictAction,
        help='override config settings, e.g. '
        'test_dataloader.dataset.dataset.data_root=DIR')
    return parser.parse_args(argv)


def build_fold_list_from_config(cfg: Config,
                                loader: str,
                                *,
                                fold: Optional[int] = None,
                                shot: Optional[int] = None,
                                num_threads: int = 1) -> dict:
    """Scan the dataset of ``cfg[loader]`` and return the fold-list dict.

    Args:
        cfg (Config): A config whose ``loader`` dataloader holds an
            ``EpisodicDataset``.
        loader (str): Name of the dataloader, e.g. ``'test_dataloader'``.
        fold (int, optional): Overrides the dataset's ``fold``.
        shot (int, optional): Overrides the dataset's ``shot``.
        num_threads (int): Label reading threads. Defaults to 1.

    Returns:
        dict: The json-serialisable fold list.
    """
    if loader not in cfg or 'dataset' not in cfg[loader]:
        raise ValueError(f'the config has no {loader}.dataset')
    episodic = cfg[loader]['dataset'].to_dict()
    if episodic.get('type') != 'EpisodicDataset':
        raise ValueError(f'{loader}.dataset must be an EpisodicDataset, got '
                         f'{episodic.get("type")!r}')
    settings = {k: episodic.get(k, v) for k, v in SETTINGS.items()}
    if fold is not None:
        settings['fold'] = fold
    if shot is not None:
        settings['shot'] = shot
    base_cfg = dict(episodic['dataset'], pipeline=[])
    init_default_scope('mmseg')
    dataset = DATASETS.build(base_cfg)
    novel, base = split_classes(
        len(dataset.metainfo['classes']),
        ignore_classes=settings['ignore_classes'],
        split_rule=settings['split_rule'],
        fold=settings['fold'],
        num_folds=settings['num_folds'],
        novel_classes=settings['novel_classes'])
    settings['novel_classes'] = list(novel)
    pixels = scan_class_pixels(dataset, num_threads=num_threads)
    drop = (
        settings['mode'] == 'train' and settings['novel_in_train'] == 'drop')
    eligible = eligible_images(
        pixels,
        episode_classes=novel if settings['mode'] == 'test' else base,
        min_pixels=settings['min_pixels'],
        drop_classes=novel if drop else ())
    return build_fold_list(
        dataset, pixels, settings=settings, eligible=eligible)


def main(argv: Optional[List[str]] = None) -> int:
    args = parse_args(argv)
    try:
        cfg = Config.fromfile(args.config)
        if args.cfg_options:
            cfg.merge_from_dict(args.cfg_options)
        fold_list = build_fold_list_from_config(
            cfg,
            args.loader,
            fold=args.fold,
            shot=args.shot,
            num_threads=args.threads)
    except (OSError, TypeError, ValueError, KeyError) as err:
        print(f'build_fss_folds: error: {err}', file=sys.stderr)
        return 2
    out_dir = osp.dirname(osp.abspath(args.out))
    os.makedirs(out_dir, exist_ok=True)
    with open(args.out, 'w', encoding='utf-8') as f:
        json.dump(fold_list, f)
    settings = fold_list['settings']
    shot = settings['shot']
    short = []
    print(f'{len(fold_list["img_paths"])} images; {settings["mode"]} '
          f'classes of fold {settings["fold"]} (novel: '
          f'{settings["novel_classes"]}):')
    for class_id, entry in fold_list['eligible'].items():
        print(f'  {class_id:>3} {entry["name"]:<20} {entry["num_images"]} '
              'eligible images')
        if shot is not None and entry['num_images'] < shot + 1:
            short.append(f'{class_id} ({entry["name"]})')
    print(f'wrote {args.out}')
    if short:
        print(
            f'classes with fewer than shot + 1 = {shot + 1} eligible '
            f'images: {", ".join(short)}',
            file=sys.stderr)
        return 1
    return 0


if __name__ == '__main__':
    sys.exit(main())
