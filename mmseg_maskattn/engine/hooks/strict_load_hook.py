"""Hook that refuses a ``load_from`` / ``--resume`` checkpoint that does not
fill the model.

mmengine's Runner loads ``load_from`` non-strictly: missing keys and shape
mismatches are only logged, and training starts from partly random weights.
"""
from typing import Optional, Sequence

from mmengine.hooks import Hook
from mmengine.model import is_model_wrapper
from mmseg.registry import HOOKS

__all__ = ['StrictLoadHook', 'check_state_dict_fills']


@HOOKS.register_module()
class StrictLoadHook(Hook):
    """Raise before a checkpoint is loaded if it leaves weights unloaded.

    It runs on ``after_load_checkpoint``, which mmengine calls with the
    checkpoint read from disk before it is copied into the model. Every
    parameter and buffer of the model must be in the checkpoint's
    ``state_dict`` (after stripping a ``module.`` prefix, as mmengine does)
    with the same shape; otherwise a ``ValueError`` names the checkpoint
    keys that are missing or misshaped.

    Args:
        ignore_prefixes (Sequence[str]): Model keys allowed to stay
            unloaded (e.g. ``('decode_head.conv_seg.',)`` to fine-tune a new
            classifier).
        allow_unexpected (bool): Accept checkpoint keys that the model does
            not have (e.g. an auxiliary head dropped for fine-tuning).
            Defaults to False: such keys usually mean the checkpoint is of
            another model.
    """

    priority = 'VERY_HIGH'

    def __init__(self,
                 *,
                 ignore_prefixes: Sequence[str] = (),
                 allow_unexpected: bool = False) -> None:
        if isinstance(ignore_prefixes, str):
            raise TypeError('StrictLoadHook: ignore_prefixes must be a list '
                            f'of prefixes, got the string {ignore_prefixes!r}')
        self.ignore_prefixes = tuple(ignore_prefixes)
        self.allow_unexpected = allow_unexpected

    def after_load_checkpoint(self, runner, checkpoint: dict) -> None:
        model = runner.model.module if is_model_wrapper(
            runner.model) else runner.model
        state = checkpoint.get('state_dict', checkpoint)
        state = {
            (k[len('module.'):] if k.startswith('module.') else k): v
            for k, v in state.items()
        }
        source: Optional[str] = getattr(runner, '_load_from', None)
        check_state_dict_fills(
            model.state_dict(), state, source or 'the checkpoint',
            ignore_prefixes=self.ignore_prefixes,
            allow_unexpected=self.allow_unexpected)


def check_state_dict_fills(expected: dict,
                           state: dict,
                           source: str,
                           *,
                           ignore_prefixes: Sequence[str] = (),
                           allow_unexpected: bool = False) -> None:
    """Raise a ``ValueError`` if ``state`` does not fill ``expected``."""
    missing = sorted(
        k for k in expected
        if k not in state and not k.startswith(tuple(ignore_prefixes)))
    wrong = sorted(
        f'{k}: {tuple(state[k].shape)} vs {tuple(v.shape)}'
        for k, v in expected.items()
        if k in state and hasattr(state[k], 'shape')
        and tuple(state[k].shape) != tuple(v.shape))
    unexpected = [] if allow_unexpected else sorted(set(state) - set(expected))
    if missing or wrong or unexpected:
        raise ValueError(
            f'{source} does not fit the model: {len(missing)} of '
            f'{len(expected)} weights would stay unloaded {missing[:10]}'
            f'{" ..." if len(missing) > 10 else ""}; {len(wrong)} shape '
            f'mismatches (checkpoint vs model) {wrong[:10]}; '
            f'{len(unexpected)} unexpected keys {unexpected[:10]}'
            f'{" ..." if len(unexpected) > 10 else ""}. For a deliberate '
            'partial load (e.g. a backbone-only checkpoint) pass '
            '--allow-partial to tools/train.py / tools/test.py')
