from .random_state_hook import RandomStateHook
from .strict_load_hook import StrictLoadHook, check_state_dict_fills

__all__ = ['RandomStateHook', 'StrictLoadHook', 'check_state_dict_fills']
