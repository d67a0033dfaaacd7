"""Tests of LVT's Convolutional Self-Attention (Yang et al., CVPR 2022,
arXiv 2112.10809)."""
import torch

from mmseg_maskattn.models.layers import ConvolutionalSelfAttention


def test_csa_matches_naive_windowed_attention():
    """Check unfold/fold bookkeeping against a per-window loop."""
    torch.manual_seed(0)
    C, heads, H, W, k, s = 4, 2, 5, 6, 3, 2
    csa = ConvolutionalSelfAttention(C, heads, qkv_bias=True).eval()
    torch.nn.init.normal_(csa.value_bias)
    x = torch.randn(1, H * W, C)
    out = csa(x, (H, W))

    x_map = x.reshape(H, W, C)
    h, w = -(-H // s), -(-W // s)
    pooled = torch.nn.functional.avg_pool2d(
        x_map.permute(2, 0, 1)[None], s, s, ceil_mode=True)[0]
    acc = torch.zeros(H, W, C)
    for wy in range(h):
        for wx in range(w):
            logits = csa.attn_gen(pooled[:, wy, wx]).reshape(heads, 9, 9)
            alpha = (logits * csa.scale).softmax(-1)
            pos = [(wy * s - 1 + dy, wx * s - 1 + dx) for dy in range(k)
                   for dx in range(k)]
            v = torch.stack([
                csa.value_weight[j] @ (x_map[y, x_] if 0 <= y < H
                                       and 0 <= x_ < W else torch.zeros(C))
                + csa.value_bias[j] for j, (y, x_) in enumerate(pos)
            ])  # (9, C)
            v = v.reshape(9, heads, C // heads).transpose(0, 1)
            y_win = (alpha @ v).transpose(0, 1).reshape(9, C)
            for i, (y, x_) in enumerate(pos):
                if 0 <= y < H and 0 <= x_ < W:
                    acc[y, x_] += y_win[i]
    expected = csa.proj(acc.reshape(1, H * W, C))
    torch.testing.assert_close(out, expected, rtol=1e-4, atol=1e-5)
