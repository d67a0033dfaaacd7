from .lvt import LVT
from .mit_plus import MixVisionTransformerPlus

__all__ = ['LVT', 'MixVisionTransformerPlus']
