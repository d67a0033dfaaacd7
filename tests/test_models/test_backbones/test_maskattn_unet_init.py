"""MaskAttnUNet's initialisation, kept as data: mmcv's ConvModule default
(Kaiming normal by fan-out) for the convs, norms 1 / 0, and PyTorch's
default in the attention modules. The layers get it when they are built;
``init_weights`` keeps it and draws no random number, so seeded runs start
from the same weights with or without it (see the module docstring: the
authors' code has no initialisation code and leaves its convs at PyTorch's
default, which a test below pins as a difference)."""
import pytest
import torch
from mmcv.cnn import ConvModule
from mmengine.registry import init_default_scope
from mmseg.registry import MODELS

import mmseg_maskattn  # noqa: F401
from tests.test_models._init_rule import check_init, perturb
from tests.test_models._mask_attention_rule import attention_rule

init_default_scope('mmseg')

CFG = dict(
    type='MaskAttnUNet',
    base_channels=8,
    num_stages=3,
    attn_stages=(0, 1, 2),
    num_heads=2,
    kv_pool=(4, 2, 1))
CONVS = r'((encoder|decoder)\.\d\.0\.\d|up_convs\.\d)'


def unet_rule(norm=True):
    """(parameter regex, distribution, value), see
    tests/test_models/_init_rule.py; ``norm``: BN after each conv (and then
    no conv bias)."""
    rule = [
        (CONVS + r'\.conv\.weight', 'kaiming', None),
        *attention_rule(r'(encoder|decoder)\.\d\.1\.'),
    ]
    if norm:
        rule += [(CONVS + r'\.bn\.weight', 'const', 1.0),
                 (CONVS + r'\.bn\.bias', 'const', 0.0)]
    else:
        rule.append((CONVS + r'\.conv\.bias', 'const', 0.0))
    return rule


def _build(**kw):
    torch.manual_seed(0)
    return MODELS.build(dict(CFG, **kw))


@pytest.mark.parametrize('norm_cfg', [dict(type='BN'), None])
def test_initialised_model_follows_rule(norm_cfg):
    model = _build(norm_cfg=norm_cfg)
    model.init_weights()
    assert model.is_init
    check_init(dict(model.named_parameters()), unet_rule(norm_cfg is not None))


def test_init_weights_keeps_weights_and_rng():
    """Nothing is redrawn, so the RNG stream of a seeded run is unchanged
    (what the decode head and the data pipeline draw next)."""
    model = _build()
    before = {k: v.clone() for k, v in model.state_dict().items()}
    rng = torch.get_rng_state()
    model.init_weights()
    assert model.is_init
    assert torch.equal(torch.get_rng_state(), rng)
    for name, value in model.state_dict().items():
        assert torch.equal(value, before[name]), name


def test_perturbed_model_fails_rule():
    """init_weights does not redraw: perturbed weights stay and fail."""
    model = _build()
    perturb(model)
    model.init_weights()
    for name, p in model.named_parameters():
        assert torch.all(p == 0.37), name
    with pytest.raises(AssertionError, match=r'conv\.weight'):
        check_init(dict(model.named_parameters()), unet_rule())


def test_user_init_cfg_is_respected():
    model = _build(init_cfg=dict(type='Constant', val=0.5, layer='Conv2d'))
    model.init_weights()
    assert model.is_init
    assert torch.all(model.encoder[0][0][0].conv.weight == 0.5)
    assert torch.all(model.up_convs[0].conv.weight == 0.5)


def test_authors_code_init_differs_in_the_convs():
    """PyTorch's default convs (the authors' code) are not our rule."""
    model = _build()
    for m in model.modules():
        if isinstance(m, ConvModule):
            m.conv.reset_parameters()
    with pytest.raises(AssertionError, match=r'conv\.weight'):
        check_init(dict(model.named_parameters()), unet_rule())
