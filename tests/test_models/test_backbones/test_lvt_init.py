"""LVT initialises as the official LVT release does.

Release: https://github.com/Chenglin-Yang/LVT,
``segmentation/mmseg/models/backbones/lvt.py`` (Yang et al., CVPR 2022,
arXiv 2112.10809), the encoder of U-MixFormer-LVT. Its rule is kept below
as data in our parameter names, for a tiny LVT (widths ``DIMS``).
"""
import math

import pytest
import torch
from mmseg.models.backbones import MixVisionTransformer

from mmseg_maskattn.models.backbones import LVT
from tests.test_models._init_rule import perturb
from tests.test_models.test_backbones._init_dists import check_rule

DIMS = (16, 16, 32, 32)
CSA = r'layers\.0\.1\.\d+\.'  # stage 1: CSA, FFN without depth-wise conv
RASA = r'layers\.[1-3]\.1\.\d+\.'  # stages 2-4: RASA, FFN with dwconv

RELEASE_RULE = [
    # OverlapPatchEmbed: its own init at construction
    (r'layers\.\d\.0\.projection\.weight', 'fan_out_normal', 1),
    (r'layers\.\d\.0\.projection\.bias', 'const', 0.),
    (r'.*norm\d?\.weight', 'const', 1.),
    (r'.*norm\d?\.bias', 'const', 0.),
    # CSA: linears by the model-wide init; the value transforms (a grouped
    # 1x1 conv in the release) by CSA itself, fan-out k * k * C
    (CSA + r'attn\.(attn_gen|proj)\.weight', 'trunc_normal', .02),
    (CSA + r'attn\.(attn_gen|proj)\.bias', 'const', 0.),
    (CSA + r'attn\.value_weight', 'normal', math.sqrt(2 / (9 * DIMS[0]))),
    (CSA + r'ffn\.fc[12]\.weight', 'trunc_normal', .02),
    (CSA + r'ffn\.fc[12]\.bias', 'const', 0.),
    # RASA: linears and the reduction conv by its own init; the atrous
    # kernel by ds_conv2d with init='kaiming'
    (RASA + r'attn\.(q|kv|proj)\.weight', 'trunc_normal', .02),
    (RASA + r'attn\.proj\.bias', 'const', 0.),
    (RASA + r'attn\.atrous_conv\.weight', 'kaiming_uniform', None),
    (r'layers\.[12]\.1\.\d+\.attn\.sr\.weight', 'fan_out_normal', 1),
    (r'layers\.[12]\.1\.\d+\.attn\.sr\.bias', 'const', 0.),
    # the dwconv FFN is nn.Conv2d in the release, which no init touches
    (RASA + r'ffn\.(fc1|dwconv|fc2)\.(weight|bias)', 'torch', None),
]
# with qkv_bias (the release's CSA refuses it; ours then starts at 0)
QKV_BIAS_RULE = [
    (CSA + r'attn\.value_bias', 'const', 0.),
    (RASA + r'attn\.(q|kv)\.bias', 'const', 0.),
    (RASA + r'attn\.atrous_conv\.bias', 'uniform', 1 / 3),
]


def tiny_lvt(qkv_bias=False):
    torch.manual_seed(0)
    model = LVT(
        embed_dims=DIMS, num_heads=(1, 1, 2, 2), num_layers=(1, 1, 1, 1),
        qkv_bias=qkv_bias)
    model.init_weights()
    return model


@pytest.mark.parametrize('qkv_bias', [False, True])
def test_fresh_lvt_follows_release_rule(qkv_bias):
    rule = RELEASE_RULE + (QKV_BIAS_RULE if qkv_bias else [])
    check_rule(dict(tiny_lvt(qkv_bias).named_parameters()), rule)


def test_perturbed_lvt_fails_and_init_weights_restores():
    model = tiny_lvt()
    perturb(model)
    with pytest.raises(AssertionError):
        check_rule(dict(model.named_parameters()), RELEASE_RULE)
    model.init_weights()  # re-draws every parameter, CSA / RASA ones too
    check_rule(dict(model.named_parameters()), RELEASE_RULE)


def test_segformer_rule_differs_only_in_the_dwconv_ffns():
    """SegFormer's rule (our LVT's before) misses the release's defaults."""
    model = tiny_lvt()
    MixVisionTransformer.init_weights(model)
    params = dict(model.named_parameters())
    ffn = {k: v for k, v in params.items() if '.ffn.' in k and
           not k.startswith('layers.0.')}
    check_rule({k: v
                for k, v in params.items() if k not in ffn},
               RELEASE_RULE,
               check_all_rules=False)
    for name, p in ffn.items():
        if name.endswith('weight'):
            with pytest.raises(AssertionError):
                check_rule({name: p}, RELEASE_RULE, check_all_rules=False)
