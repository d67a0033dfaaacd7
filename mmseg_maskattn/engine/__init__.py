from .checkpoint import (mmengine_checkpoint_globals,
                         register_checkpoint_globals)
from .hooks import RandomStateHook

register_checkpoint_globals()

__all__ = [
    'RandomStateHook', 'mmengine_checkpoint_globals',
    'register_checkpoint_globals'
]
