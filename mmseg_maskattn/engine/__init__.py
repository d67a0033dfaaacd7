from .checkpoint import (mmengine_checkpoint_globals,
                         register_checkpoint_globals)
from .checks import check_decode_head_channels
from .hooks import RandomStateHook
from .runner import MultiSeedTestLoop

register_checkpoint_globals()

__all__ = [
    'MultiSeedTestLoop', 'RandomStateHook', 'check_decode_head_channels',
    'mmengine_checkpoint_globals',
    'register_checkpoint_globals'
]
