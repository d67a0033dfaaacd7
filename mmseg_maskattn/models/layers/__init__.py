from .mix_attention import MixAttention
from .mix_attention_block import MixAttentionBlock

__all__ = ['MixAttention', 'MixAttentionBlock']
