"""StrictLoadHook: a load_from / resume checkpoint must fill the model."""
from types import SimpleNamespace

import pytest
import torch
import torch.nn as nn

from mmseg_maskattn.engine import StrictLoadHook


def _runner():
    model = nn.Sequential(nn.Conv2d(3, 4, 1), nn.BatchNorm2d(4))
    return SimpleNamespace(model=model, _load_from='ckpt.pth')


def test_complete_checkpoint_passes():
    runner = _runner()
    state = {f'module.{k}': v for k, v in runner.model.state_dict().items()}
    state['extra.weight'] = torch.zeros(1)  # unexpected keys are allowed
    StrictLoadHook().after_load_checkpoint(runner, dict(state_dict=state))


def test_missing_key_names_it():
    runner = _runner()
    state = dict(runner.model.state_dict())
    del state['1.running_var']
    with pytest.raises(ValueError, match=r"ckpt\.pth.*1 of 7.*1\.running_var"):
        StrictLoadHook().after_load_checkpoint(runner, dict(state_dict=state))


def test_shape_mismatch_names_it():
    runner = _runner()
    state = dict(runner.model.state_dict())
    state['0.weight'] = torch.zeros(5, 3, 1, 1)
    with pytest.raises(ValueError, match=r'0\.weight: \(5, 3, 1, 1\) vs '
                       r'\(4, 3, 1, 1\)'):
        StrictLoadHook().after_load_checkpoint(runner, state)


def test_ignored_prefix_and_unexpected_keys():
    runner = _runner()
    state = {k: v for k, v in runner.model.state_dict().items()
             if not k.startswith('1.')}
    StrictLoadHook(ignore_prefixes=['1.']).after_load_checkpoint(
        runner, dict(state_dict=state))
    full = dict(runner.model.state_dict(), bogus=torch.zeros(1))
    with pytest.raises(ValueError, match='bogus'):
        StrictLoadHook(allow_unexpected=False).after_load_checkpoint(
            runner, dict(state_dict=full))
    with pytest.raises(TypeError, match='ignore_prefixes'):
        StrictLoadHook(ignore_prefixes='1.')
