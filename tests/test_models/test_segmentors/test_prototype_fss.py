"""Prototype few-shot baseline (PANet-style cosine to prototypes, Wang et
al., ICCV 2019) with a tiny frozen ResNetV1c-18 on 64x64 episodes."""
import pytest
import torch
import torch.nn.functional as F
from mmengine.registry import init_default_scope
from mmengine.structures import PixelData
from mmseg.registry import MODELS
from mmseg.structures import SegDataSample

from mmseg_maskattn.models.segmentors import PrototypeFSS

init_default_scope('mmseg')

BACKBONE = dict(
    type='ResNetV1c',
    depth=18,
    base_channels=8,
    stem_channels=8,
    num_stages=3,
    out_indices=(1, 2),
    dilations=(1, 1, 2),
    strides=(1, 2, 1))
# layer2 + layer3 of the tiny backbone: 16 + 32 channels
HEAD = dict(type='PrototypeHead', in_channels=48, channels=16)
CFG = dict(type='PrototypeFSS', backbone=BACKBONE, decode_head=HEAD)


def _samples(batch, shot, size=64, ori_shape=None, padding=(0, 0, 0, 0)):
    g = torch.Generator().manual_seed(0)
    samples = []
    for _ in range(batch):
        query = torch.randint(0, 2, (1, size, size), generator=g)
        support = torch.randint(0, 2, (shot, size, size), generator=g)
        support[:, :4] = 255
        s = SegDataSample(
            gt_sem_seg=PixelData(data=query),
            gt_support_seg=PixelData(data=support))
        s.set_metainfo(
            dict(
                ori_shape=ori_shape or (size, size),
                img_shape=(size, size),
                pad_shape=(size, size),
                padding_size=list(padding),
                class_id=1,
                shot=shot))
        samples.append(s)
    return samples


def _inputs(batch, shot, size=64):
    g = torch.Generator().manual_seed(1)
    return torch.randn(batch, 1 + shot, 3, size, size, generator=g)


def _build(**kw):
    torch.manual_seed(0)
    return MODELS.build(dict(CFG, **kw))


@pytest.mark.parametrize('shot', [1, 2])
def test_loss_and_gradients(shot):
    model = _build().train()
    assert isinstance(model, PrototypeFSS)
    assert not model.backbone.training
    losses = model.loss(_inputs(2, shot), _samples(2, shot))
    assert set(losses) == {'loss_ce', 'acc_seg'}
    assert torch.isfinite(losses['loss_ce'])
    assert not hasattr(model.decode_head, 'conv_seg')  # no dead classifier
    losses['loss_ce'].backward()
    for name, p in model.named_parameters():
        if name.startswith('backbone.'):
            assert p.grad is None, name
        else:
            assert p.grad is not None and p.grad.abs().sum() > 0, name


@pytest.mark.parametrize('shot', [1, 5])
def test_shapes_and_padding(shot):
    model = _build().eval()
    samples = _samples(2, shot, ori_shape=(30, 40), padding=(0, 4, 0, 4))
    with torch.no_grad():
        logits = model(_inputs(2, shot), _samples(2, shot), mode='tensor')
        results = model(_inputs(2, shot), samples, mode='predict')
    assert logits.shape == (2, 2, 8, 8)
    # |logit| <= scale: they are scaled cosines
    assert logits.abs().max() <= model.decode_head.scale.item() + 1e-4
    for r in results:
        assert r.pred_sem_seg.data.shape == (1, 30, 40)
        assert r.seg_logits.data.shape == (2, 30, 40)


def test_logits_are_scaled_cosines_to_the_prototypes():
    model = _build().eval()
    inputs, samples = _inputs(1, 2), _samples(1, 2)
    with torch.no_grad():
        logits = model(inputs, samples, mode='tensor')
        feats = model.decode_head.proj(
            torch.cat(model.backbone(inputs[0]), dim=1))  # (3, C, 8, 8)
    masks = samples[0].gt_support_seg.data[:, None].float()
    fg = F.adaptive_avg_pool2d((masks == 1).float(), (8, 8))
    bg = F.adaptive_avg_pool2d((masks == 0).float(), (8, 8))
    protos = []
    for m in (bg, fg):
        per_shot = (feats[1:] * m).sum((2, 3)) / m.sum((2, 3))
        protos.append(per_shot.mean(0))
    expected = torch.stack([
        F.cosine_similarity(feats[0], p[:, None, None], dim=0)
        for p in protos
    ]) * 20.0
    torch.testing.assert_close(logits[0], expected, atol=1e-5, rtol=1e-4)


def test_fixed_scale():
    model = _build(decode_head=dict(HEAD, scale=5.0, learn_scale=False))
    assert not model.decode_head.scale.requires_grad
    assert model.decode_head.scale.item() == 5.0


@pytest.mark.parametrize('update,text', [
    (dict(decode_head=dict(HEAD, channels=0)), 'channels'),
    (dict(decode_head=dict(HEAD, scale=0.0)), 'scale'),
    (dict(decode_head=dict(HEAD, num_classes=3)), 'num_classes must be 2'),
    (dict(decode_head=dict(HEAD, in_channels=32)),
     'decode_head.in_channels=32 but layer2 + layer3'),
    (dict(backbone=dict(BACKBONE, num_stages=4, out_indices=(1, 2, 3),
                        dilations=(1, 1, 2, 4), strides=(1, 2, 1, 1))),
     'backbone'),
    (dict(bogus=1), 'bogus'),
])
def test_bad_configs(update, text):
    with pytest.raises((ValueError, TypeError)) as err:
        _build(**update)
    assert text in str(err.value)


def test_bad_inputs():
    model = _build().eval()
    with pytest.raises(ValueError, match='inputs'):
        model(torch.randn(2, 3, 64, 64), _samples(2, 1), mode='tensor')
    with pytest.raises(ValueError, match='gt_support_seg'):
        model(_inputs(2, 3), _samples(2, 2), mode='tensor')
