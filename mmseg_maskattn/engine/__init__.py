from .checkpoint import (mmengine_checkpoint_globals,
                         register_checkpoint_globals)
from .checks import check_decode_head_channels, enforce_strict_load
from .distributed import setup_cpu_distributed, teardown_cpu_distributed
from .hooks import RandomStateHook, StrictLoadHook, check_state_dict_fills
from .model_wrappers import CPUDistributedDataParallel
from .runner import MultiSeedTestLoop

register_checkpoint_globals()

__all__ = [
    'CPUDistributedDataParallel', 'MultiSeedTestLoop', 'RandomStateHook',
    'StrictLoadHook', 'check_decode_head_channels', 'check_state_dict_fills',
    'enforce_strict_load', 'mmengine_checkpoint_globals',
    'register_checkpoint_globals', 'setup_cpu_distributed',
    'teardown_cpu_distributed'
]
