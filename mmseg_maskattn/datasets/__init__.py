"""Datasets; importing this package registers them in ``mmseg.registry``.

It also imports :mod:`.transforms`, which registers the panoptic
transforms in ``mmseg.registry.TRANSFORMS``.
"""
from . import toy_data, transforms  # noqa: F401
from .camvid import CamVidDataset
from .checked_panoptic_dataset import CheckedPanopticDataset
from .checked_seg_dataset import CheckedSegDataset
from .dsb2018 import DSB2018Dataset
from .toy import ToySegDataset
from .toy_panoptic import ToyPanopticDataset

__all__ = [
    'CamVidDataset', 'CheckedPanopticDataset', 'CheckedSegDataset',
    'DSB2018Dataset', 'ToyPanopticDataset', 'ToySegDataset', 'toy_data',
    'transforms'
]
