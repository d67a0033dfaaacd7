"""The conv patch embeddings of HDMNet's transformer stages."""
import pytest
import torch

from mmseg_maskattn.models.layers import ConvDownsample


def test_conv_downsample_halves_and_normalises_tokens():
    layer = ConvDownsample(8, dict(type='LN'))
    out = layer(torch.randn(2, 8, 7, 6))
    assert out.shape == (2, 8, 4, 3)
    # every position's channels are layer-normalised (weight 1, bias 0)
    tokens = out.flatten(2)
    torch.testing.assert_close(
        tokens.mean(dim=1), torch.zeros(2, 12), atol=1e-5, rtol=0)


def test_conv_downsample_as_the_first_stage_embedding():
    # the release opens the first stage with a 1x1, stride-1 embedding
    layer = ConvDownsample(8, dict(type='LN', eps=1e-6), kernel_size=1,
                           stride=1)
    assert layer.conv.weight.shape == (8, 8, 1, 1)
    assert layer.conv.padding == (0, 0) and layer.norm.eps == 1e-6
    assert layer(torch.randn(2, 8, 7, 6)).shape == (2, 8, 7, 6)


@pytest.mark.parametrize('kw', [dict(kernel_size=2), dict(kernel_size=0),
                                dict(stride=0), dict(stride=1.5)])
def test_conv_downsample_bad_options(kw):
    with pytest.raises(ValueError, match='kernel_size .* stride'):
        ConvDownsample(8, dict(type='LN'), **kw)
