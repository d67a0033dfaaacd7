from .few_shot_fold_check_hook import FewShotFoldCheckHook
from .random_state_hook import RandomStateHook
from .strict_load_hook import StrictLoadHook, check_state_dict_fills

__all__ = [
    'FewShotFoldCheckHook', 'RandomStateHook', 'StrictLoadHook',
    'check_state_dict_fills'
]
