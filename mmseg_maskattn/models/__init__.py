from . import (backbones, data_preprocessors, decode_heads,  # noqa: F401
               layers, losses, segmentors, utils)

__all__ = [
    'backbones', 'data_preprocessors', 'decode_heads', 'layers', 'losses',
    'segmentors', 'utils'
]
