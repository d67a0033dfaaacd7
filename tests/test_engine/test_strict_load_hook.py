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
    # unexpected keys are refused by default, and can be allowed
    with pytest.raises(ValueError, match=r"1 unexpected keys \['bogus'\]"):
        StrictLoadHook().after_load_checkpoint(runner, dict(state_dict=full))
    StrictLoadHook(allow_unexpected=True).after_load_checkpoint(
        runner, dict(state_dict=full))
    with pytest.raises(TypeError, match='ignore_prefixes'):
        StrictLoadHook(ignore_prefixes='1.')


def test_unrelated_checkpoint_names_first_keys_counts_and_the_flag():
    runner = _runner()
    state = dict(state_dict=dict(other=torch.zeros(2)))
    with pytest.raises(ValueError) as err:
        StrictLoadHook().after_load_checkpoint(runner, state)
    msg = str(err.value)
    for text in ('ckpt.pth', '7 of 7 weights would stay unloaded',
                 "'0.bias'", "1 unexpected keys ['other']",
                 '--allow-partial'):
        assert text in msg, (text, msg)
