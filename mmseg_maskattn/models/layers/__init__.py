from .mask_attention import MaskAttention, masked_attention
from .mix_attention import MixAttention
from .mix_attention_block import MixAttentionBlock

__all__ = [
    'MaskAttention', 'MixAttention', 'MixAttentionBlock', 'masked_attention'
]
