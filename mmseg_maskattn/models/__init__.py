from . import backbones, decode_heads, layers, losses, segmentors  # noqa: F401

__all__ = ['backbones', 'decode_heads', 'layers', 'losses', 'segmentors']
