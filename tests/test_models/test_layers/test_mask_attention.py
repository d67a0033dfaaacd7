"""Mask attention of MaskAttn-UNet (Cheng et al., arXiv 2503.10686): the
masking rule of ``masked_attention`` and the layer against attention written
out explicitly."""
import math

import pytest
import torch
import torch.nn.functional as F

from mmseg_maskattn.models.layers import MaskAttention, masked_attention

C, HEADS = 8, 2


def _layer(**kw):
    torch.manual_seed(0)
    return MaskAttention(embed_dims=C, num_heads=HEADS, **kw).double().eval()


def _score_is_channel_0(layer):
    """Make the score s equal to channel 0 of the input plus 0.25."""
    with torch.no_grad():
        layer.score.weight.zero_()
        layer.score.weight[0, 0] = 1.0
        layer.score.bias.fill_(0.25)


def _split_heads(t, b):
    # (B, N, C) -> (B, heads, N, C / heads)
    return t.reshape(b, -1, HEADS, C // HEADS).transpose(1, 2)


def _qkv(layer, x, kv_map):
    b = x.shape[0]
    q = layer.q(x.flatten(2).transpose(1, 2))
    kv = layer.kv(kv_map.flatten(2).transpose(1, 2))
    return (_split_heads(q, b), _split_heads(kv[..., :C], b),
            _split_heads(kv[..., C:], b))


def _softmax_attention(q, k, v, bias=0.0):
    logits = q @ k.transpose(-1, -2) / math.sqrt(q.shape[-1]) + bias
    return logits.softmax(-1) @ v


def _finish(layer, x, attn):
    """The layer after the attention: projection, residual, norm, FFN."""
    b, c, h, w = x.shape
    tokens = x.flatten(2).transpose(1, 2)
    out = attn.transpose(1, 2).reshape(b, h * w, c)
    tokens = layer.norm(tokens + layer.proj(out))
    tokens = tokens + layer.ffn.layers(tokens)
    return tokens.transpose(1, 2).reshape(b, c, h, w)


def _restricted(q, k, v, keep):
    """Per image, plain attention over the kept keys only (all if none)."""
    outs = []
    for i in range(q.shape[0]):
        kept = keep[i] if keep[i].any() else torch.ones_like(keep[i])
        outs.append(
            _softmax_attention(q[i], k[i][:, kept], v[i][:, kept]))
    return torch.stack(outs)


def _split_sign_input(size=6):
    """Input whose channel 0 is positive on the left half, negative on the
    right half, so that the keys of a channel-0 score are partly masked."""
    torch.manual_seed(1)
    x = torch.randn(2, C, size, size, dtype=torch.double)
    col = torch.arange(size, dtype=torch.double)
    x[:, 0] = torch.where(col < size / 2, 1.0, -1.0) * (1 + x[:, 0].abs())
    return x


def test_hard_mask_equals_attention_restricted_to_kept_keys():
    layer = _layer(mask_mode='hard')
    _score_is_channel_0(layer)
    x = _split_sign_input()
    keep = (x[:, 0] + 0.25 >= 0).flatten(1)  # sigmoid(s) >= 0.5
    assert 0 < keep.sum() < keep.numel()
    with torch.no_grad():
        q, k, v = _qkv(layer, x, x)
        expected = _finish(layer, x, _restricted(q, k, v, keep))
        torch.testing.assert_close(layer(x), expected)


@pytest.mark.parametrize('bias', [-5.0, 5.0])
def test_hard_all_or_no_key_masked_is_plain_attention(bias):
    """All keys masked: every row falls back to full attention (Mask2Former
    rule); no key masked: nothing to mask. Both equal plain attention."""
    layer = _layer(mask_mode='hard')
    with torch.no_grad():
        layer.score.weight.zero_()
        layer.score.bias.fill_(bias)
    plain = _layer(mask_mode='none')
    missing, unexpected = plain.load_state_dict(
        layer.state_dict(), strict=False)
    assert not missing and unexpected == ['score.weight', 'score.bias']
    x = torch.randn(2, C, 6, 6, dtype=torch.double)
    with torch.no_grad():
        q, k, v = _qkv(layer, x, x)
        expected = _finish(layer, x, _softmax_attention(q, k, v))
        torch.testing.assert_close(layer(x), expected)
        torch.testing.assert_close(plain(x), expected)


def test_soft_mask_adds_log_sigmoid_of_the_score():
    layer = _layer(mask_mode='soft')
    x = torch.randn(2, C, 6, 6, dtype=torch.double)
    with torch.no_grad():
        q, k, v = _qkv(layer, x, x)
        # (B, 1, H, W) -> (B, 1, 1, H*W): one bias per key
        s = layer.score(x).flatten(2).unsqueeze(1)
        bias = torch.log(torch.sigmoid(s))
        expected = _finish(layer, x, _softmax_attention(q, k, v, bias))
        torch.testing.assert_close(layer(x), expected)
        # the bias is not constant, so it does change the attention
        unmasked = _finish(layer, x, _softmax_attention(q, k, v))
        assert not torch.allclose(layer(x), unmasked)


@pytest.mark.parametrize('mask_mode', ['hard', 'soft', 'none'])
@pytest.mark.parametrize('size,pool', [(8, 2), (10, 3)])
def test_kv_pool_equals_explicit_pooled_attention(mask_mode, size, pool):
    layer = _layer(mask_mode=mask_mode, kv_pool=pool)
    if mask_mode != 'none':
        _score_is_channel_0(layer)
    x = _split_sign_input(size)
    # keys and values from the average-pooled map (ceil mode: the border
    # windows of odd sizes average their in-bound pixels only)
    pooled = F.avg_pool2d(x, pool, ceil_mode=True)
    assert pooled.shape[-1] == math.ceil(size / pool)
    with torch.no_grad():
        q, k, v = _qkv(layer, x, pooled)
        if mask_mode == 'none':
            attn = _softmax_attention(q, k, v)
        else:
            # the mask is the average pool of the full-resolution scores
            s = F.avg_pool2d(layer.score(x), pool, ceil_mode=True)
            if mask_mode == 'hard':
                keep = (s >= 0).flatten(1)
                assert 0 < keep.sum() < keep.numel()
                attn = _restricted(q, k, v, keep)
            else:
                bias = torch.log(torch.sigmoid(s)).flatten(2).unsqueeze(1)
                attn = _softmax_attention(q, k, v, bias)
        torch.testing.assert_close(layer(x), _finish(layer, x, attn))


def test_hard_mode_score_learns_through_the_straight_through_term():
    layer = _layer(mask_mode='hard').train()
    _score_is_channel_0(layer)
    x = _split_sign_input()
    layer(x).square().mean().backward()
    grad = layer.score.weight.grad
    assert torch.isfinite(grad).all() and grad.abs().sum() > 0


def test_no_dead_layers():
    names = {n for n, _ in _layer(mask_mode='none').named_parameters()}
    assert not any(n.startswith('score') for n in names)
    assert {'score.weight', 'score.bias'} <= {
        n for n, _ in _layer(mask_mode='soft').named_parameters()}
    assert not hasattr(_layer(), 'kv_pool_layer')
    assert hasattr(_layer(kv_pool=2), 'kv_pool_layer')


@pytest.mark.parametrize('update,key', [
    (dict(num_heads=3), 'num_heads'),
    (dict(num_heads=0), 'num_heads'),
    (dict(mask_mode='Hard'), 'mask_mode'),
    (dict(kv_pool=0), 'kv_pool'),
    (dict(kv_pool=1.5), 'kv_pool'),
    (dict(mlp_ratio=0), 'mlp_ratio'),
])
def test_bad_config_raises_value_error_naming_the_key(update, key):
    cfg = dict(embed_dims=C, num_heads=HEADS)
    cfg.update(update)
    with pytest.raises(ValueError, match=key):
        MaskAttention(**cfg)


# masked_attention, the function shared with later cross-attention


def _qkv_random(nq=5, nk=7):
    torch.manual_seed(2)
    return (torch.randn(2, HEADS, nq, 4, dtype=torch.double),
            torch.randn(2, HEADS, nk, 4, dtype=torch.double),
            torch.randn(2, HEADS, nk, 3, dtype=torch.double))


def _explicit_masked(q, k, v, key_mask, bias=0.0):
    logits = q @ k.transpose(-1, -2) / 2.0 + bias  # sqrt(d) = sqrt(4)
    full = key_mask.all(-1, keepdim=True)
    logits = logits.masked_fill(key_mask & ~full, float('-inf'))
    return logits.softmax(-1) @ v


def test_masked_attention_without_masks_is_sdpa():
    q, k, v = _qkv_random()
    torch.testing.assert_close(
        masked_attention(q, k, v), F.scaled_dot_product_attention(q, k, v))


def test_masked_attention_per_query_mask_and_fully_masked_rows():
    q, k, v = _qkv_random()
    torch.manual_seed(3)
    key_mask = torch.rand(2, HEADS, 5, 7) < 0.5
    key_mask[0, 0, 1] = True  # these two rows have every key masked
    key_mask[1, 1, 4] = True
    key_mask[0, 0, 0] = torch.tensor([1, 0, 1, 0, 0, 0, 0], dtype=torch.bool)
    out = masked_attention(q, k, v, key_mask=key_mask)
    torch.testing.assert_close(out, _explicit_masked(q, k, v, key_mask))
    # a fully masked row is plain attention
    plain = _softmax_attention(q, k, v)
    torch.testing.assert_close(out[0, 0, 1], plain[0, 0, 1])
    torch.testing.assert_close(out[1, 1, 4], plain[1, 1, 4])
    assert not torch.allclose(out[0, 0, 0], plain[0, 0, 0])


def test_masked_attention_key_and_additive_masks_combine():
    q, k, v = _qkv_random()
    bias = torch.randn(2, 1, 1, 7, dtype=torch.double, requires_grad=True)
    key_mask = torch.zeros(2, 1, 1, 7, dtype=torch.bool)
    key_mask[0, ..., :3] = True  # image 0: three keys masked
    key_mask[1] = True  # image 1: every key masked -> falls back
    out = masked_attention(q, k, v, key_mask=key_mask, additive_mask=bias)
    torch.testing.assert_close(out,
                               _explicit_masked(q, k, v, key_mask, bias))
    out.sum().backward()
    assert torch.isfinite(bias.grad).all()
    assert (bias.grad[0, ..., :3] == 0).all()  # masked keys: no gradient
    assert (bias.grad[0, ..., 3:] != 0).all()
    assert (bias.grad[1] != 0).all()


def test_masked_attention_rejects_a_non_boolean_key_mask():
    q, k, v = _qkv_random()
    with pytest.raises(ValueError, match='key_mask'):
        masked_attention(q, k, v, key_mask=torch.zeros(2, 1, 1, 7))
