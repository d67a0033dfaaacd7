"""HDMNet's matching module (Peng et al., CVPR 2023, arXiv 2303.14652)
and the efficient self-attention layer of its stages."""
import math

import pytest
import torch
import torch.nn.functional as F
from mmengine.registry import init_default_scope
from mmseg.registry import MODELS

from mmseg_maskattn.models.layers import (EfficientSelfAttention,
                                          InverseSoftmaxMatching,
                                          inverse_softmax_matching)

init_default_scope('mmseg')


def _random_case(seed=0):
    g = torch.Generator().manual_seed(seed)
    query = torch.randn(2, 5, 4, generator=g, dtype=torch.double)
    support = torch.randn(2, 6, 4, generator=g, dtype=torch.double)
    values = torch.randn(2, 6, 3, generator=g, dtype=torch.double)
    mask = torch.tensor([[1, 0, 1, 1, 0, 0], [0, 1, 1, 0, 1, 1]],
                        dtype=torch.double)
    return query, support, values, mask


def test_softmax_runs_over_the_query_positions():
    query, support, values, mask = _random_case()
    out, corr, attn = inverse_softmax_matching(
        query, support, values, mask, temperature=0.1)
    col_sums = attn.sum(dim=1)  # (B, Ns)
    fg = mask.bool()
    torch.testing.assert_close(col_sums[fg], torch.ones(int(fg.sum()),
                                                        dtype=torch.double))
    # background columns are zero
    assert (attn.permute(0, 2, 1)[~fg] == 0).all()
    torch.testing.assert_close(out, attn @ values)


def test_correlation_is_the_mean_score_over_foreground_tokens():
    query, support, values, mask = _random_case(1)
    _, corr, _ = inverse_softmax_matching(
        query, support, values, mask, temperature=0.1)
    expected = torch.zeros(2, 5, dtype=torch.double)
    for b in range(2):
        for i in range(5):
            scores = [
                F.cosine_similarity(query[b, i], support[b, j], dim=0) / 0.1
                for j in range(6) if mask[b, j] == 1
            ]
            expected[b, i] = sum(scores) / len(scores)
    torch.testing.assert_close(corr, expected)


def test_tiny_hand_case():
    # q0 = s0 (cos 1), q1 orthogonal to s0 (cos 0); s1 is background
    query = torch.tensor([[[2.0, 0.0], [0.0, 3.0]]])
    support = torch.tensor([[[1.0, 0.0], [0.0, 1.0]]])
    values = torch.tensor([[[10.0], [100.0]]])
    mask = torch.tensor([[1.0, 0.0]])
    out, corr, attn = inverse_softmax_matching(
        query, support, values, mask, temperature=1.0)
    e = math.e
    torch.testing.assert_close(
        attn, torch.tensor([[[e / (e + 1), 0.0], [1 / (e + 1), 0.0]]]))
    torch.testing.assert_close(corr, torch.tensor([[1.0, 0.0]]))
    torch.testing.assert_close(
        out, torch.tensor([[[10 * e / (e + 1)], [10 / (e + 1)]]]))


def test_fractional_mask_scales_the_column():
    query, support, values, _ = _random_case(2)
    mask = torch.full((2, 6), 0.5, dtype=torch.double)
    _, corr_half, attn_half = inverse_softmax_matching(
        query, support, values, mask, temperature=0.1)
    _, corr_full, attn_full = inverse_softmax_matching(
        query, support, values, torch.ones_like(mask), temperature=0.1)
    torch.testing.assert_close(attn_half, 0.5 * attn_full)
    # a uniform weight does not change the mean
    torch.testing.assert_close(corr_half, corr_full)


def test_support_without_foreground_gives_zeros():
    query, support, values, mask = _random_case(3)
    out, corr, _ = inverse_softmax_matching(
        query, support, values, torch.zeros_like(mask), temperature=0.1)
    assert (out == 0).all() and (corr == 0).all()


def test_bad_mask_shape_and_temperature():
    query, support, values, mask = _random_case()
    with pytest.raises(ValueError, match='support_mask'):
        inverse_softmax_matching(
            query, support, values, mask[:, :3], temperature=0.1)
    with pytest.raises(ValueError, match='temperature'):
        inverse_softmax_matching(
            query, support, values, mask, temperature=0.0)


def test_module_shapes_and_gradients():
    module = MODELS.build(
        dict(type='InverseSoftmaxMatching', embed_dims=8, temperature=0.1))
    assert isinstance(module, InverseSoftmaxMatching)
    query = torch.randn(2, 10, 8, requires_grad=True)
    support = torch.randn(2, 12, 8, requires_grad=True)
    mask = (torch.rand(2, 12) > 0.5).float()
    out, corr = module(query, (2, 5), support, mask)
    assert out.shape == (2, 10, 8) and corr.shape == (2, 10)
    (out.sum() + corr.sum()).backward()
    assert query.grad is not None and support.grad is not None
    # the release's layer: bias-free projections, 2 heads
    assert module.num_heads == 2
    assert all(getattr(module, n).bias is None
               for n in ('q', 'k', 'v', 'proj'))


def test_module_is_the_release_layer_written_out():
    """Shared LN on both sides, per-head cosine scores over the head's own
    channels divided by the temperature, softmax over the query axis,
    background columns zeroed, output projection, query residual, Mix-FFN;
    the correlation map is the per-head masked mean score, averaged over
    the heads."""
    torch.manual_seed(0)
    module = InverseSoftmaxMatching(embed_dims=8, num_heads=2,
                                    temperature=0.1).eval()
    query, support = torch.randn(2, 6, 8), torch.randn(2, 5, 8)
    mask = torch.tensor([[1., 0., 1., 1., 0.], [0., 1., 1., 0., 1.]])
    y, z = module.norm1(query), module.norm1(support)
    q, k, v = module.q(y), module.k(z), module.v(z)
    outs, corrs = [], []
    for h in range(2):
        sl = slice(4 * h, 4 * h + 4)
        scores = F.normalize(q[..., sl], dim=-1) @ F.normalize(
            k[..., sl], dim=-1).transpose(1, 2) / 0.1  # (B, Nq, Ns)
        attn = scores.softmax(dim=1) * mask[:, None]
        outs.append(attn @ v[..., sl])
        corrs.append((scores * mask[:, None]).sum(-1) / mask.sum(-1)[:, None])
    x = query + module.proj(torch.cat(outs, dim=-1))
    expected = module.ffn(module.norm2(x), (2, 3), identity=x)
    out, corr = module(query, (2, 3), support, mask)
    torch.testing.assert_close(out, expected)
    torch.testing.assert_close(corr, (corrs[0] + corrs[1]) / 2)


def test_module_bad_options_and_inputs():
    with pytest.raises(ValueError, match='num_heads'):
        InverseSoftmaxMatching(embed_dims=8, num_heads=3)
    with pytest.raises(ValueError, match='temperature'):
        InverseSoftmaxMatching(embed_dims=8, temperature=0.0)
    with pytest.raises(ValueError, match='mlp_ratio'):
        InverseSoftmaxMatching(embed_dims=8, mlp_ratio=0)
    module = InverseSoftmaxMatching(embed_dims=8)
    with pytest.raises(ValueError, match='hw_shape'):
        module(torch.randn(1, 6, 8), (2, 2), torch.randn(1, 4, 8),
               torch.ones(1, 4))


def test_efficient_self_attention_without_bias():
    layer = EfficientSelfAttention(
        embed_dims=8, num_heads=2, sr_ratio=2, qkv_bias=False)
    assert layer.q.bias is None and layer.kv.bias is None
    assert layer.proj.bias is None
    assert layer.sr.bias is not None  # the reduction conv keeps its bias


@pytest.mark.parametrize('sr_ratio,hw', [(1, (4, 5)), (2, (4, 5)),
                                         (4, (3, 3)), (4, (8, 8))])
def test_efficient_self_attention_shapes(sr_ratio, hw):
    layer = EfficientSelfAttention(
        embed_dims=8, num_heads=2, sr_ratio=sr_ratio).eval()
    x = torch.randn(2, hw[0] * hw[1], 8)
    assert layer(x, hw).shape == x.shape


def test_efficient_self_attention_matches_explicit_softmax():
    torch.manual_seed(0)
    layer = EfficientSelfAttention(embed_dims=8, num_heads=2).eval()
    x = torch.randn(1, 6, 8)
    y = layer.norm1(x)
    q = layer.q(y).reshape(1, 6, 2, 4).transpose(1, 2)
    k, v = layer.kv(y).reshape(1, 6, 2, 2, 4).permute(2, 0, 3, 1, 4)
    attn = (q @ k.transpose(-1, -2) / 2.0).softmax(-1)  # sqrt(4) = 2
    out = (attn @ v).transpose(1, 2).reshape(1, 6, 8)
    x1 = x + layer.proj(out)
    expected = layer.ffn(layer.norm2(x1), (2, 3), identity=x1)
    torch.testing.assert_close(layer(x, (2, 3)), expected)


def test_efficient_self_attention_without_padding_drops_the_remainder():
    """sr_pad=False (HDMNet's release): the reduction conv sees the grid as
    it is, so a 6x5 grid with ratio 4 gives one key from its top-left 4x4
    block, and the rest of the grid does not reach the keys."""
    torch.manual_seed(0)
    layer = EfficientSelfAttention(
        embed_dims=8, num_heads=2, sr_ratio=4, sr_pad=False).eval()
    y = torch.randn(1, 30, 8)
    assert layer._reduced(y, (6, 5)).shape == (1, 1, 8)
    grid = y.transpose(1, 2).reshape(1, 8, 6, 5).clone()
    grid[..., 4:, :] = 0
    grid[..., :, 4:] = 0
    torch.testing.assert_close(
        layer._reduced(y, (6, 5)),
        layer._reduced(grid.flatten(2).transpose(1, 2), (6, 5)))
    with pytest.raises(ValueError, match='3x5 grid is smaller than '
                       'sr_ratio=4'):
        layer._reduced(torch.randn(1, 15, 8), (3, 5))


def test_efficient_self_attention_bad_options():
    with pytest.raises(ValueError, match='num_heads'):
        EfficientSelfAttention(embed_dims=8, num_heads=3)
    with pytest.raises(ValueError, match='sr_ratio'):
        EfficientSelfAttention(embed_dims=8, num_heads=2, sr_ratio=0)
    layer = EfficientSelfAttention(embed_dims=8, num_heads=2)
    with pytest.raises(ValueError, match='hw_shape'):
        layer(torch.randn(1, 6, 8), (2, 2))
