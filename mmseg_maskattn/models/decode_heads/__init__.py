from .danet_head import DANetHead
from .gscnn_head import GSCNNHead
from .hdmnet_head import HDMNetHead
from .mask2former_panoptic_head import Mask2FormerPanopticHead
from .maskattn_unet_head import MaskAttnUNetHead
from .prototype_head import PrototypeHead
from .umixformer_head import UMixFormerHead

__all__ = [
    'DANetHead', 'GSCNNHead', 'HDMNetHead', 'Mask2FormerPanopticHead',
    'MaskAttnUNetHead', 'PrototypeHead', 'UMixFormerHead'
]
