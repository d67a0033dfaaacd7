"""Checkpoints written by mmengine load with torch.load(weights_only=True)."""
import subprocess
import sys

import numpy as np
import torch
from mmengine.logging import HistoryBuffer, MessageHub

import mmseg_maskattn  # noqa: F401
from mmseg_maskattn.engine.hooks.random_state_hook import (get_random_states,
                                                           set_random_states)


def _checkpoint():
    hub = MessageHub.get_instance('test_checkpoint')
    hub.update_scalar('train/loss', np.float64(0.5))
    hub.update_scalar('train/lr', 0.1)
    hub.update_info('iter', 3)
    return dict(
        meta=dict(seed=0, iter=3, epoch=0),
        state_dict={'w': torch.ones(2)},
        message_hub=hub.state_dict(),
        random_states=get_random_states())


def test_mmengine_checkpoint_loads_weights_only(tmp_path):
    path = tmp_path / 'ckpt.pth'
    torch.save(_checkpoint(), path)
    loaded = torch.load(path, weights_only=True)
    buffer = loaded['message_hub']['log_scalars']['train/loss']
    assert isinstance(buffer, HistoryBuffer)
    assert buffer.current() == 0.5
    assert loaded['meta']['iter'] == 3


def test_without_allow_list_torch_refuses(tmp_path):
    """The allow-list is what makes loading work (and it stays safe: an
    arbitrary global is still refused)."""
    path = tmp_path / 'ckpt.pth'
    torch.save(_checkpoint(), path)
    code = ('import sys, torch\n'
            'try:\n'
            '    torch.load(sys.argv[1], weights_only=True)\n'
            'except Exception as e:\n'
            '    print("REFUSED", type(e).__name__)\n')
    out = subprocess.run([sys.executable, '-c', code, str(path)],
                         capture_output=True,
                         text=True,
                         check=True).stdout
    assert 'REFUSED' in out

    class Evil:

        def __reduce__(self):
            return (print, ('pwned', ))

    evil = tmp_path / 'evil.pth'
    torch.save({'x': Evil()}, evil)
    try:
        torch.load(evil, weights_only=True)
    except Exception as e:  # noqa: B902
        assert 'print' in str(e)
    else:
        raise AssertionError('an arbitrary global was accepted')


def test_random_states_round_trip():
    states = get_random_states()
    a = (torch.rand(3), np.random.rand(3), __import__('random').random())
    set_random_states(states)
    b = (torch.rand(3), np.random.rand(3), __import__('random').random())
    assert torch.equal(a[0], b[0])
    assert np.array_equal(a[1], b[1])
    assert a[2] == b[2]


def test_restricted_getattr_refuses_other_attributes(tmp_path):
    """A checkpoint may only getattr the HistoryBuffer statistics methods."""
    import pickle

    class Sneaky:

        def __reduce__(self):
            return (getattr, (HistoryBuffer, 'update'))

    path = tmp_path / 'sneaky.pth'
    torch.save({'x': Sneaky()}, path)
    try:
        torch.load(path, weights_only=True)
    except pickle.UnpicklingError:
        pass
    else:
        raise AssertionError('getattr(HistoryBuffer, "update") accepted')
