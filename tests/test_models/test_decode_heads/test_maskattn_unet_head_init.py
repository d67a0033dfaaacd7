"""MaskAttnUNetHead's initialisation, kept as data (see its docstring):
mmseg's N(0, 0.01) classifier with a zero bias (log class frequencies with
``class_prior``), mmcv's Kaiming ConvModules, PyTorch's default embedding
conv."""
import math

import pytest
import torch
from mmengine.registry import init_default_scope
from mmseg.registry import MODELS

import mmseg_maskattn  # noqa: F401
from tests.test_models._init_rule import check_init, perturb

init_default_scope('mmseg')

CFG = dict(
    type='MaskAttnUNetHead',
    in_channels=16,
    in_index=0,
    channels=32,
    num_classes=4,
    embed_dims=8,
    norm_cfg=dict(type='BN'))
# (parameter regex, distribution, value), see tests/test_models/_init_rule.py
HEAD_RULE = [
    (r'conv_seg\.weight', 'normal', 0.01),
    (r'conv_seg\.bias', 'const', 0.0),
    (r'(pre|embed_convs\.\d)\.conv\.weight', 'kaiming', None),
    (r'(pre|embed_convs\.\d)\.bn\.weight', 'const', 1.0),
    (r'(pre|embed_convs\.\d)\.bn\.bias', 'const', 0.0),
    (r'conv_embed\.(weight|bias)', 'torch', None),
]


def _build(**kw):
    torch.manual_seed(0)
    return MODELS.build(dict(CFG, **kw))


def test_init_weights_follows_rule():
    head = _build()
    head.init_weights()
    check_init(dict(head.named_parameters()), HEAD_RULE)


def test_classifier_before_init_weights_fails_rule():
    """``conv_seg`` gets N(0, 0.01) from init_weights, not at build."""
    head = _build()
    with pytest.raises(AssertionError, match=r'conv_seg\.weight'):
        check_init(dict(head.named_parameters()), HEAD_RULE)


def test_perturbed_head_fails_rule():
    head = _build()
    head.init_weights()
    perturb(head)
    with pytest.raises(AssertionError, match=r'conv_seg\.weight'):
        check_init(dict(head.named_parameters()), HEAD_RULE)


def test_shared_head_follows_rule():
    head = _build(embed_convs=0, embed_coords=True)
    head.init_weights()
    check_init(
        dict(head.named_parameters()),
        [r for r in HEAD_RULE if 'embed_convs' not in r[0]] +
        [(r'pre\.conv\.weight', 'kaiming', None),
         (r'pre\.bn\.weight', 'const', 1.0),
         (r'pre\.bn\.bias', 'const', 0.0)])


def test_class_prior_sets_the_classifier_bias():
    prior = (0.7, 0.1, 0.15, 0.05)
    head = _build(class_prior=prior)
    head.init_weights()
    expected = torch.tensor([math.log(p) for p in prior])
    torch.testing.assert_close(head.conv_seg.bias.detach(), expected)
    params = dict(head.named_parameters())
    del params['conv_seg.bias']
    check_init(params, [r for r in HEAD_RULE if r[0] != r'conv_seg\.bias'])
