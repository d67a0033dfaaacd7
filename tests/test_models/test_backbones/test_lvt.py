"""Tests of the LVT encoder (Yang et al., CVPR 2022, arXiv 2112.10809)."""
import pytest
import torch

from mmseg.registry import MODELS

import mmseg_maskattn.models.backbones  # noqa: F401  (registers LVT)
from mmseg_maskattn.models.backbones import LVT
from mmseg_maskattn.models.utils import lvt_convert
from tests.test_models.test_backbones._lvt_official import (DIMS, DWCONV,
                                                            HEADS, LAYERS,
                                                            PATCHES, RATIOS,
                                                            SRS, TYPES)

PUBLISHED_PARAMS = 3.4e6  # "Backbone Params (M): 3.4" of LVT
# the published figure is rounded to 0.1M, so +-0.05M is the rounding
# interval; 2% (68k) leaves room for that and nothing more
PUBLISHED_TOLERANCE = 0.02


def analytic_num_params(in_channels=3, k=3):
    """Count LVT parameters layer by layer, independently of the module."""
    total, prev = 0, in_channels
    for c, n, h, r, sr, kind, dw, p in zip(DIMS, LAYERS, HEADS, RATIOS, SRS,
                                           TYPES, DWCONV, PATCHES):
        total += prev * c * p * p + c + 2 * c  # embedding conv + LN
        hidden = int(c * r)
        if kind == 'csa':
            window = k * k
            attn = (c * h * window**2 + h * window**2  # attention generator
                    + window * c * c  # position-specific value transforms
                    + c * c + c)  # output projection
        else:
            attn = (c * c  # q (no bias)
                    + 9 * c  # shared depth-wise atrous kernel (no bias)
                    + 2 * c * c  # kv (no bias)
                    + c * c + c)  # output projection
            if sr > 1:
                attn += c * c * sr * sr + c + 2 * c  # reduction conv + LN
        ffn = c * hidden + hidden + hidden * c + c
        if dw:
            ffn += 9 * hidden + hidden
        total += n * (2 * 2 * c + attn + ffn)  # two LNs per block
        prev = c
    return total


def test_num_params_matches_analytic_and_published():
    model = LVT()
    num_params = sum(p.numel() for p in model.parameters())
    assert analytic_num_params() == 3_429_092
    assert num_params == analytic_num_params()
    assert abs(num_params - PUBLISHED_PARAMS) / PUBLISHED_PARAMS < \
        PUBLISHED_TOLERANCE


@pytest.mark.parametrize('size, expected', [
    ((64, 64), [(16, 16), (8, 8), (4, 4), (2, 2)]),
    # odd sizes: each stage is ceil(H / stride) x ceil(W / stride)
    ((65, 70), [(17, 18), (9, 9), (5, 5), (3, 3)]),
])
def test_output_shapes(size, expected):
    model = LVT()
    model.init_weights()
    model.eval()
    with torch.no_grad():
        outs = model(torch.randn(1, 3, *size))
    assert len(outs) == 4
    for out, dims, hw in zip(outs, DIMS, expected):
        assert out.shape == (1, dims, *hw)
        assert torch.isfinite(out).all()


def test_backward_every_parameter_gets_gradient():
    model = LVT()
    model.init_weights()
    model.train()
    outs = model(torch.randn(2, 3, 64, 64))
    loss = sum(out.square().mean() for out in outs)
    loss.backward()
    for name, param in model.named_parameters():
        assert param.grad is not None, name
        assert torch.isfinite(param.grad).all(), name
        assert param.grad.abs().sum() > 0, name


def test_train_mode_with_dropouts():
    model = LVT(drop_rate=0.1, attn_drop_rate=0.1, drop_path_rate=0.1)
    model.train()
    outs = model(torch.randn(2, 3, 64, 64))
    assert [o.shape[1] for o in outs] == list(DIMS)
    last = model.layers[-1][1][-1].drop_path
    assert last.drop_prob == pytest.approx(0.1)  # linear schedule end


@pytest.mark.parametrize('out_indices, expected', [((1, 3), (1, 3)),
                                                   (2, (2, ))])
def test_out_indices(out_indices, expected):
    model = LVT(out_indices=out_indices)
    model.eval()
    with torch.no_grad():
        outs = model(torch.randn(1, 3, 64, 64))
    assert len(outs) == len(expected)
    for out, idx in zip(outs, expected):
        assert out.shape == (1, DIMS[idx], 64 // 2**(idx + 2),
                             64 // 2**(idx + 2))


@pytest.mark.parametrize('kwargs, key', [
    (dict(num_heads=(2, 2, 6, 8)), r'num_heads\[2\]'),
    (dict(num_layers=(2, 2, 2)), 'num_layers'),
    (dict(mlp_ratios=(4, 8, 4)), 'mlp_ratios'),
    (dict(sr_ratios=(8, 4, 2, 1, 1)), 'sr_ratios'),
    (dict(attn_types=('csa', 'rasa', 'rasa', 'sa')), r'attn_types\[3\]'),
    (dict(out_indices=(0, 4)), 'out_indices'),
    (dict(num_recursions=0), 'num_recursions'),
    (dict(atrous_rates=(1, 0)), 'atrous_rates'),
    (dict(drop_path_rate=1.0), 'drop_path_rate'),
    (dict(init_cfg=dict(type='Pretrained')), 'checkpoint'),
    (dict(pretrained='a.pth', init_cfg=dict(type='Pretrained',
                                             checkpoint='a.pth')),
     'pretrained'),
])
def test_bad_config_names_the_key(kwargs, key):
    with pytest.raises(ValueError, match=key):
        LVT(**kwargs)


def test_build_from_registry():
    model = MODELS.build(dict(type='LVT', out_indices=(0, 1, 2, 3)))
    assert isinstance(model, LVT)
    assert model.out_indices == (0, 1, 2, 3)


def test_official_checkpoint_converts_completely(
        tmp_path, lvt_official_state_dict):
    official = lvt_official_state_dict()
    converted = lvt_convert(official)
    model = LVT()
    own = model.state_dict()
    assert set(converted) == set(own)
    for key, value in converted.items():
        assert value.shape == own[key].shape, key

    # CSA: official grouped-conv group j is the transform of window slot j
    grouped = official['backbone.0.1.0.attn.weight.weight']
    value_weight = converted['layers.0.1.0.attn.value_weight']
    torch.testing.assert_close(value_weight[4], grouped[4 * 64:5 * 64, :, 0,
                                                        0])

    path = tmp_path / 'lvt_official.pth.tar'
    torch.save({'state_dict': official}, path)
    loaded = LVT(init_cfg=dict(type='Pretrained', checkpoint=str(path)))
    loaded.init_weights()
    for key, value in loaded.state_dict().items():
        torch.testing.assert_close(value, converted[key], msg=key)


def test_pretrained_round_trip_with_prefix(tmp_path):
    source = LVT(num_layers=(1, 1, 1, 1))
    source.init_weights()
    path = tmp_path / 'segmentor.pth'
    state = {f'backbone.{k}': v for k, v in source.state_dict().items()}
    state['decode_head.conv_seg.weight'] = torch.randn(2, 8, 1, 1)
    torch.save({'state_dict': state}, path)
    target = MODELS.build(
        dict(
            type='LVT',
            num_layers=(1, 1, 1, 1),
            init_cfg=dict(
                type='Pretrained', checkpoint=str(path),
                prefix='backbone.')))
    target.init_weights()
    for key, value in target.state_dict().items():
        torch.testing.assert_close(value, source.state_dict()[key], msg=key)


def test_pretrained_from_umixformer_lvt_release_checkpoint(
        tmp_path, lvt_official_state_dict):
    """A full U-MixFormer-LVT release checkpoint stores LVT one level down
    (backbone.backbone.<stage>...); prefix='backbone.' loads all of it."""
    official = lvt_official_state_dict()
    release = {'backbone.' + k: v for k, v in official.items()
               if k.startswith('backbone.')}
    release['decode_head.linear_pred.weight'] = torch.randn(150, 128, 1, 1)
    path = tmp_path / 'umixformer_lvt.pth'
    torch.save({'state_dict': release}, path)
    model = LVT(init_cfg=dict(type='Pretrained', checkpoint=str(path),
                              prefix='backbone.'))
    model.init_weights()
    converted = lvt_convert(official)
    for key, value in model.state_dict().items():
        torch.testing.assert_close(value, converted[key], msg=key)


def test_pretrained_that_leaves_weights_unloaded_is_refused(
        tmp_path, lvt_official_state_dict):
    official = lvt_official_state_dict()
    release = {'backbone.' + k: v for k, v in official.items()
               if k.startswith('backbone.')}
    path = tmp_path / 'umixformer_lvt.pth'
    torch.save({'state_dict': release}, path)
    # without the prefix nothing maps: every weight would stay random
    model = LVT(init_cfg=dict(type='Pretrained', checkpoint=str(path)))
    with pytest.raises(ValueError, match=r'umixformer_lvt\.pth.*leaves'):
        model.init_weights()
    # one missing tensor is named
    del release['backbone.backbone.2.1.0.norm1.weight']
    torch.save({'state_dict': release}, path)
    model = LVT(init_cfg=dict(type='Pretrained', checkpoint=str(path),
                              prefix='backbone.'))
    with pytest.raises(ValueError, match=r'layers\.2\.1\.0\.norm1\.weight'):
        model.init_weights()
