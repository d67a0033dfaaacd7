"""LVT's defaults and a random checkpoint in the official code's layout.

``official_state_dict`` lays out random weights as the official LVT code
(Yang et al., CVPR 2022, arXiv 2112.10809) names them; tests receive it
through the ``lvt_official_state_dict`` fixture of ``tests/conftest.py``.
"""
import torch

# defaults of LVT (official release of the paper)
DIMS = (64, 64, 160, 256)
LAYERS = (2, 2, 2, 2)
HEADS = (2, 2, 5, 8)
RATIOS = (4, 8, 4, 4)
SRS = (8, 4, 2, 1)
TYPES = ('csa', 'rasa', 'rasa', 'rasa')
DWCONV = (False, True, True, True)
PATCHES = (7, 3, 3, 3)


def official_state_dict() -> dict:
    """Random weights laid out as the official LVT code names them."""
    sd, prev = {}, 3
    for i, (c, n, h, r, sr, kind, dw, p) in enumerate(
            zip(DIMS, LAYERS, HEADS, RATIOS, SRS, TYPES, DWCONV, PATCHES)):
        sd[f'backbone.{i}.0.proj.weight'] = torch.randn(c, prev, p, p)
        sd[f'backbone.{i}.0.proj.bias'] = torch.randn(c)
        sd[f'backbone.{i}.0.norm.weight'] = torch.randn(c)
        sd[f'backbone.{i}.0.norm.bias'] = torch.randn(c)
        hid = int(c * r)
        for j in range(n):
            b = f'backbone.{i}.1.{j}.'
            for norm in ('norm1', 'norm2'):
                sd[b + norm + '.weight'] = torch.randn(c)
                sd[b + norm + '.bias'] = torch.randn(c)
            if kind == 'csa':
                sd[b + 'attn.attn.weight'] = torch.randn(h * 81, c)
                sd[b + 'attn.attn.bias'] = torch.randn(h * 81)
                sd[b + 'attn.weight.weight'] = torch.randn(9 * c, c, 1, 1)
            else:
                sd[b + 'attn.q.weight'] = torch.randn(c, c)
                sd[b + 'attn.kv.weight'] = torch.randn(2 * c, c)
                sd[b + 'attn.ds.weight'] = torch.randn(c, 1, 3, 3)
                if sr > 1:
                    sd[b + 'attn.sr.weight'] = torch.randn(c, c, sr, sr)
                    sd[b + 'attn.sr.bias'] = torch.randn(c)
                    sd[b + 'attn.norm.weight'] = torch.randn(c)
                    sd[b + 'attn.norm.bias'] = torch.randn(c)
            sd[b + 'attn.proj.weight'] = torch.randn(c, c)
            sd[b + 'attn.proj.bias'] = torch.randn(c)
            fc_shape = (1, 1) if dw else ()  # 1x1 convs when dwconv
            sd[b + 'mlp.fc1.weight'] = torch.randn(hid, c, *fc_shape)
            sd[b + 'mlp.fc1.bias'] = torch.randn(hid)
            sd[b + 'mlp.fc2.weight'] = torch.randn(c, hid, *fc_shape)
            sd[b + 'mlp.fc2.bias'] = torch.randn(c)
            if dw:
                sd[b + 'mlp.depconv.weight'] = torch.randn(hid, 1, 3, 3)
                sd[b + 'mlp.depconv.bias'] = torch.randn(hid)
        prev = c
    # ImageNet-only parts, dropped by the conversion
    sd['cls_token'] = torch.randn(1, 1, 256)
    sd['post_network.0.attn.q.weight'] = torch.randn(256, 256)
    sd['head.weight'] = torch.randn(1000, 256)
    return sd
