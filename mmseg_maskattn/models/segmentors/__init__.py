from .base_fss import BaseFewShotSegmentor
from .cc_panoptic_segmentor import CCPanopticSegmentor
from .hdmnet import HDMNet
from .mask2former_panoptic_segmentor import Mask2FormerPanopticSegmentor
from .maskattn_unet_segmentor import MaskAttnUNetSegmentor
from .prototype_fss import PrototypeFSS

__all__ = [
    'BaseFewShotSegmentor', 'CCPanopticSegmentor', 'HDMNet',
    'Mask2FormerPanopticSegmentor', 'MaskAttnUNetSegmentor', 'PrototypeFSS'
]
