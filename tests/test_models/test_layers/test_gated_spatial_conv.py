"""GatedSpatialConv (Gated-SCNN's GCL) against the formula by hand."""
import pytest
import torch

from mmseg_maskattn.models.layers import GatedSpatialConv


def test_matches_the_formula():
    torch.manual_seed(0)
    gcl = GatedSpatialConv(in_channels=4, gate_channels=2,
                           out_channels=3).eval()
    bn0, conv0, _, conv1, bn1, _ = gcl.gate
    with torch.no_grad():  # non-trivial BN statistics
        for bn in (bn0, bn1):
            bn.running_mean.uniform_(-1, 1)
            bn.running_var.uniform_(0.5, 2)
    s, r = torch.randn(2, 4, 5, 6), torch.randn(2, 2, 5, 6)
    with torch.no_grad():
        x = torch.cat([s, r], 1)
        x = (x - bn0.running_mean[:, None, None]) / torch.sqrt(
            bn0.running_var[:, None, None] + bn0.eps)
        x = x * bn0.weight[:, None, None] + bn0.bias[:, None, None]
        x = conv1(torch.relu(conv0(x)))
        x = (x - bn1.running_mean) / torch.sqrt(bn1.running_var + bn1.eps)
        alpha = torch.sigmoid(x * bn1.weight + bn1.bias)
        expected = torch.einsum('oc,bchw->bohw', gcl.conv.weight[:, :, 0, 0],
                                s * alpha + s)
        torch.testing.assert_close(gcl(s, r), expected, rtol=1e-5,
                                   atol=1e-5)
    assert gcl.conv.bias is None


def test_bad_inputs_name_the_key():
    gcl = GatedSpatialConv(in_channels=4)
    with pytest.raises(ValueError, match='gate_channels=1.*3 channels'):
        gcl(torch.randn(1, 4, 5, 5), torch.randn(1, 3, 5, 5))
    with pytest.raises(ValueError, match='in_channels=4.*5 channels'):
        gcl(torch.randn(1, 5, 5, 5), torch.randn(1, 1, 5, 5))
    with pytest.raises(ValueError, match=r'\(4, 4\).*\(5, 5\)'):
        gcl(torch.randn(1, 4, 5, 5), torch.randn(1, 1, 4, 4))
