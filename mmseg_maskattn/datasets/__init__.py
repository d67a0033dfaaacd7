"""Datasets; importing this package registers them in ``mmseg.registry``."""
from . import toy_data  # noqa: F401
from .camvid import CamVidDataset
from .checked_seg_dataset import CheckedSegDataset
from .toy import ToySegDataset

__all__ = ['CamVidDataset', 'CheckedSegDataset', 'ToySegDataset', 'toy_data']
