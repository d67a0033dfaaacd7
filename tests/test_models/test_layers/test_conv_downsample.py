"""The stride-2 downsampling between HDMNet's transformer stages."""
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
