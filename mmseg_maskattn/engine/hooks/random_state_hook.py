"""Hook that makes resumed training bit-identical to an uninterrupted run."""
import random
from typing import Iterator, Optional

import numpy as np
import torch
from mmengine.hooks import Hook
from mmseg.registry import HOOKS

__all__ = ['RandomStateHook']


def get_random_states() -> dict:
    """Return the global random states of python, numpy and torch."""
    states = dict(
        python=random.getstate(),
        numpy=np.random.get_state(),
        torch=torch.get_rng_state())
    if torch.cuda.is_available():
        states['cuda'] = torch.cuda.get_rng_state_all()
    return states


def set_random_states(states: dict) -> None:
    """Restore states returned by :func:`get_random_states`."""
    random.setstate(states['python'])
    np.random.set_state(states['numpy'])
    torch.set_rng_state(states['torch'])
    if 'cuda' in states and torch.cuda.is_available():
        torch.cuda.set_rng_state_all(states['cuda'])


class _RestoreAfterSkip:
    """Iterator proxy restoring random states after ``skip`` fetches.

    mmengine's ``IterBasedTrainLoop`` resumes by fetching and discarding the
    batches already trained on; with ``num_workers=0`` those fetches run the
    random transforms in the main process. Restoring the saved states right
    before the first new batch puts every generator where the interrupted
    run left it.
    """

    def __init__(self, iterator: Iterator, skip: int, states: dict) -> None:
        self._iterator = iterator
        self._skip = skip
        self._states: Optional[dict] = states

    def __iter__(self):
        return self

    def __next__(self):
        if self._skip > 0:
            self._skip -= 1
        elif self._states is not None:
            set_random_states(self._states)
            self._states = None
        return next(self._iterator)


@HOOKS.register_module()
class RandomStateHook(Hook):
    """Save and restore every global random state with the checkpoints.

    mmengine checkpoints hold the model, optimizer, schedulers and message
    hub, but not the random generators. This hook stores the python, numpy,
    torch (and CUDA) states under ``checkpoint['random_states']`` and, when a
    run is resumed, restores them right before the first new training batch,
    so that an interrupted and resumed CPU run ends with the same weights as
    an uninterrupted one (same seed). Validation is made neutral to the
    training stream: the states are saved before it and restored after it,
    so a checkpoint written before a validation round is exact.

    Add it with ``custom_hooks = [dict(type='RandomStateHook')]``. A plain
    ``load_from`` (fine-tuning, iteration 0) leaves the generators alone.
    """

    priority = 'VERY_LOW'

    def __init__(self) -> None:
        self._resumed_states: Optional[dict] = None
        self._val_states: Optional[dict] = None

    def before_save_checkpoint(self, runner, checkpoint: dict) -> None:
        checkpoint['random_states'] = get_random_states()

    def after_load_checkpoint(self, runner, checkpoint: dict) -> None:
        self._resumed_states = checkpoint.get('random_states')

    def before_train(self, runner) -> None:
        states, self._resumed_states = self._resumed_states, None
        loop = runner.train_loop
        if states is None or runner.iter == 0:
            return
        if not hasattr(loop, 'dataloader_iterator'):
            # epoch-based loops rebuild their iterator every epoch
            set_random_states(states)
            return
        loop.dataloader_iterator = _RestoreAfterSkip(
            loop.dataloader_iterator, runner.iter, states)

    def before_val(self, runner) -> None:
        self._val_states = get_random_states()

    def after_val(self, runner) -> None:
        if self._val_states is not None:
            set_random_states(self._val_states)
            self._val_states = None
