"""MaskAttnUNetHead: the two heads, the coordinate input and parameter
counts."""
import pytest
import torch
from mmengine.registry import init_default_scope
from mmseg.registry import MODELS

import mmseg_maskattn  # noqa: F401
from mmseg_maskattn.models.decode_heads.maskattn_unet_head import \
    _coordinates

init_default_scope('mmseg')
C_IN, C, K, D = 6, 8, 3, 4


def _head(**kw):
    cfg = dict(
        type='MaskAttnUNetHead',
        in_channels=C_IN,
        in_index=0,
        channels=C,
        num_classes=K,
        embed_dims=D,
        norm_cfg=dict(type='BN', requires_grad=True),
        loss_instance=dict(
            type='InstanceContrastiveLoss', num_samples=16, temperature=0.1))
    cfg.update(kw)
    return MODELS.build(cfg).eval()


def _params(module):
    return sum(p.numel() for p in module.parameters())


def test_coordinates_span_minus_one_to_one():
    xy = _coordinates(torch.zeros(2, 5, 3, 4))
    assert xy.shape == (2, 2, 3, 4)
    torch.testing.assert_close(xy[0, 0, 0], torch.tensor([-1, -1 / 3, 1 / 3,
                                                          1.]))
    torch.testing.assert_close(xy[1, 1, :, 2], torch.tensor([-1., 0., 1.]))


@pytest.mark.parametrize('convs,coords', [(0, False), (0, True), (1, False),
                                          (2, True)])
def test_parameter_count(convs, coords):
    head = _head(embed_convs=convs, embed_coords=coords)
    conv3 = lambda cin: cin * C * 9 + 2 * C  # noqa: E731 conv + BN, no bias
    semantic = conv3(C_IN) + C * K + K
    first = C_IN + 2 * coords
    embed = (conv3(first) + conv3(C) * (convs - 1) + C * D + D if convs else
             (C + 2 * coords) * D + D)
    assert _params(head) == semantic + embed


@pytest.mark.parametrize('convs', [0, 1])
def test_embedding_depends_on_position_only_with_coords(convs):
    feat = torch.ones(1, C_IN, 8, 8)  # the same feature at every pixel
    with torch.no_grad():
        _, plain = _head(embed_convs=convs).forward_all([feat])
        _, coords = _head(embed_convs=convs, embed_coords=True).forward_all(
            [feat])
    # away from the zero-padded border a conv sees the same input everywhere
    inner = (slice(None), slice(None), slice(1, -1), slice(1, -1))
    assert torch.allclose(plain[inner], plain[0, :, 1:2, 1:2].expand_as(
        plain[inner]))
    assert not torch.allclose(coords[inner], coords[0, :, 1:2, 1:2].expand_as(
        coords[inner]))
    torch.testing.assert_close(coords.norm(dim=1), torch.ones(1, 8, 8))


def test_semantic_logits_do_not_depend_on_the_embedding_head():
    torch.manual_seed(0)
    head = _head(embed_convs=1)
    feat = torch.randn(2, C_IN, 8, 8)
    with torch.no_grad():
        logits, _ = head.forward_all([feat])
        for p in head.embed_convs.parameters():
            p.add_(1.0)
        logits2, _ = head.forward_all([feat])
    torch.testing.assert_close(logits, logits2)


def test_shared_head_has_no_embedding_convs():
    assert _head(embed_convs=0).embed_convs is None
    assert len(_head(embed_convs=2).embed_convs) == 2


@pytest.mark.parametrize('value', [-1, 1.5])
def test_bad_embed_convs(value):
    with pytest.raises(ValueError, match='embed_convs'):
        _head(embed_convs=value)


def test_class_prior_sets_the_initial_softmax():
    prior = (0.7, 0.2, 0.1)
    head = _head(class_prior=prior)
    head.init_weights()
    assert torch.allclose(head.conv_seg.bias,
                          torch.log(torch.tensor(prior)))
    # features that are all zero leave only the bias: softmax = the prior
    with torch.no_grad():
        head.conv_seg.weight.zero_()
        logits, _ = head.forward_all([torch.randn(2, C_IN, 5, 5)])
    probs = logits.softmax(dim=1)
    assert torch.allclose(probs, torch.tensor(prior)[None, :, None, None]
                          .expand_as(probs), atol=1e-6)


def test_no_class_prior_keeps_the_zero_bias():
    head = _head()
    head.init_weights()
    assert torch.equal(head.conv_seg.bias, torch.zeros(K))


@pytest.mark.parametrize('prior', [(0.5, 0.5), (0.5, 0.5, 0.0),
                                   (0.6, 0.6, -0.2), (0.5, 0.3, 0.1)])
def test_bad_class_prior(prior):
    with pytest.raises(ValueError, match='class_prior'):
        _head(class_prior=prior)


def test_class_prior_needs_a_softmax_classifier():
    with pytest.raises(ValueError, match='class_prior needs a softmax'):
        _head(num_classes=2, out_channels=1, class_prior=(0.9, 0.1),
              loss_decode=dict(type='CrossEntropyLoss', use_sigmoid=True))
