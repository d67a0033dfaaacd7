from .checkpoint import (mmengine_checkpoint_globals,
                         register_checkpoint_globals)
from .checks import check_decode_head_channels
from .hooks import RandomStateHook

register_checkpoint_globals()

__all__ = [
    'RandomStateHook', 'check_decode_head_channels',
    'mmengine_checkpoint_globals',
    'register_checkpoint_globals'
]
