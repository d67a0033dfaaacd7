from .complexity import (ATTENTION_FLOP_HANDLES, build_model_from_config,
                         count_flops, count_params, resolve_config)
from .machine import cpu_model_name
from .reference_umixformer import reference_umixformer_forward

__all__ = [
    'ATTENTION_FLOP_HANDLES', 'build_model_from_config', 'count_flops',
    'count_params', 'cpu_model_name', 'reference_umixformer_forward', 'resolve_config'
]
