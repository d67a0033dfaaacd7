from .checkpoint import (mmengine_checkpoint_globals,
                         register_checkpoint_globals)
from .checks import check_decode_head_channels, enforce_strict_load
from .hooks import RandomStateHook, StrictLoadHook, check_state_dict_fills
from .runner import MultiSeedTestLoop

register_checkpoint_globals()

__all__ = [
    'MultiSeedTestLoop', 'RandomStateHook', 'StrictLoadHook',
    'check_decode_head_channels', 'check_state_dict_fills',
    'enforce_strict_load',
    'mmengine_checkpoint_globals',
    'register_checkpoint_globals'
]
