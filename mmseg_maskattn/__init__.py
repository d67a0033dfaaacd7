"""mmseg_maskattn: attention-driven segmentation methods for MMSegmentation.

Importing this package registers every module (backbones, heads, layers,
datasets, metrics and engine hooks) into the OpenMMLab registries of
``mmseg`` so that configs can refer to them by type name.
"""
from . import datasets, engine, evaluation, models  # noqa: F401
from .version import __version__

__all__ = ['__version__', 'datasets', 'engine', 'evaluation', 'models']
