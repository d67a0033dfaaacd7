from .cc_panoptic_segmentor import CCPanopticSegmentor
from .mask2former_panoptic_segmentor import Mask2FormerPanopticSegmentor
from .maskattn_unet_segmentor import MaskAttnUNetSegmentor

__all__ = [
    'CCPanopticSegmentor', 'Mask2FormerPanopticSegmentor',
    'MaskAttnUNetSegmentor'
]
