"""Tests of LVT's Recursive Atrous Self-Attention (Yang et al., CVPR 2022,
arXiv 2112.10809)."""
import pytest
import torch
import torch.nn.functional as F

from mmseg_maskattn.models.layers import RecursiveAtrousSelfAttention

RATES = (1, 3, 5)


def explicit_asa(rasa, x, hw_shape):
    """One atrous self-attention step written out: shared dilated query
    convs, strided K/V reduction, softmax(q k^T / sqrt(d)) v."""
    b, n, c = x.shape
    h, w = hw_shape
    heads = rasa.num_heads
    conv = rasa.atrous_conv
    q_map = rasa.q(x).transpose(1, 2).reshape(b, c, h, w)
    q_map = sum(
        F.silu(
            F.conv2d(q_map, conv.weight, conv.bias, padding=r, dilation=r,
                     groups=c)) for r in RATES)
    q = q_map.flatten(2).transpose(1, 2)
    x_map = x.transpose(1, 2).reshape(b, c, h, w)
    kv_in = rasa.norm(rasa.sr(x_map).flatten(2).transpose(1, 2))
    k, v = rasa.kv(kv_in).chunk(2, dim=-1)

    def split(t):
        return t.reshape(b, t.shape[1], heads, c // heads).transpose(1, 2)

    q, k, v = split(q), split(k), split(v)
    attn = (q @ k.transpose(-2, -1) * (c // heads)**-0.5).softmax(-1)
    out = (attn @ v).transpose(1, 2).reshape(b, n, c)
    return rasa.proj(out)


@pytest.mark.parametrize('num_recursions', [1, 3])
def test_rasa_matches_explicit_recursion(num_recursions):
    """y_1 = act(ASA(x)), y_t+1 = act(ASA(x + y_1 + ... + y_t)); R = 1 is
    ASA(x) without the activation."""
    torch.manual_seed(0)
    c, heads, hw_shape = 8, 2, (6, 5)
    rasa = RecursiveAtrousSelfAttention(
        c, heads, sr_ratio=2, atrous_rates=RATES,
        num_recursions=num_recursions, qkv_bias=True).eval()
    x = torch.randn(2, hw_shape[0] * hw_shape[1], c)
    with torch.no_grad():
        out = rasa(x, hw_shape)
        if num_recursions == 1:
            expected = explicit_asa(rasa, x, hw_shape)
        else:
            expected = F.silu(explicit_asa(rasa, x, hw_shape))
            state = x
            for _ in range(num_recursions - 1):
                state = state + expected
                expected = F.silu(explicit_asa(rasa, state, hw_shape))
    torch.testing.assert_close(out, expected, rtol=1e-4, atol=1e-5)
