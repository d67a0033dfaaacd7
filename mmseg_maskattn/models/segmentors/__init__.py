from .mask2former_panoptic_segmentor import Mask2FormerPanopticSegmentor
from .maskattn_unet_segmentor import MaskAttnUNetSegmentor

__all__ = ['Mask2FormerPanopticSegmentor', 'MaskAttnUNetSegmentor']
