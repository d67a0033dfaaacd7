"""Class frequencies of the pixels a config trains on.

Runs the training dataset of a config through its own pipeline (random
resizes and crops included, ``--passes`` times, seeded) and counts the
labels of ``gt_sem_seg``; pixels at the ignore index (or any value that is
not a class) are left out. Prints each class's count and frequency and the
``class_prior`` of :class:`~mmseg_maskattn.models.decode_heads.
MaskAttnUNetHead` that those frequencies give.

Example:
    python tools/analysis_tools/class_frequency.py \\
        configs/maskattn_unet/maskattn-unet_b32_1xb8-20k_dsb2018-128x128.py
"""
import argparse
from typing import List, Optional, Sequence, Tuple

import numpy as np
from mmengine.config import Config, DictAction


def parse_args(argv=None):
    parser = argparse.ArgumentParser(
        description='Class frequencies of a config\'s training pixels')
    parser.add_argument('config', help='config file')
    parser.add_argument(
        '--passes',
        type=int,
        default=1,
        help='passes over the training set (random transforms differ)')
    parser.add_argument('--seed', type=int, default=0)
    parser.add_argument(
        '--cfg-options',
        nargs='+',
        action=DictAction,
        help='override settings of the config, as in tools/train.py')
    args = parser.parse_args(argv)
    if args.passes < 1:
        parser.error(f'--passes must be >= 1, got {args.passes}')
    return args


def count_classes(cfg: Config, passes: int = 1,
                  seed: int = 0) -> Tuple[np.ndarray, Sequence[str]]:
    """Pixels of each class in the training samples of ``cfg``.

    Returns:
        tuple: (num_classes,) int64 counts over ``passes`` passes, and the
        class names of the built dataset (its ``metainfo``, so a class list
        set by the config is honoured).
    """
    from mmengine.registry import init_default_scope
    from mmengine.runner import set_random_seed
    from mmseg.registry import DATASETS

    import mmseg_maskattn  # noqa: F401

    init_default_scope(cfg.get('default_scope', 'mmseg'))
    set_random_seed(seed)
    dataset = DATASETS.build(cfg.train_dataloader.dataset)
    num_classes = len(dataset.metainfo['classes'])
    if len(dataset) == 0:
        raise ValueError(f'the training dataset of the config is empty '
                         f'({type(dataset).__name__})')
    counts = np.zeros(num_classes, dtype=np.int64)
    for _ in range(passes):
        for i in range(len(dataset)):
            labels = dataset[i]['data_samples'].gt_sem_seg.data
            labels = labels.numpy().ravel().astype(np.int64)
            labels = labels[(labels >= 0) & (labels < num_classes)]
            counts += np.bincount(labels, minlength=num_classes)
    return counts, dataset.metainfo['classes']


def main(argv: Optional[List[str]] = None) -> np.ndarray:
    args = parse_args(argv)
    cfg = Config.fromfile(args.config)
    if args.cfg_options is not None:
        cfg.merge_from_dict(args.cfg_options)
    counts, classes = count_classes(cfg, args.passes, args.seed)
    total = counts.sum()
    if total == 0:
        raise ValueError('no labelled pixel in the training samples of '
                         f'{args.config}')
    freqs = counts / total
    print(f'{"class":<20} {"pixels":>12} {"frequency":>10}')
    for name, count, freq in zip(classes, counts, freqs):
        print(f'{name:<20} {count:>12d} {freq:>10.4f}')
    if counts.min() == 0:
        print('a class has no pixel: no class_prior (it needs every '
              'frequency > 0)')
    else:
        prior = ', '.join(f'{f:.4f}' for f in freqs)
        print(f'class_prior=({prior})')
    return counts


if __name__ == '__main__':
    main()
