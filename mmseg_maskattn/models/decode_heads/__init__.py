from .umixformer_head import UMixFormerHead

__all__ = ['UMixFormerHead']
