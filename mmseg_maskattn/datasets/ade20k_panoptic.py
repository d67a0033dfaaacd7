"""ADE20K panoptic (COCO panoptic format) with panoptic reading."""
from typing import Dict, List

from mmseg.datasets import ADE20KDataset
from mmseg.registry import DATASETS

from ..utils import is_int
from .coco_panoptic import CocoPanopticSegDataset

__all__ = ['ADE20KPanopticSegDataset']

#: The 150 classes of the ADE20K scene-parsing benchmark (SceneParse150),
#: in their benchmark order (class index = json category id = semantic
#: label of mmseg's ``ADE20KDataset``), named as in the panoptic json of the
#: conversion (``"window "`` there, stripped here).
ADE20K_PANOPTIC_CLASSES = (
    'wall', 'building', 'sky', 'floor', 'tree', 'ceiling', 'road, route',
    'bed', 'window', 'grass', 'cabinet', 'sidewalk, pavement', 'person',
    'earth, ground', 'door', 'table', 'mountain, mount', 'plant', 'curtain',
    'chair', 'car', 'water', 'painting, picture', 'sofa', 'shelf', 'house',
    'sea', 'mirror', 'rug', 'field', 'armchair', 'seat', 'fence', 'desk',
    'rock, stone', 'wardrobe, closet, press', 'lamp', 'tub', 'rail', 'cushion',
    'base, pedestal, stand', 'box', 'column, pillar', 'signboard, sign',
    'chest of drawers, chest, bureau, dresser', 'counter', 'sand', 'sink',
    'skyscraper', 'fireplace', 'refrigerator, icebox',
    'grandstand, covered stand', 'path', 'stairs', 'runway',
    'case, display case, showcase, vitrine',
    'pool table, billiard table, snooker table', 'pillow',
    'screen door, screen', 'stairway, staircase', 'river', 'bridge, span',
    'bookcase', 'blind, screen', 'coffee table',
    'toilet, can, commode, crapper, pot, potty, stool, throne', 'flower',
    'book', 'hill', 'bench', 'countertop', 'stove', 'palm, palm tree',
    'kitchen island', 'computer', 'swivel chair', 'boat', 'bar',
    'arcade machine', 'hovel, hut, hutch, shack, shanty', 'bus', 'towel',
    'light', 'truck', 'tower', 'chandelier', 'awning, sunshade, sunblind',
    'street lamp', 'booth', 'tv', 'plane', 'dirt track', 'clothes', 'pole',
    'land, ground, soil',
    'bannister, banister, balustrade, balusters, handrail',
    'escalator, moving staircase, moving stairway',
    'ottoman, pouf, pouffe, puff, hassock', 'bottle',
    'buffet, counter, sideboard',
    'poster, posting, placard, notice, bill, card', 'stage', 'van', 'ship',
    'fountain',
    'conveyer belt, conveyor belt, conveyer, conveyor, transporter', 'canopy',
    'washer, automatic washer, washing machine', 'plaything, toy', 'pool',
    'stool', 'barrel, cask', 'basket, handbasket', 'falls', 'tent', 'bag',
    'minibike, motorbike', 'cradle', 'oven', 'ball', 'food, solid food',
    'step, stair', 'tank, storage tank', 'trade name', 'microwave', 'pot',
    'animal', 'bicycle', 'lake', 'dishwasher', 'screen', 'blanket, cover',
    'sculpture', 'hood, exhaust hood', 'sconce', 'vase', 'traffic light',
    'tray', 'trash can', 'fan', 'pier', 'crt screen', 'plate', 'monitor',
    'bulletin board', 'shower', 'radiator', 'glass, drinking glass', 'clock',
    'flag')
#: The 50 stuff classes of ADE20K panoptic: the classes without instance
#: annotations in ADE20K's instance mapping; the other 100 are things.
ADE20K_PANOPTIC_STUFF_CLASSES = (
    'wall', 'building', 'sky', 'floor', 'tree', 'ceiling', 'road, route',
    'grass', 'sidewalk, pavement', 'earth, ground', 'mountain, mount', 'plant',
    'water', 'house', 'sea', 'rug', 'field', 'rock, stone',
    'base, pedestal, stand', 'sand', 'skyscraper', 'grandstand, covered stand',
    'path', 'runway', 'stairway, staircase', 'river', 'bridge, span',
    'blind, screen', 'hill', 'bar', 'hovel, hut, hutch, shack, shanty',
    'tower', 'dirt track', 'land, ground, soil',
    'escalator, moving staircase, moving stairway',
    'buffet, counter, sideboard',
    'poster, posting, placard, notice, bill, card', 'stage',
    'conveyer belt, conveyor belt, conveyer, conveyor, transporter', 'canopy',
    'pool', 'falls', 'tent', 'cradle', 'tank, storage tank', 'lake',
    'blanket, cover', 'pier', 'crt screen', 'shower')


@DATASETS.register_module()
class ADE20KPanopticSegDataset(CocoPanopticSegDataset):
    """ADE20K panoptic with semantic, instance and panoptic ground truth.

    A data set of MaskAttn-UNet (Cheng et al., "MaskAttn-UNet: A Mask
    Attention-Driven Framework for Universal Low-Resolution Image
    Segmentation", arXiv 2503.10686, https://arxiv.org/abs/2503.10686):
    ADE20K (Zhou et al., "Scene Parsing through ADE20K Dataset", CVPR 2017,
    https://groups.csail.mit.edu/vision/datasets/ADE20K/) in the COCO
    panoptic format of the conversion used by detectron2/Mask2Former and
    mmdet (``prepare_ade20k_pan_seg.py`` / ``ade20k2coco.py``), 150
    categories: 100 things, 50 stuff. Layout under ``data_root``::

        data/ade/ADEChallengeData2016
        ├── images/training/*.jpg, images/validation/*.jpg
        ├── ade20k_panoptic_train.json, ade20k_panoptic_val.json
        └── ade20k_panoptic_train/*.png, ade20k_panoptic_val/*.png

    with ``ann_file='ade20k_panoptic_{split}.json'`` and
    ``data_prefix=dict(img_path='images/{training,validation}',
    pan_map_path='ade20k_panoptic_{split}')``. Everything else is as in
    :class:`CocoPanopticSegDataset`.

    Classes: the 150 SceneParse150 classes in their benchmark order, so
    class ``i`` is label ``i`` of mmseg's ``ADE20KDataset`` (its palette is
    used), named as in the json of the conversion
    (``ADE20K_PANOPTIC_CLASSES``; the long names, e.g. ``'road, route'``).
    Things and stuff: the conversion marks a class as thing when ADE20K's
    instance annotations map to it; these 100 classes are the
    ``thing_classes`` here (the 50 others, ``ADE20K_PANOPTIC_STUFF_CLASSES``,
    are stuff), and the ``isthing`` flag of every json category is checked
    against them: a json with another thing/stuff split raises a
    :class:`ValueError` naming the category.

    Category ids: both conversions write the class index (0..149) as the
    json category id, but mmdet's writes its own, things-first class names
    against these ids. Categories are therefore mapped by id (id ``i`` is
    class ``i``), not by name; an id outside 0..149 raises a
    :class:`ValueError` naming it. Note that id 0 is the category ``wall``;
    segment id 0 (black PNG pixels) is unlabelled, as in COCO.

    Args:
        **kwargs: Arguments of :class:`CocoPanopticSegDataset`
            (``ann_file``, ``data_prefix``, ``data_root``, ...).
    """
    METAINFO = dict(
        classes=ADE20K_PANOPTIC_CLASSES,
        thing_classes=tuple(c for c in ADE20K_PANOPTIC_CLASSES
                            if c not in ADE20K_PANOPTIC_STUFF_CLASSES),
        stuff_classes=ADE20K_PANOPTIC_STUFF_CLASSES,
        palette=ADE20KDataset.METAINFO['palette'])

    def _category_labels(self, categories: List[dict]) -> Dict[int, int]:
        """Map the json categories to class indices by id (id = index).

        Args:
            categories (list[dict]): The ``categories`` of the json.

        Returns:
            dict[int, int]: json category id -> index in
            ``METAINFO['classes']`` (the same number).

        Raises:
            ValueError: If a category id is not a class index, or an
                ``isthing`` flag disagrees with ``thing_classes``.
        """
        num_classes = len(self.METAINFO['classes'])
        labels = {}
        for cat in categories:
            cat_id = cat['id']
            if not is_int(cat_id) or not 0 <= cat_id < num_classes:
                raise ValueError(
                    f'{type(self).__name__}: ann_file {self.ann_file!r}: '
                    f'category {cat.get("name")!r} has id {cat_id!r}, not a '
                    f'class index in [0, {num_classes})')
            labels[cat_id] = cat_id
            self._check_isthing(cat, cat_id)
        return labels
