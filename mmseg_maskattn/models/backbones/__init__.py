from .lvt import LVT
from .maskattn_unet import MaskAttnUNet
from .mit_plus import MixVisionTransformerPlus

__all__ = ['LVT', 'MaskAttnUNet', 'MixVisionTransformerPlus']
