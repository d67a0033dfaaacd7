"""MaskAttention starts from PyTorch's default for every linear and conv,
LayerNorm 1 / 0, as the authors' code of MaskAttn-UNet does for its
attention (https://github.com/Belis0811/MaskUnet, no initialisation code;
see the module docstring). The layers get it when they are built, and
``init_weights`` keeps it without drawing a random number."""
import re

import pytest
import torch

from mmseg_maskattn.models.layers import MaskAttention
from tests.test_models._init_rule import check_init, perturb
from tests.test_models._mask_attention_rule import attention_rule


def _attention(**kw):
    torch.manual_seed(0)
    return MaskAttention(**dict(dict(embed_dims=32, num_heads=2), **kw))


@pytest.mark.parametrize('mask_mode', ['hard', 'soft', 'none'])
def test_initialised_module_follows_rule(mask_mode):
    attention = _attention(mask_mode=mask_mode, kv_pool=2)
    attention.init_weights()
    assert attention.is_init
    check_init(
        dict(attention.named_parameters()),
        attention_rule(score=mask_mode != 'none'))


def test_init_weights_keeps_weights_and_rng():
    attention = _attention()
    before = {k: v.clone() for k, v in attention.state_dict().items()}
    rng = torch.get_rng_state()
    attention.init_weights()
    assert attention.is_init
    assert torch.equal(torch.get_rng_state(), rng)
    for name, value in attention.state_dict().items():
        assert torch.equal(value, before[name]), name


def test_perturbed_module_fails_rule():
    """init_weights does not redraw: perturbed weights stay and fail."""
    attention = _attention()
    perturb(attention)
    attention.init_weights()
    for name, p in attention.named_parameters():
        assert torch.all(p == 0.37), name
    with pytest.raises(AssertionError, match=r'score\.weight'):
        check_init(dict(attention.named_parameters()), attention_rule())


@pytest.mark.parametrize('name', [
    'q.weight', 'kv.bias', 'ffn.layers.1.weight', 'norm.weight', 'score.bias'
])
def test_rule_catches_one_changed_parameter(name):
    attention = _attention()
    with torch.no_grad():
        attention.get_parameter(name).fill_(0.37)
    with pytest.raises(AssertionError, match=re.escape(name)):
        check_init(dict(attention.named_parameters()), attention_rule())


def test_rule_catches_a_wrong_std():
    attention = _attention()
    with torch.no_grad():
        attention.proj.weight.mul_(0.5)
    with pytest.raises(AssertionError, match=r'proj\.weight'):
        check_init(dict(attention.named_parameters()), attention_rule())


def test_user_init_cfg_is_respected():
    attention = _attention(
        init_cfg=dict(type='Constant', val=0.5, layer='Linear'))
    attention.init_weights()
    assert attention.is_init
    for name in ('q', 'kv', 'proj'):
        assert torch.all(getattr(attention, name).weight == 0.5), name
