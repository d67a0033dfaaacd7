"""Convert COCO instance annotations to 80-class semantic label PNGs.

COCO-20i (the few-shot split used by PFENet, BAM and HDMNet) is built on
semantic labels of the 80 COCO object categories. This tool paints, for
every image of a COCO instances json (e.g. ``instances_train2014.json``),
a single-channel ``uint8`` PNG named after the image (``.png`` suffix):

- ``0``: background (no annotated object);
- ``1 .. 80``: the categories in ascending category-id order (so label
  ``k`` is the ``k``-th category of the json, ``person`` = 1 for COCO);
- instances are painted from the largest to the smallest area, so a small
  object lying on a larger one stays visible; crowd annotations
  (``iscrowd=1``) are painted as their category like the others.

Example (COCO 2014, as HDMNet uses it)::

    python tools/dataset_converters/coco_instances_to_semantic.py \
        data/coco/annotations/instances_train2014.json \
        data/coco/annotations/semantic/train2014
    python tools/dataset_converters/coco_instances_to_semantic.py \
        data/coco/annotations/instances_val2014.json \
        data/coco/annotations/semantic/val2014

Needs ``pycocotools``.
"""
import argparse
import os
import os.path as osp
import sys
from typing import List, Optional

import numpy as np
from PIL import Image
from pycocotools.coco import COCO

__all__ = ['convert_coco_instances']


def convert_coco_instances(ann_file: str, out_dir: str) -> dict:
    """Write one semantic label PNG per image of ``ann_file``.

    Args:
        ann_file (str): COCO instances json.
        out_dir (str): Output folder, created if missing.

    Returns:
        dict: ``num_images`` written and ``classes``, the category names in
        label order (label ``i + 1`` is ``classes[i]``).

    Raises:
        ValueError: If the json has more than 254 categories (labels must
            fit in ``uint8`` with 255 free for ignore).
    """
    coco = COCO(ann_file)
    cat_ids = sorted(coco.getCatIds())
    if len(cat_ids) > 254:
        raise ValueError(f'{ann_file!r} has {len(cat_ids)} categories; at '
                         'most 254 fit in a uint8 label')
    label_of = {cat_id: i + 1 for i, cat_id in enumerate(cat_ids)}
    os.makedirs(out_dir, exist_ok=True)
    img_ids = sorted(coco.getImgIds())
    for img_id in img_ids:
        info = coco.loadImgs(img_id)[0]
        label = np.zeros((info['height'], info['width']), dtype=np.uint8)
        anns = coco.loadAnns(coco.getAnnIds(imgIds=img_id, iscrowd=None))
        for ann in sorted(anns, key=lambda a: -a['area']):
            label[coco.annToMask(ann) > 0] = label_of[ann['category_id']]
        name = osp.splitext(info['file_name'])[0] + '.png'
        Image.fromarray(label).save(osp.join(out_dir, name))
    return dict(
        num_images=len(img_ids),
        classes=[coco.loadCats(c)[0]['name'] for c in cat_ids])


def parse_args(argv: Optional[List[str]] = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description='COCO instances json -> 80-class semantic label PNGs')
    parser.add_argument('ann_file', help='COCO instances json')
    parser.add_argument('out_dir', help='output folder of the label PNGs')
    return parser.parse_args(argv)


def main(argv: Optional[List[str]] = None) -> int:
    args = parse_args(argv)
    if not osp.isfile(args.ann_file):
        print(
            f'coco_instances_to_semantic: error: {args.ann_file!r} does '
            'not exist',
            file=sys.stderr)
        return 2
    result = convert_coco_instances(args.ann_file, args.out_dir)
    print(f'wrote {result["num_images"]} label PNGs with '
          f'{len(result["classes"])} classes to {args.out_dir}')
    return 0


if __name__ == '__main__':
    sys.exit(main())
