"""The attention primitive: heads split / merged, SDPA with scale, masks
and dropout, against attention written out by hand; the head check."""
import pytest
import torch

from mmseg_maskattn.models.layers import (check_num_heads, masked_attention,
                                          merge_heads, multi_head_attention,
                                          split_heads)


def _explicit(q, k, v, heads, scale=None, bias=None):
    """softmax(q k^T * scale + bias) v per head, written out."""
    b, nq, c = q.shape
    d = c // heads
    dv = v.shape[-1] // heads
    scale = d**-0.5 if scale is None else scale
    out = torch.empty(b, nq, heads * dv)
    for i in range(heads):
        qi = q[..., i * d:(i + 1) * d]
        ki = k[..., i * d:(i + 1) * d]
        vi = v[..., i * dv:(i + 1) * dv]
        logits = qi @ ki.transpose(1, 2) * scale
        if bias is not None:
            logits = logits + bias
        out[..., i * dv:(i + 1) * dv] = logits.softmax(-1) @ vi
    return out


def test_split_merge_round_trip():
    x = torch.randn(2, 5, 12)
    h = split_heads(x, 3)
    assert h.shape == (2, 3, 5, 4)
    # head i holds channels 4i..4i+3
    torch.testing.assert_close(h[:, 1], x[..., 4:8])
    torch.testing.assert_close(merge_heads(h), x)


@pytest.mark.parametrize('heads,scale,cv', [(1, None, 8), (4, None, 8),
                                            (2, 0.3, 6)])
def test_multi_head_attention_matches_explicit(heads, scale, cv):
    torch.manual_seed(0)
    q, k, v = torch.randn(2, 7, 8), torch.randn(2, 5, 8), torch.randn(
        2, 5, cv)
    out = multi_head_attention(q, k, v, heads, scale=scale)
    assert out.shape == (2, 7, cv)
    torch.testing.assert_close(out, _explicit(q, k, v, heads, scale))


def test_multi_head_attention_with_key_masks():
    torch.manual_seed(1)
    q, k, v = torch.randn(2, 4, 8), torch.randn(2, 6, 8), torch.randn(2, 6, 8)
    key_mask = torch.zeros(2, 1, 1, 6, dtype=torch.bool)
    key_mask[0, ..., :3] = True
    bias = torch.randn(2, 1, 1, 6)
    out = multi_head_attention(q, k, v, 2, key_mask=key_mask,
                               additive_mask=bias)
    full_bias = bias.clone()
    full_bias[key_mask] = float('-inf')
    for i in range(2):
        torch.testing.assert_close(
            out[i:i + 1],
            _explicit(q[i:i + 1], k[i:i + 1], v[i:i + 1], 2,
                      bias=full_bias[i]),
            rtol=1e-4, atol=1e-5)
    # the same as the head-split masked_attention
    torch.testing.assert_close(
        out,
        merge_heads(masked_attention(split_heads(q, 2), split_heads(k, 2),
                                     split_heads(v, 2), key_mask=key_mask,
                                     additive_mask=bias)))


def test_dropout_only_in_effect_when_asked():
    torch.manual_seed(2)
    q, k, v = torch.randn(1, 16, 8), torch.randn(1, 16, 8), torch.randn(
        1, 16, 8)
    ref = multi_head_attention(q, k, v, 2)
    torch.testing.assert_close(multi_head_attention(q, k, v, 2,
                                                    dropout_p=0.0), ref)
    assert not torch.allclose(
        multi_head_attention(q, k, v, 2, dropout_p=0.5), ref)


@pytest.mark.parametrize('heads', [0, -2, 3, 2.0, True])
def test_check_num_heads_names_the_owner(heads):
    with pytest.raises(ValueError,
                       match=r'MyLayer: num_heads=.* embed_dims=8'):
        check_num_heads(8, heads, 'MyLayer')


def test_check_num_heads_returns_head_width():
    assert check_num_heads(12, 3, 'x') == 4
