from .base_fss import BaseFewShotSegmentor
from .cc_panoptic_segmentor import CCPanopticSegmentor
from .gscnn import GSCNN
from .hdmnet import HDMNet
from .mask2former_panoptic_segmentor import Mask2FormerPanopticSegmentor
from .maskattn_unet_segmentor import MaskAttnUNetSegmentor
from .prototype_fss import PrototypeFSS

__all__ = [
    'BaseFewShotSegmentor', 'CCPanopticSegmentor', 'GSCNN', 'HDMNet',
    'Mask2FormerPanopticSegmentor', 'MaskAttnUNetSegmentor', 'PrototypeFSS'
]
