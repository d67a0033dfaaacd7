from .maskattn_unet_head import MaskAttnUNetHead
from .umixformer_head import UMixFormerHead

__all__ = ['MaskAttnUNetHead', 'UMixFormerHead']
