"""Datasets; importing this package registers them in ``mmseg.registry``.

It also imports :mod:`.transforms`, which registers the panoptic
transforms in ``mmseg.registry.TRANSFORMS``.
"""
from . import toy_data, transforms  # noqa: F401
from .ade20k_panoptic import ADE20KPanopticSegDataset
from .camvid import CamVidDataset
from .checked_panoptic_dataset import CheckedPanopticDataset
from .checked_seg_dataset import CheckedSegDataset
from .cityscapes_panoptic import CityscapesPanopticSegDataset
from .coco_panoptic import CocoPanopticSegDataset
from .dsb2018 import DSB2018Dataset
from .episodic_dataset import EpisodicDataset
from .toy import ToySegDataset
from .toy_panoptic import ToyPanopticDataset

__all__ = [
    'ADE20KPanopticSegDataset', 'CamVidDataset', 'CheckedPanopticDataset',
    'CheckedSegDataset', 'CityscapesPanopticSegDataset',
    'CocoPanopticSegDataset', 'DSB2018Dataset', 'EpisodicDataset',
    'ToyPanopticDataset', 'ToySegDataset', 'toy_data', 'transforms'
]
