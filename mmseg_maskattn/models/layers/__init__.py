from .efficient_self_attention import EfficientSelfAttention
from .inverse_softmax_matching import (InverseSoftmaxMatching,
                                       inverse_softmax_matching)
from .mask_attention import MaskAttention, masked_attention
from .mix_attention import MixAttention
from .mix_attention_block import MixAttentionBlock

__all__ = [
    'EfficientSelfAttention', 'InverseSoftmaxMatching', 'MaskAttention',
    'MixAttention', 'MixAttentionBlock', 'inverse_softmax_matching',
    'masked_attention'
]
