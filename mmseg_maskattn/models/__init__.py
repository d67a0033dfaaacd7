from . import (backbones, decode_heads, layers, losses,  # noqa: F401
               segmentors, utils)

__all__ = [
    'backbones', 'decode_heads', 'layers', 'losses', 'segmentors', 'utils'
]
