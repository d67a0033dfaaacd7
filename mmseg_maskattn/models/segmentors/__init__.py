from .maskattn_unet_segmentor import MaskAttnUNetSegmentor

__all__ = ['MaskAttnUNetSegmentor']
