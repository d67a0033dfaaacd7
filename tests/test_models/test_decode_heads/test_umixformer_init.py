"""UMixFormerHead trains like the official release: the same initial
weights, layer by layer, and the same optimizer parameter groups.

The release's rule is kept here as data (parameter, distribution, std); a
fresh head must follow it, and so must the reference head with the
release's own names (tests/test_models/_umixformer_release.py) once its
weights are converted. Then both models, starting from the same weights,
must give the same losses for a few optimizer steps with the CamVid
config's optimizer and parameter groups.
"""
import math
import re
import sys

import pytest
import torch
from mmengine.config import Config
from mmengine.model import revert_sync_batchnorm
from mmengine.optim import build_optim_wrapper
from mmengine.registry import init_default_scope
from mmengine.structures import PixelData
from mmseg.registry import MODELS
from mmseg.structures import SegDataSample

import mmseg_maskattn  # noqa: F401
from tests.test_models._umixformer_release import release_head_cfg

init_default_scope('mmseg')

CAMVID = 'configs/umixformer/umixformer_mit-b0_1xb8-1k_camvid-180x240.py'
CITY = 'configs/umixformer/umixformer_mit-b0_8xb1-160k_cityscapes-1024x1024.py'

# The release's initialisation of the U-MixFormer head, in our names:
# (parameter regex, distribution, std). 'he' is N(0, sqrt(2 / fan_out)) with
# fan_out = k * k * out_channels / groups; 'torch' is PyTorch's default for a
# conv, U(-1/sqrt(fan_in), 1/sqrt(fan_in)) for weight and bias.
RELEASE_RULE = [
    (r'blocks\.\d\.(norm[123]|q_norm|attn\.kv_norm)\.weight', 'const', 1.0),
    (r'blocks\.\d\.(norm[123]|q_norm|attn\.kv_norm)\.bias', 'const', 0.0),
    (r'blocks\.\d\.attn\.(q|kv|proj)\.weight', 'trunc_normal', 0.02),
    (r'blocks\.\d\.attn\.proj\.bias', 'const', 0.0),
    # the Mix-FFN's fc1 / fc2 are Linear layers in the release
    (r'blocks\.\d\.ffn\.layers\.[04]\.weight', 'trunc_normal', 0.02),
    (r'blocks\.\d\.ffn\.layers\.[04]\.bias', 'const', 0.0),
    (r'blocks\.\d\.ffn\.layers\.1\.weight', 'he', None),
    (r'blocks\.\d\.ffn\.layers\.1\.bias', 'const', 0.0),
    (r'blocks\.\d\.q_proj\.weight', 'he', None),
    (r'blocks\.\d\.q_proj\.bias', 'const', 0.0),
    # the key/value mixers' 1x1 convs and the classifier keep the default
    (r'kv_mixers\.\d\.convs\.\d\.(weight|bias)', 'torch', None),
    (r'conv_seg\.(weight|bias)', 'torch', None),
    # linear_fuse is a ConvModule: Kaiming normal by fan-out, BN 1 / 0
    (r'fuse\.conv\.weight', 'he', None),
    (r'fuse\.bn\.weight', 'const', 1.0),
    (r'fuse\.bn\.bias', 'const', 0.0),
]


def _rule(name):
    hits = [r for r in RELEASE_RULE if re.fullmatch(r[0], name)]
    assert len(hits) == 1, f'{name}: {len(hits)} rules match'
    return hits[0]


def release_init_failures(params, weights_of):
    """Names of the head parameters that do not follow RELEASE_RULE.

    Args:
        params (dict): name -> tensor, in our names.
        weights_of (dict): bias name -> its weight tensor (for fan-in).
    """
    failures = []
    for name, p in params.items():
        try:
            _check_one(name, p, weights_of)
        except AssertionError as e:
            failures.append(f'{name}: {e}')
    return failures


def _check_one(name, p, weights_of):
    _, dist, std = _rule(name)
    p = p.detach().double()
    n = p.numel()
    if dist == 'const':
        assert torch.all(p == std), name
        return
    if dist == 'torch':
        w = weights_of[name] if name.endswith('bias') else p
        bound = 1 / math.sqrt(w[0].numel())
        assert p.abs().max() <= bound + 1e-12, name
        std = bound / math.sqrt(3)
    elif dist == 'he':
        groups = p.shape[0] if name.endswith('ffn.layers.1.weight') else 1
        std = math.sqrt(2.0 / (p.shape[0] * p.shape[2] * p.shape[3] //
                               groups))
    # sample std within 6 standard errors (std / sqrt(2n))
    tol = 6 * std / math.sqrt(2 * n)
    assert abs(p.std().item() - std) < tol, (name, p.std().item(), std)
    assert abs(p.mean().item()) < 6 * std / math.sqrt(n), name
    if dist == 'trunc_normal':
        assert p.abs().max() <= 2.0, name


def _model(repo_root, config, **head):
    cfg = Config.fromfile(str(repo_root / config))
    cfg.model.backbone.init_cfg = None  # no ImageNet weights offline
    cfg.model.decode_head.update(head)
    return revert_sync_batchnorm(MODELS.build(cfg.model)), cfg


def _release_model(repo_root, config, **head):
    cfg = Config.fromfile(str(repo_root / config))
    cfg.model.backbone.init_cfg = None
    cfg.model.decode_head.update(head)
    cfg.model.decode_head = release_head_cfg(cfg.model.decode_head)
    return revert_sync_batchnorm(MODELS.build(cfg.model))


@pytest.fixture(scope='module')
def converter(repo_root):
    sys.path.insert(0, str(repo_root / 'tools' / 'model_converters'))
    try:
        import umixformer2mmseg
    finally:
        sys.path.pop(0)
    return umixformer2mmseg


def _head_params(model, prefix='decode_head.'):
    return {
        k[len(prefix):]: v
        for k, v in model.state_dict().items()
        if k.startswith(prefix) and 'running_' not in k
        and 'num_batches' not in k
    }


def _weights_of(params):
    return {
        k: params[k[:-len('bias')] + 'weight']
        for k in params if k.endswith('bias')
    }


@pytest.mark.parametrize('config', [CAMVID, CITY])
def test_fresh_head_follows_release_rule(repo_root, config):
    torch.manual_seed(0)
    model, _ = _model(repo_root, config)
    model.init_weights()
    params = _head_params(model)
    assert release_init_failures(params, _weights_of(params)) == []


@pytest.mark.parametrize('config', [CAMVID, CITY])
def test_rule_is_the_release_rule(repo_root, config, converter):
    """The reference head, initialised the release's way and converted to
    our names, satisfies the same table (so the table is the release's
    rule, not a description of our code)."""
    torch.manual_seed(0)
    release = _release_model(repo_root, config)
    release.init_weights()
    converted = converter.convert_umixformer(release.state_dict())
    params = {
        k[len('decode_head.'):]: v
        for k, v in converted.items()
        if k.startswith('decode_head.') and 'running_' not in k
        and 'num_batches' not in k
    }
    assert release_init_failures(params, _weights_of(params)) == []


def test_wrong_init_is_caught(repo_root):
    """The check fails on the initialisation this head used to have:
    truncated normal Linears and unit LayerNorms, but PyTorch's defaults in
    the Mix-FFN convs and N(0, 0.01) in the classifier."""
    from mmengine.model import initialize
    torch.manual_seed(0)
    model, _ = _model(repo_root, CAMVID)  # built, not initialised
    initialize(model.decode_head, [
        dict(type='TruncNormal', std=0.02, bias=0.0, layer='Linear'),
        dict(type='Constant', val=1.0, bias=0.0, layer='LayerNorm'),
        dict(type='Normal', std=0.01, override=dict(name='conv_seg'))
    ])
    params = _head_params(model)
    failed = {
        f.split(':')[0]
        for f in release_init_failures(params, _weights_of(params))
    }
    assert {'conv_seg.weight', 'blocks.0.ffn.layers.0.weight',
            'blocks.0.ffn.layers.0.bias', 'blocks.3.ffn.layers.1.weight',
            'blocks.2.ffn.layers.4.weight'} <= failed
    assert not any('norm' in name or 'attn.' in name for name in failed)


def test_param_groups_match_release_names(repo_root, converter):
    """Every parameter gets the lr and decay multipliers that the release's
    name of the same weight gets under the config's paramwise_cfg."""
    model, cfg = _model(repo_root, CAMVID)
    release = _release_model(repo_root, CAMVID)
    ours = _param_settings(model, cfg)
    theirs = _param_settings(release, cfg)
    mapped = {}
    for name, setting in theirs.items():
        new = converter.convert_umixformer({name: torch.zeros(1, 1)})
        for new_name in new:
            mapped[new_name] = setting
    assert set(mapped) == set(ours)
    for name in ours:
        assert ours[name] == mapped[name], name


def _param_settings(model, cfg):
    wrapper = build_optim_wrapper(model, cfg.optim_wrapper)
    by_param = {}
    for group in wrapper.optimizer.param_groups:
        for p in group['params']:
            by_param[id(p)] = (group['lr'], group['weight_decay'])
    return {n: by_param[id(p)] for n, p in model.named_parameters()}


def _batch(num_classes=11, size=64):
    g = torch.Generator().manual_seed(3)
    inputs = torch.randn(2, 3, size, size, generator=g)
    samples = []
    for _ in range(2):
        s = SegDataSample()
        s.gt_sem_seg = PixelData(data=torch.randint(
            0, num_classes, (1, size, size), generator=g))
        s.set_metainfo(dict(img_shape=(size, size), pad_shape=(size, size),
                            ori_shape=(size, size)))
        samples.append(s)
    return inputs, samples


def _train_losses(model, cfg, steps=4):
    torch.manual_seed(0)
    wrapper = build_optim_wrapper(model, cfg.optim_wrapper)
    inputs, samples = _batch()
    model.train()
    out = []
    for _ in range(steps):
        losses = model.loss(inputs, samples)
        loss, _ = model.parse_losses(losses)
        wrapper.update_params(loss)
        out.append(loss.item())
    return out


def test_trains_like_the_release(repo_root, converter):
    """Same initial weights -> same losses over optimizer steps with the
    CamVid config's AdamW and parameter groups (dropout and stochastic
    depth off so that both models see the same computation)."""
    off = dict(dropout_ratio=0.0, drop_path_rate=0.0)
    torch.manual_seed(0)
    release = _release_model(repo_root, CAMVID, dropout_ratio=0.0)
    release.init_weights()
    model, cfg = _model(repo_root, CAMVID, **off)
    for m in (release, model):
        for module in m.backbone.modules():  # stochastic depth off
            if hasattr(module, 'drop_prob'):
                module.drop_prob = 0.0
    state = converter.convert_umixformer(release.state_dict())
    model.load_state_dict(state, strict=True)
    ref = _train_losses(release, cfg)
    ours = _train_losses(model, cfg)
    assert ref[-1] < ref[0]  # it does train
    torch.testing.assert_close(ours, ref, rtol=1e-4, atol=1e-5)
