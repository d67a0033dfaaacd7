"""Rules shared by the datasets, metrics and models of the package.

Nothing here imports another part of :mod:`mmseg_maskattn`, so every part
may import it.
"""
from .checks import is_int
from .labels import IGNORE_INDEX

__all__ = ['IGNORE_INDEX', 'is_int']
