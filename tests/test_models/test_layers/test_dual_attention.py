"""DANet's position and channel attention: equal to mmseg's PAM / CAM with
the same weights, on both computation paths, and to the formulas."""
import pytest
import torch
from mmseg.models.decode_heads.da_head import CAM, PAM

from mmseg_maskattn.models.layers import ChannelAttention, PositionAttention


def _pam_pair(c=32, ck=4):
    torch.manual_seed(0)
    ref = PAM(c, ck).eval()
    ours = PositionAttention(in_channels=c, key_channels=ck, head_channels=8,
                             query_block=7).eval()
    with torch.no_grad():
        ref.gamma.scale.fill_(0.7)
    ours.load_state_dict(ref.state_dict(), strict=True)
    return ref, ours


@pytest.mark.parametrize('size', [(8, 8), (5, 13), (12, 3)])
@pytest.mark.parametrize('split_values', [False, True])
def test_pam_equals_mmseg(size, split_values):
    ref, ours = _pam_pair()
    x = torch.randn(2, 32, *size)
    with torch.no_grad():
        expected = ref(x)
        got = ours.gamma(
            ours.attend(x, split_values=split_values).transpose(1, 2)
            .reshape(x.shape)) + x
        if not split_values:  # the path forward takes on the CPU
            assert torch.equal(ours(x), got)
    torch.testing.assert_close(got, expected, rtol=1e-5, atol=1e-5)


def test_pam_formula_without_scaling():
    _, ours = _pam_pair(c=8, ck=2)
    x = torch.randn(1, 8, 3, 4)
    with torch.no_grad():
        q = ours.query_project(x).flatten(2)[0]  # (2, N)
        k = ours.key_project(x).flatten(2)[0]
        v = ours.value_project(x).flatten(2)[0]  # (8, N)
        attn = (q.t() @ k).softmax(-1)  # (N, N), no 1/sqrt(d)
        expected = 0.7 * (v @ attn.t()).reshape(1, 8, 3, 4) + x
        torch.testing.assert_close(ours(x), expected, rtol=1e-5, atol=1e-5)


def test_pam_gamma_starts_at_zero_and_bad_config():
    pam = PositionAttention(in_channels=8, key_channels=2)
    assert pam.gamma.scale.item() == 0.0
    x = torch.randn(1, 8, 4, 4)
    torch.testing.assert_close(pam(x), x)
    for key, value in (('key_channels', 0), ('head_channels', 2.5),
                       ('query_block', -1), ('in_channels', True)):
        kwargs = dict(in_channels=8, key_channels=2)
        kwargs[key] = value
        with pytest.raises(ValueError, match=key):
            PositionAttention(**kwargs)
    with pytest.raises(ValueError, match='in_channels=8.*6 channels'):
        pam(torch.randn(1, 6, 4, 4))


@pytest.mark.parametrize('size', [(6, 6), (4, 9)])
def test_cam_equals_mmseg(size):
    torch.manual_seed(1)
    ref, ours = CAM(), ChannelAttention()
    with torch.no_grad():
        ref.gamma.scale.fill_(0.5)
    ours.load_state_dict(ref.state_dict(), strict=True)
    x = torch.randn(2, 16, *size) * 0.3
    torch.testing.assert_close(ours(x), ref(x), rtol=1e-5, atol=1e-5)


def test_cam_plain_softmax_option():
    cam = ChannelAttention(inverse_energy=False)
    with torch.no_grad():
        cam.gamma.scale.fill_(1.0)
    x = torch.randn(1, 4, 3, 3) * 0.5
    flat = x.flatten(2)[0]  # (C, N)
    expected = ((flat @ flat.t()).softmax(-1) @ flat).reshape(x.shape) + x
    torch.testing.assert_close(cam(x), expected, rtol=1e-5, atol=1e-5)
    with pytest.raises(TypeError, match='inverse_energy'):
        ChannelAttention(inverse_energy=1)
