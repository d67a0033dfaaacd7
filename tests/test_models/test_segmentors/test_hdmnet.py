"""HDMNet (Peng et al., CVPR 2023, arXiv 2303.14652) with a tiny frozen
ResNetV1c-18 on 64x64 episodes."""
import pytest
import torch
from mmengine.registry import init_default_scope
from mmengine.structures import PixelData
from mmseg.registry import MODELS
from mmseg.structures import SegDataSample

from mmseg_maskattn.models.segmentors import HDMNet

init_default_scope('mmseg')

BACKBONE = dict(
    type='ResNetV1c',
    depth=18,
    base_channels=8,
    stem_channels=8,
    num_stages=4,
    out_indices=(1, 2, 3),
    dilations=(1, 1, 2, 4),
    strides=(1, 2, 1, 1))
HEAD = dict(type='HDMNetHead', in_channels=16, channels=32, num_priors=1)
CFG = dict(type='HDMNet', backbone=BACKBONE, reduce_dim=16, decode_head=HEAD)
# with a base learner: two priors (its PSP features and layer4)
ENS = dict(
    decode_head=dict(HEAD, num_priors=2),
    base_learner=None,
    base_learner_classes=None)
# layer4 of the tiny backbone has 8 * 8 = 64 channels
BASE_LEARNER = dict(
    type='PSPHead',
    in_channels=64,
    in_index=2,
    channels=8,
    pool_scales=(1, 2),
    norm_cfg=dict(type='BN'),
    num_classes=4)
# dataset class ids of its channels 1, 2, 3
BASE_CLASSES = [1, 3, 5]
ENS.update(base_learner=BASE_LEARNER, base_learner_classes=BASE_CLASSES)


def _samples(batch, shot, size=64, ori_shape=None, padding=(0, 0, 0, 0),
             seed=0):
    g = torch.Generator().manual_seed(seed)
    samples = []
    for _ in range(batch):
        query = torch.randint(0, 2, (1, size, size), generator=g)
        query[0, :2] = 255
        support = torch.randint(0, 2, (shot, size, size), generator=g)
        support[:, -3:] = 255
        s = SegDataSample(
            gt_sem_seg=PixelData(data=query),
            gt_support_seg=PixelData(data=support))
        left, right, top, bottom = padding
        s.set_metainfo(
            dict(
                ori_shape=ori_shape or (size, size),
                img_shape=(size - top - bottom, size - left - right),
                pad_shape=(size, size),
                padding_size=list(padding),
                class_id=3,
                shot=shot))
        samples.append(s)
    return samples


def _inputs(batch, shot, size=64, seed=0):
    g = torch.Generator().manual_seed(seed)
    return torch.randn(batch, 1 + shot, 3, size, size, generator=g)


def _build(**kw):
    torch.manual_seed(0)
    return MODELS.build(dict(CFG, **kw))


@pytest.mark.parametrize('shot', [1, 2])
def test_loss_is_finite_and_trains_only_the_head(shot):
    model = _build().train()
    assert isinstance(model, HDMNet)
    assert not model.backbone.training  # frozen: stays in eval mode
    losses = model.loss(_inputs(2, shot), _samples(2, shot))
    # no base learner: the meta prediction is the output, one CE
    assert set(losses) == {'loss_meta', 'acc_seg', 'loss_distill'}
    assert all(torch.isfinite(v).all() for v in losses.values())
    assert losses['loss_meta'].dim() == losses['loss_distill'].dim() == 0
    sum(v for k, v in losses.items() if k.startswith('loss')).backward()
    for name, p in model.named_parameters():
        if name.startswith('backbone.'):
            assert not p.requires_grad and p.grad is None, name
        else:
            assert p.grad is not None, f'no gradient for {name}'
            assert torch.isfinite(p.grad).all(), name
            assert p.grad.abs().sum() > 0, f'zero gradient for {name}'


@pytest.mark.parametrize('shot', [1, 5])
def test_forward_and_predict_shapes(shot):
    model = _build().eval()
    inputs = _inputs(2, shot)
    with torch.no_grad():
        logits = model(inputs, _samples(2, shot), mode='tensor')
        assert logits.shape == (2, 2, 8, 8)
        results = model(inputs, _samples(2, shot), mode='predict')
    for r in results:
        assert r.pred_sem_seg.data.shape == (1, 64, 64)
        assert r.seg_logits.data.shape == (2, 64, 64)


def test_predict_removes_padding_and_resizes_to_ori_shape():
    model = _build().eval()
    # 50x60 image (ori 100x120 resized by 0.5) padded to 64x64
    padding = (0, 4, 0, 14)  # left, right, top, bottom
    samples = _samples(2, 1, ori_shape=(100, 120), padding=padding)
    with torch.no_grad():
        logits = model(_inputs(2, 1), _samples(2, 1), mode='tensor')
        results = model.predict(_inputs(2, 1), samples)
    for i, r in enumerate(results):
        pred = r.pred_sem_seg.data
        assert pred.shape == (1, 100, 120)
        assert pred.dtype == torch.long
        assert set(pred.unique().tolist()) <= {0, 1}
        assert r.seg_logits.data.shape == (2, 100, 120)
        # the prediction is the argmax of the unpadded, resized logits
        up = torch.nn.functional.interpolate(
            logits[i:i + 1], size=(64, 64), mode='bilinear')
        up = torch.nn.functional.interpolate(
            up[:, :, :50, :60], size=(100, 120), mode='bilinear')
        torch.testing.assert_close(r.seg_logits.data, up[0])


def test_episodes_are_independent_and_shots_unordered():
    model = _build().eval()
    inputs = _inputs(2, 3)
    samples = _samples(2, 3)
    with torch.no_grad():
        both = model(inputs, samples, mode='tensor')
        first = model(inputs[:1], samples[:1], mode='tensor')
        # permute the shots of every episode (images and masks together)
        perm = torch.tensor([2, 0, 1])
        permuted = inputs.clone()
        permuted[:, 1:] = inputs[:, 1:][:, perm]
        perm_samples = _samples(2, 3)
        for s, orig in zip(perm_samples, samples):
            s.gt_support_seg = PixelData(
                data=orig.gt_support_seg.data[perm])
        shuffled = model(permuted, perm_samples, mode='tensor')
    torch.testing.assert_close(both[:1], first, atol=1e-5, rtol=1e-4)
    torch.testing.assert_close(both, shuffled, atol=1e-5, rtol=1e-4)


def test_support_background_does_not_matter():
    """The support is masked before the backbone: changing its background
    pixels changes nothing."""
    model = _build().eval()
    inputs = _inputs(1, 1)
    samples = _samples(1, 1)
    fg = samples[0].gt_support_seg.data == 1
    changed = inputs.clone()
    changed[0, 1] = torch.where(fg, inputs[0, 1], torch.randn_like(
        inputs[0, 1]))
    with torch.no_grad():
        a = model(inputs, samples, mode='tensor')
        b = model(changed, samples, mode='tensor')
    torch.testing.assert_close(a, b)


def test_base_learner_ensemble_is_frozen_and_trains_the_gate():
    model = _build(**ENS).train()
    assert not model.base_learner.training
    # the release fixes the BatchNorms only: the base learner's dropout
    # follows the train mode
    assert model.base_learner.dropout.training
    assert not model.base_learner.bottleneck.norm.training
    losses = model.loss(_inputs(2, 1), _samples(2, 1))
    assert set(losses) == {'loss_ce', 'loss_meta', 'acc_seg', 'loss_distill'}
    assert all(torch.isfinite(v) for v in losses.values())
    sum(v for k, v in losses.items() if k.startswith('loss')).backward()
    for name, p in model.named_parameters():
        if name.startswith(('backbone.', 'base_learner.')):
            assert p.grad is None, name
        else:
            assert p.grad is not None, f'no gradient for {name}'
    assert model.ensemble.gate.weight.grad.abs().sum() > 0
    assert model.ensemble.merge.weight.grad.abs().sum() > 0
    assert model.ensemble.gate.bias is None  # bias-free, as the release
    model.eval()
    samples = _samples(2, 1)
    for sample in samples:
        sample.set_metainfo(dict(class_id=2))  # a novel class
    with torch.no_grad():
        results = model.predict(_inputs(2, 1), samples)
    assert results[0].pred_sem_seg.data.shape == (1, 64, 64)


def _ensemble_case():
    """A model whose merge passes p_base through as the background
    channel, and base logits with softmax (0.1, 0.2, 0.3, 0.4) at every
    position."""
    model = _build(**ENS)
    with torch.no_grad():
        model.ensemble.merge.weight.copy_(
            torch.tensor([0., 1.]).view(1, 2, 1, 1))
    base = torch.tensor([0.1, 0.2, 0.3, 0.4]).log().view(1, 4, 1, 1)
    model.base_learner.cls_seg = lambda x: base.expand(x.shape[0], 4, 3, 3)
    feats = [torch.rand(4, 2, 3, 3) for _ in range(3)]  # B = 2, K = 1
    psp = torch.rand(2, 8, 3, 3)
    return model, torch.zeros(2, 2, 3, 3), psp, feats


def test_ensemble_leaves_the_training_class_out_of_p_base():
    model, meta, psp, feats = _ensemble_case()
    samples = _samples(2, 1)  # class 3: channel 2 of BASE_CLASSES
    model.train()
    out = model._ensemble(meta, psp, feats, 2, samples)
    # base channels 1-3 minus the episode's own channel 2: 0.2 + 0.4
    torch.testing.assert_close(out[:, 0], torch.full((2, 3, 3), 0.6))
    model.eval()
    for sample in samples:
        sample.set_metainfo(dict(class_id=2))
    out = model._ensemble(meta, psp, feats, 2, samples)
    # test episode: all base channels, 1 - p(background)
    torch.testing.assert_close(out[:, 0], torch.full((2, 3, 3), 0.9))


def test_ensemble_needs_a_base_channel_for_a_training_class():
    model, meta, psp, feats = _ensemble_case()
    samples = _samples(2, 1)
    model.eval()  # at test every base channel counts: no class needed
    model._ensemble(meta, psp, feats, 2, samples)
    model.train()
    for sample in samples:
        sample.set_metainfo(dict(class_id=2))  # not a base class
    with pytest.raises(ValueError, match=r'\[2\] have no base learner'):
        model._ensemble(meta, psp, feats, 2, samples)


def _runner(model, train_classes, test_classes):
    from types import SimpleNamespace

    def loader(classes):
        return SimpleNamespace(
            dataset=SimpleNamespace(episode_classes=classes, fold=1))

    return SimpleNamespace(
        model=model,
        train_dataloader=loader(train_classes),
        val_dataloader=loader(test_classes),
        test_dataloader=loader(test_classes))


def test_fold_check_hook_refuses_folds_against_the_base_learner():
    from mmseg_maskattn.engine.hooks import FewShotFoldCheckHook
    hook = FewShotFoldCheckHook()
    model = _build(**ENS)  # base classes 1, 3, 5
    good = _runner(model, (1, 3, 5), (0, 2))
    hook.before_train(good)
    hook.before_val(good)
    hook.before_test(good)
    bad = _runner(model, (1, 2), (3, 4))
    with pytest.raises(ValueError, match=r'train_dataloader: training '
                       r'episode classes \[2\] \(fold 1\)'):
        hook.before_train(bad)
    with pytest.raises(ValueError, match=r'val_dataloader: test episode '
                       r'classes \[3\] \(fold 1\) are base learner'):
        hook.before_val(bad)
    with pytest.raises(ValueError, match='test_dataloader'):
        hook.before_test(bad)
    # without a base learner there is nothing to check
    hook.before_test(_runner(_build(), (1, 2), (3, 4)))


@pytest.mark.parametrize('kw, match', [
    (dict(base_learner=BASE_LEARNER), 'go together'),
    (dict(base_learner_classes=[1, 3, 5]), 'go together'),
    (dict(ENS, base_learner_classes=[1, 3]), 'must be 3 distinct'),
    (dict(ENS, base_learner_classes=[1, 3, 3]), 'must be 3 distinct'),
    (dict(ENS, base_learner_classes=[1, -3, 5]), 'must be 3 distinct'),
    (dict(ENS, decode_head=HEAD), r'decode_head.num_priors=1 .* 2 prior'),
    (dict(ENS, loss_decode=dict(type='CrossEntropyLoss',
                                loss_name='loss_meta')), 'distinct loss_name'),
])
def test_bad_base_learner_classes(kw, match):
    with pytest.raises(ValueError, match=match):
        _build(**kw)


def test_base_learner_must_be_a_psp_head():
    fcn = dict(type='FCNHead', in_channels=64, in_index=2, channels=8,
               num_classes=4)
    with pytest.raises(TypeError, match='PSPHead.*FCNHead'):
        _build(**dict(ENS, base_learner=fcn))


def test_unfrozen_backbone_gets_gradients():
    model = _build(freeze_backbone=False).train()
    assert model.backbone.training
    losses = model.loss(_inputs(2, 1), _samples(2, 1))
    sum(v for k, v in losses.items() if k.startswith('loss')).backward()
    assert all(p.grad is not None for p in model.backbone.parameters())


@pytest.mark.parametrize('update,text', [
    (dict(decode_head=dict(HEAD, num_heads=(2, 4))), 'num_heads'),
    (dict(decode_head=dict(HEAD, sr_ratios=(4, 2))), 'sr_ratios'),
    (dict(decode_head=dict(HEAD, depths=(2, 2))), 'depths'),
    (dict(decode_head=dict(HEAD, num_heads=(2, 3, 8))), 'embed_dims'),
    (dict(decode_head=dict(HEAD, temperature=0.0)), 'temperature'),
    (dict(decode_head=dict(HEAD, num_priors=2)), 'decode_head.num_priors'),
    (dict(decode_head=dict(HEAD, loss_distill=dict(
        type='CorrelationDistillationLoss', loss_name='loss_meta'))),
     'loss_distill'),
    (dict(support_mask_mode='area'), 'support_mask_mode'),
    (dict(proj_dropout=1.0), 'proj_dropout'),
    (dict(reduce_dim=0), 'reduce_dim'),
    (dict(backbone=dict(BACKBONE, out_indices=(1, 2))), 'backbone'),
    (dict(test_cfg=dict(mode='slide')), 'whole'),
    (dict(bogus=1), 'bogus'),
])
def test_bad_configs_name_the_key(update, text):
    with pytest.raises((ValueError, TypeError)) as err:
        _build(**update)
    assert text in str(err.value)


def test_bad_inputs_name_both_shapes():
    model = _build().eval()
    with pytest.raises(ValueError, match='inputs'):
        model(torch.randn(2, 3, 64, 64), _samples(2, 1), mode='tensor')
    with pytest.raises(ValueError) as err:
        model(_inputs(2, 2), _samples(2, 1), mode='tensor')
    assert 'gt_support_seg' in str(err.value) and 'inputs' in str(err.value)
    with pytest.raises(ValueError, match='gt_support_seg'):
        model(_inputs(2, 1), None, mode='tensor')


def test_distillation_direction():
    """Each level is taught by the next coarser one, the coarsest by the
    ground truth; teachers carry no gradient."""
    model = _build().train()
    inputs, samples = _inputs(1, 1), _samples(1, 1)
    seen = []
    original = model.decode_head.loss_distill.forward

    def record(student, teacher, **kw):
        seen.append((tuple(student.shape), tuple(teacher.shape),
                     teacher.is_floating_point()))
        return original(student, teacher, **kw)

    model.decode_head.loss_distill.forward = record
    model.loss(inputs, samples)
    assert seen == [((1, 1, 8, 8), (1, 1, 4, 4), True),
                    ((1, 1, 4, 4), (1, 1, 2, 2), True),
                    ((1, 1, 2, 2), (1, 64, 64), False)]


def test_episode_priors_are_the_unnormalised_best_cosines():
    """The priors alone: layer4 without a base learner; PSP features and
    layer4 with one, as fed to the query merge."""
    from mmseg_maskattn.models.utils import prior_map
    model = _build().eval()
    inputs, samples = _inputs(2, 1), _samples(2, 1)
    with torch.no_grad():
        priors = model.episode_priors(inputs, samples)
        query, supports, fg, _ = model._episode(inputs, samples)
        feats = model.extract_feat(torch.cat([query, supports * fg]))
        mask = torch.nn.functional.interpolate(fg, size=(8, 8),
                                               mode='nearest')
        expected = prior_map(feats[2][:2], feats[2][2:], mask,
                             normalize=False)
    torch.testing.assert_close(priors, expected)
    ens = _build(**ENS).eval()
    s = _samples(2, 1)
    for sample in s:
        sample.set_metainfo(dict(class_id=2))
    with torch.no_grad():
        assert ens.episode_priors(inputs, s).shape == (2, 2, 8, 8)


def test_episode_meta_logits_are_the_prediction_before_the_ensemble():
    """Without a base learner the meta logits are the prediction's; with
    one the ensemble changes them, and the meta logits stay the meta
    learner's."""
    model = _build().eval()
    inputs, samples = _inputs(2, 1), _samples(2, 1)
    with torch.no_grad():
        meta = model.episode_meta_logits(inputs, samples)
        final = model.encode_decode(inputs, samples)
    assert meta.shape == (2, 2, 8, 8)
    torch.testing.assert_close(meta, final)
    ens = _build(**ENS).eval()
    s = _samples(2, 1)
    for sample in s:
        sample.set_metainfo(dict(class_id=2))
    with torch.no_grad():
        out = ens._forward_episode(inputs, s)
        meta = ens.episode_meta_logits(inputs, s)
        final = ens.encode_decode(inputs, s)
    torch.testing.assert_close(meta, out['meta_logits'])
    assert not torch.allclose(meta, final)
