"""Generate the deterministic toy segmentation dataset.

Example::

    python tools/gen_toy_data.py --out data/toy --num-train 48 --num-val 12 \
        --size 64 --seed 0

Writes ``img_dir/``, ``ann_dir/`` (semantic labels) and ``panoptic/``
(uint16 segment id PNGs + ``panoptic_{split}.json``) under ``--out``; see
:mod:`mmseg_maskattn.datasets.toy_data` for the format. The same arguments
give byte-identical files. Re-running with the same arguments over a complete
folder returns at once (the arguments are kept in ``toy_data_stamp.json``);
other arguments, or ``--force``, regenerate the files.
"""
import argparse
import sys
from typing import List, Optional

from mmseg_maskattn.datasets.toy_data import generate_toy_dataset


def parse_args(argv: Optional[List[str]] = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description='Generate the deterministic toy segmentation dataset')
    parser.add_argument(
        '--out', default='data/toy', help='output folder (data/toy)')
    parser.add_argument(
        '--num-train', type=int, default=48, help='training images (48)')
    parser.add_argument(
        '--num-val', type=int, default=12, help='validation images (12)')
    parser.add_argument(
        '--size', type=int, default=64, help='image height and width (64)')
    parser.add_argument('--seed', type=int, default=0, help='random seed (0)')
    parser.add_argument(
        '--force',
        action='store_true',
        help='regenerate even if the folder is up to date')
    return parser.parse_args(argv)


def main(argv: Optional[List[str]] = None) -> int:
    args = parse_args(argv)
    try:
        result = generate_toy_dataset(
            args.out,
            num_train=args.num_train,
            num_val=args.num_val,
            size=args.size,
            seed=args.seed,
            force=args.force)
    except (TypeError, ValueError, OSError) as err:
        print(f'gen_toy_data: error: {err}', file=sys.stderr)
        return 2
    if result['skipped']:
        print(f'{args.out} is up to date ({args.num_train} train + '
              f'{args.num_val} val images, size {args.size}, seed '
              f'{args.seed}); nothing written (use --force to regenerate)')
    else:
        print(f'wrote {args.num_train} train + {args.num_val} val images '
              f'({args.size}x{args.size}, seed {args.seed}) to {args.out}; '
              f'panoptic segments: {result["num_segments"]}')
    return 0


if __name__ == '__main__':
    sys.exit(main())
