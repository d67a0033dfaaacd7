"""UMixFormerHead: analytic parameter counts, equivalence with the direct
formulation, and errors on mismatched inputs."""
import pytest
import torch
from mmengine.config import Config
from mmengine.model import revert_sync_batchnorm
from mmengine.registry import init_default_scope
from mmseg.registry import MODELS

import mmseg_maskattn  # noqa: F401
from mmseg_maskattn.analysis import reference_umixformer_forward

init_default_scope('mmseg')

MIT_WIDTHS = {
    'b0': [32, 64, 160, 256],
    'b1': [64, 128, 320, 512],
    'b2': [64, 128, 320, 512],
    'b3': [64, 128, 320, 512],
    'b4': [64, 128, 320, 512],
    'b5': [64, 128, 320, 512],
}
EMBED = {'b0': 128, 'b1': 128, 'b2': 768, 'b3': 768, 'b4': 768, 'b5': 768}


def analytic_head_params(widths, embed, num_classes, extras=(),
                         pool_ratios=(1, 2, 4, 8), extra_pool=2,
                         query_pool=1, kv_norm=False):
    """Parameters of the U-MixFormer head, from the paper's description."""
    slots = list(widths[::-1]) + list(extras)
    ratios = list(pool_ratios) + [extra_pool] * len(extras)
    s = sum(slots)
    total = 0
    for d in widths[::-1]:
        total += 2 * d + 2 * s + 2 * d  # LN1 (queries), LN2 (mix), LN3
        if kv_norm:
            total += 2 * s  # the attention's own LN on the mix (Cityscapes)
        total += d * d  # q, no bias
        total += s * 2 * d  # kv, no bias
        total += d * d + d  # proj
        total += d * 4 * d + 4 * d  # fc1
        total += 4 * d * 9 + 4 * d  # 3x3 depthwise conv
        total += 4 * d * d + d  # fc2
        if query_pool > 1:
            total += d * d + d + 2 * d  # 1x1 conv + LN of the query pooling
        # 1x1 convs of the pooled slots of this stage's mix
        total += sum(c * c + c for c, r in zip(slots, ratios) if r > 1)
    total += sum(widths) * embed + 2 * embed  # fuse: conv (no bias) + BN
    total += embed * num_classes + num_classes  # classifier
    return total


def _count(module):
    return sum(p.numel() for p in module.parameters())


def _config_model(repo_root, name):
    cfg = Config.fromfile(str(repo_root / 'configs' / 'umixformer' / name))
    return revert_sync_batchnorm(MODELS.build(cfg.model))


@pytest.mark.parametrize('variant', sorted(MIT_WIDTHS))
def test_ade20k_head_params_match_analytic(repo_root, variant):
    model = _config_model(
        repo_root, f'umixformer_mit-{variant}_8xb2-160k_ade20k-512x512.py')
    expected = analytic_head_params(MIT_WIDTHS[variant], EMBED[variant], 150)
    assert _count(model.decode_head) == expected


@pytest.mark.parametrize('variant', ['b0', 'b2'])
def test_cityscapes_head_params_match_analytic(repo_root, variant):
    model = _config_model(
        repo_root,
        f'umixformer_mit-{variant}_8xb1-160k_cityscapes-1024x1024.py')
    expected = analytic_head_params(
        MIT_WIDTHS[variant],
        EMBED[variant],
        19,
        pool_ratios=(2, 4, 8, 16),
        query_pool=2,
        kv_norm=True)
    assert _count(model.decode_head) == expected


@pytest.mark.parametrize('variant,n_extra', [('b4', 4), ('b5', 6)])
def test_plus_head_params_match_analytic(repo_root, variant, n_extra):
    model = _config_model(
        repo_root, f'umixformer-plus_mit-{variant}_8xb2-160k_ade20k-512x512.py')
    expected = analytic_head_params(
        MIT_WIDTHS[variant], 768, 150, extras=[320] * n_extra)
    assert model.backbone.num_extra_outs == n_extra
    assert _count(model.decode_head) == expected


def test_b0_total_params_without_dead_layers(repo_root):
    """The paper reports 6.1M for U-MixFormer-B0, of which about 1.09M are
    layers the official code creates but never uses (per block a 1x1 conv
    over the mix and a LayerNorm, and mmseg's default classifier on the
    256 channels of the inherited SegFormer config)."""
    model = _config_model(repo_root, 'b0_ade20k.py')
    mix = sum(MIT_WIDTHS['b0'])
    dead = 4 * (mix * mix + mix + 2 * mix) + (256 * 150 + 150)
    assert abs(dead - 1.09e6) < 0.01e6
    total = _count(model)
    assert abs(total + dead - 6.1e6) < 0.05e6
    assert abs(total - 5.04e6) < 0.02e6


def _tiny_head(**kw):
    cfg = dict(
        type='UMixFormerHead',
        in_channels=[8, 16, 24, 32],
        channels=16,
        num_classes=3,
        num_heads=(4, 3, 2, 1),
        norm_cfg=dict(type='BN'))
    cfg.update(kw)
    return MODELS.build(cfg)


def _feats(size=64, channels=(8, 16, 24, 32), extra=()):
    torch.manual_seed(1)
    out = [
        torch.randn(2, c, -(-size // s), -(-size // s))
        for c, s in zip(channels, (4, 8, 16, 32))
    ]
    return out + [torch.randn(2, c, -(-size // 16), -(-size // 16))
                  for c in extra]


@pytest.mark.parametrize('kw,size,extra', [
    (dict(), 64, ()),
    (dict(), 100, ()),
    (dict(pool_ratios=(2, 4, 8, 16), query_pool_ratio=2), 128, ()),
    (dict(pool_ratios=(2, 4, 8, 16), query_pool_ratio=2, kv_norm=True), 128,
     ()),
    (dict(in_channels=[8, 16, 24, 32, 24]), 64, (24, )),
])
def test_matches_direct_formulation(kw, size, extra):
    """SDPA + fusion before upsampling == explicit softmax(QK^T)V + fusion
    of the concatenated upsampled maps, with the same weights."""
    head = _tiny_head(**kw).eval()
    # non-trivial norm statistics so that the fusion path is really tested
    head.fuse.bn.running_mean.uniform_(-1, 1)
    head.fuse.bn.running_var.uniform_(0.5, 2)
    feats = _feats(size, extra=extra)
    with torch.no_grad():
        ours = head(feats)
        ref = reference_umixformer_forward(head, feats)
    torch.testing.assert_close(ours, ref, rtol=1e-4, atol=1e-5)


def test_channel_mismatch_names_in_channels():
    head = _tiny_head()
    feats = _feats()
    feats[2] = torch.randn(2, 25, 4, 4)
    with pytest.raises(ValueError, match=r'in_channels\[2\]=24.*25'):
        head(feats)


def test_loss_runs_with_mmseg_data_samples():
    from mmengine.structures import PixelData
    from mmseg.structures import SegDataSample
    head = _tiny_head()
    samples = []
    for _ in range(2):
        s = SegDataSample()
        s.gt_sem_seg = PixelData(data=torch.randint(0, 3, (1, 64, 64)))
        s.set_metainfo(dict(img_shape=(64, 64), pad_shape=(64, 64)))
        samples.append(s)
    losses = head.loss(_feats(), samples, train_cfg=dict())
    assert set(losses) == {'loss_ce', 'acc_seg'}
    assert torch.isfinite(losses['loss_ce'])


@pytest.mark.parametrize('in_channels,text', [
    ([8, 16, 25, 32], r'in_channels\[2\]=25 is not divisible by '
     r'num_heads\[1\]=3'),
    ([8, 16, 24, 30], r'in_channels\[3\]=30 is not divisible by '
     r'num_heads\[0\]=4'),
    ([8, 16, '24', 32], r"in_channels\[2\]='24'"),
])
def test_in_channels_that_heads_cannot_split_name_in_channels(
        in_channels, text):
    # e.g. in_channels=[32, 64, 128, 256] on MiT-B0 with num_heads
    # (8, 5, 2, 1): the error names the key the user changed
    with pytest.raises(ValueError, match=text):
        _tiny_head(in_channels=in_channels)
    with pytest.raises(ValueError, match=r'num_heads\[3\]=0'):
        _tiny_head(num_heads=(4, 3, 2, 0))


def test_kv_grid_scale_keeps_parameters_and_refines_the_key_grid():
    """kv_grid_scale=2 (a study option, not the release's): same parameters,
    keys on the 1/16 grid: E4 upsampled, E3 as it is, E2 and E1 pooled by 2
    and 4, each pooled slot through its own 1x1 conv."""
    torch.manual_seed(0)
    base, fine = _tiny_head(), _tiny_head(kv_grid_scale=2)
    assert [(n, p.shape) for n, p in base.named_parameters()] == \
        [(n, p.shape) for n, p in fine.named_parameters()]
    e1, e2, e3, e4 = _feats(64)  # 16x16, 8x8, 4x4, 2x2
    mixer = fine.kv_mixers[0]
    with torch.no_grad():
        kv = mixer([e4, e3, e2, e1])
        expected = torch.cat([
            torch.nn.functional.interpolate(
                e4, size=(4, 4), mode='bilinear', align_corners=False),
            mixer.convs[0](e3),
            mixer.convs[1](torch.nn.functional.avg_pool2d(e2, 2)),
            mixer.convs[2](torch.nn.functional.avg_pool2d(e1, 4)),
        ], dim=1).flatten(2).transpose(1, 2)
        assert kv.shape == (2, 16, 8 + 16 + 24 + 32)
        torch.testing.assert_close(kv, expected)
        assert base.kv_mixers[0]([e4, e3, e2, e1]).shape == (2, 4, 80)
        assert fine(_feats(64)).shape == (2, 3, 16, 16)


@pytest.mark.parametrize('kw,text', [
    (dict(kv_grid_scale=0), r'kv_grid_scale must be an int >= 1, got 0'),
    (dict(kv_grid_scale=2.0), r'kv_grid_scale must be an int >= 1'),
    (dict(kv_grid_scale=3), r'kv_grid_scale=3 must divide'),
    (dict(kv_grid_scale=16), r'kv_grid_scale=16 must divide'),
])
def test_bad_kv_grid_scale_is_refused(kw, text):
    with pytest.raises(ValueError, match=text):
        _tiny_head(**kw)
