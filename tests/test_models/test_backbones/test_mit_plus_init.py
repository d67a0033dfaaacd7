"""MixVisionTransformerPlus initialises as the U-MixFormer+ release does.

The release's backbone (https://github.com/julian-klitzing/u-mixformer,
``mmseg/models/backbones/mit_multi.py``) is a copy of mmseg's MiT with its
``init_weights`` (SegFormer's rule). The rule is kept below as data in our
parameter names, for a tiny MiT+.
"""
import pytest
import torch
from mmseg.models.backbones import MixVisionTransformer

from mmseg_maskattn.models.backbones.mit_plus import MixVisionTransformerPlus
from tests.test_models._init_rule import perturb
from tests.test_models.test_backbones._init_dists import check_rule

BLOCK = r'layers\.\d\.1\.\d+\.'
NORM = r'layers\.\d\.(0\.norm|1\.\d+\.(norm[12]|attn\.norm)|2)\.'

RELEASE_RULE = [
    (r'layers\.\d\.0\.projection\.weight', 'fan_out_normal', 1),
    (r'layers\.\d\.0\.projection\.bias', 'const', 0.),
    (NORM + 'weight', 'const', 1.),
    (NORM + 'bias', 'const', 0.),
    # nn.MultiheadAttention: in_proj is a bare parameter (PyTorch's own
    # init), out_proj an nn.Linear
    (BLOCK + r'attn\.attn\.in_proj_weight', 'xavier_uniform', None),
    (BLOCK + r'attn\.attn\.in_proj_bias', 'const', 0.),
    (BLOCK + r'attn\.attn\.out_proj\.weight', 'trunc_normal', .02),
    (BLOCK + r'attn\.attn\.out_proj\.bias', 'const', 0.),
    (r'layers\.[0-2]\.1\.\d+\.attn\.sr\.weight', 'fan_out_normal', 1),
    (r'layers\.[0-2]\.1\.\d+\.attn\.sr\.bias', 'const', 0.),
    # Mix-FFN: 1x1 conv, depth-wise 3x3 conv, 1x1 conv
    (BLOCK + r'ffn\.layers\.[04]\.weight', 'fan_out_normal', 1),
    (BLOCK + r'ffn\.layers\.1\.weight', 'fan_out_normal', 'depthwise'),
    (BLOCK + r'ffn\.layers\.[014]\.bias', 'const', 0.),
]


def tiny_mit_plus():
    torch.manual_seed(0)
    model = MixVisionTransformerPlus(
        embed_dims=8, num_heads=[1, 2, 4, 8], num_layers=[1, 1, 7, 1],
        extra_interval=6)
    model.init_weights()
    return model


def test_init_is_mmseg_mit_one():
    assert MixVisionTransformerPlus.init_weights is \
        MixVisionTransformer.init_weights


def test_fresh_mit_plus_follows_release_rule():
    check_rule(dict(tiny_mit_plus().named_parameters()), RELEASE_RULE)


def test_perturbed_mit_plus_fails():
    model = tiny_mit_plus()
    perturb(model)
    with pytest.raises(AssertionError):
        check_rule(dict(model.named_parameters()), RELEASE_RULE)


def test_init_weights_redraws_all_but_attention_input_projections():
    """As in the release, in_proj keeps its construction-time values."""
    model = tiny_mit_plus()
    perturb(model)
    model.init_weights()
    params = dict(model.named_parameters())
    in_proj = {k for k in params if '.in_proj_' in k}
    check_rule({k: v
                for k, v in params.items() if k not in in_proj},
               RELEASE_RULE,
               check_all_rules=False)
    assert all(torch.all(params[k] == 0.37) for k in in_proj)
