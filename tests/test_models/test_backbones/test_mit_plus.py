"""MixVisionTransformerPlus taps the stage-3 blocks the U-MixFormer+
release taps, and initialises as MiT (SegFormer) does."""
import math

import pytest
import torch
from mmengine.registry import init_default_scope
from mmseg.registry import MODELS

import mmseg_maskattn  # noqa: F401
from tests.test_models._umixformer_release import ReleaseTaps

init_default_scope('mmseg')

# 0-based stage-3 blocks whose outputs the release appends (interval 6)
RELEASE_TAPS = {
    'b4': ([3, 8, 27, 3], [6, 12, 18, 24]),
    'b5': ([3, 6, 40, 3], [6, 12, 18, 24, 30, 36]),
}


@pytest.mark.parametrize('variant', sorted(RELEASE_TAPS))
def test_tapped_blocks_are_the_release_ones(variant):
    depths, taps = RELEASE_TAPS[variant]
    model = MODELS.build(
        dict(type='MixVisionTransformerPlus', embed_dims=8, num_heads=[1, 1,
                                                                        1, 1],
             num_layers=depths, extra_stage=2, extra_interval=6))
    assert model.extra_blocks == taps
    assert model.num_extra_outs == len(taps)


def test_extra_maps_equal_the_release_taps():
    cfg = dict(embed_dims=8, num_heads=[1, 1, 1, 1], num_layers=[1, 1, 13, 1])
    torch.manual_seed(0)
    ours = MODELS.build(
        dict(type='MixVisionTransformerPlus', extra_stage=2,
             extra_interval=6, **cfg)).eval()
    release = MODELS.build(dict(type='MixVisionTransformer', **cfg)).eval()
    release.load_state_dict(ours.state_dict(), strict=True)
    ReleaseTaps(release, stage=2, interval=6)
    x = torch.randn(1, 3, 64, 64)
    with torch.no_grad():
        got, expected = ours(x), release(x)
    assert len(got) == len(expected) == 4 + 2  # blocks 6 and 12
    for a, b in zip(got, expected):
        torch.testing.assert_close(a, b)


def test_init_follows_mit():
    """Linear: truncated normal 0.02, zero bias; LayerNorm 1 / 0; conv:
    N(0, sqrt(2 / fan_out)), zero bias (SegFormer's release rule)."""
    torch.manual_seed(0)
    model = MODELS.build(
        dict(type='MixVisionTransformerPlus', embed_dims=32,
             num_heads=[1, 2, 5, 8], num_layers=[1, 1, 7, 1],
             extra_interval=6))
    model.init_weights()
    for name, m in model.named_modules():
        if isinstance(m, torch.nn.Linear):
            assert abs(m.weight.std().item() - 0.02) < 0.003, name
            assert torch.all(m.bias == 0), name
        elif isinstance(m, torch.nn.LayerNorm):
            assert torch.all(m.weight == 1) and torch.all(m.bias == 0), name
        elif isinstance(m, torch.nn.Conv2d):
            fan_out = m.kernel_size[0] * m.kernel_size[1] * \
                m.out_channels // m.groups
            std = math.sqrt(2.0 / fan_out)
            n = m.weight.numel()
            assert abs(m.weight.std().item() - std) < 6 * std / math.sqrt(
                2 * n), name
            assert torch.all(m.bias == 0), name
