from .attention import (blocked_attention, check_num_heads,
                        masked_attention, merge_heads, multi_head_attention,
                        split_heads)
from .bam_ensemble import BAMEnsemble
from .channel_attention import ChannelAttention
from .conv_downsample import ConvDownsample
from .efficient_self_attention import EfficientSelfAttention
from .gated_spatial_conv import GatedSpatialConv
from .inverse_softmax_matching import (InverseSoftmaxMatching,
                                       inverse_softmax_matching)
from .lvt_csa import ConvolutionalSelfAttention
from .lvt_ffn import LVTFFN
from .lvt_layer import LVTLayer
from .lvt_rasa import RecursiveAtrousSelfAttention
from .mask_attention import MaskAttention
from .mix_attention import MixAttention
from .mix_attention_block import MixAttentionBlock
from .position_attention import PositionAttention
from .shared_atrous_conv import SharedAtrousConv

__all__ = [
    'BAMEnsemble', 'ChannelAttention', 'ConvDownsample',
    'ConvolutionalSelfAttention', 'EfficientSelfAttention',
    'GatedSpatialConv', 'InverseSoftmaxMatching', 'LVTFFN', 'LVTLayer',
    'MaskAttention', 'MixAttention', 'MixAttentionBlock',
    'PositionAttention', 'RecursiveAtrousSelfAttention', 'SharedAtrousConv',
    'blocked_attention', 'check_num_heads', 'inverse_softmax_matching',
    'masked_attention', 'merge_heads', 'multi_head_attention', 'split_heads'
]
