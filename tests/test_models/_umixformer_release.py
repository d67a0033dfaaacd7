"""U-MixFormer as the official release lays it out, for equivalence tests.

A reference formulation written from the paper (Yeom & von Klitzing, WACV
2025, https://arxiv.org/abs/2312.06272) with the module names, shapes and
initialisation of the checkpoints released with it, so that

- its state dict has the release's key names and shapes (dead layers
  included), which the converter must map;
- the optimizer's parameter groups are computed from the release's names;
- its initial weights follow the release's rule.

Nothing here is used by the package: the tests compare ``UMixFormerHead``
(and the converter, and ``MixVisionTransformerPlus``) against it. The
attention is the explicit ``softmax(Q K^T / sqrt(d)) V`` and the fusion a
1x1 conv over the concatenated upsampled decoder outputs, as in the paper.
"""
import math
from typing import List, Sequence

import torch
import torch.nn as nn
import torch.nn.functional as F
from mmcv.cnn import ConvModule
from mmseg.models.decode_heads.decode_head import BaseDecodeHead
from mmseg.models.utils import resize
from mmseg.registry import MODELS


def release_block_init(module: nn.Module) -> None:
    """The release's rule for every layer of a decoder block."""
    for m in module.modules():
        if isinstance(m, nn.Linear):
            nn.init.trunc_normal_(m.weight, std=0.02)
            if m.bias is not None:
                nn.init.zeros_(m.bias)
        elif isinstance(m, nn.LayerNorm):
            nn.init.ones_(m.weight)
            nn.init.zeros_(m.bias)
        elif isinstance(m, nn.Conv2d):
            fan_out = m.kernel_size[0] * m.kernel_size[1] * \
                m.out_channels // m.groups
            nn.init.normal_(m.weight, 0.0, math.sqrt(2.0 / fan_out))
            if m.bias is not None:
                nn.init.zeros_(m.bias)


class _DWConv(nn.Module):

    def __init__(self, dims: int) -> None:
        super().__init__()
        self.dwconv = nn.Conv2d(dims, dims, 3, 1, 1, groups=dims)


class _Mlp(nn.Module):

    def __init__(self, dims: int, hidden: int) -> None:
        super().__init__()
        self.fc1 = nn.Linear(dims, hidden)
        self.dwconv = _DWConv(hidden)
        self.fc2 = nn.Linear(hidden, dims)

    def forward(self, x, hw):
        b, n, _ = x.shape
        x = self.fc1(x)
        c = x.shape[-1]
        x = x.transpose(1, 2).reshape(b, c, *hw)
        x = self.dwconv.dwconv(x).flatten(2).transpose(1, 2)
        return self.fc2(F.gelu(x))


class _CrossAttention(nn.Module):

    def __init__(self, dims: int, kv_dims: int, heads: int,
                 city: bool) -> None:
        super().__init__()
        self.heads = heads
        self.city = city
        self.q = nn.Linear(dims, dims, bias=False)
        self.kv = nn.Linear(kv_dims, 2 * dims, bias=False)
        self.proj = nn.Linear(dims, dims)
        if city:
            self.sr1 = nn.Conv2d(dims, dims, 1)  # query pooling projection
            self.sr2 = nn.Conv2d(kv_dims, kv_dims, 1)  # created, never used
            self.norm1 = nn.LayerNorm(dims)
            self.norm2 = nn.LayerNorm(kv_dims)
        else:
            self.sr = nn.Conv2d(kv_dims, kv_dims, 1)  # created, never used
            self.norm = nn.LayerNorm(kv_dims)  # created, never used

    def forward(self, x, hw, y):
        b, n, c = x.shape
        d = c // self.heads
        if self.city:
            grid = x.transpose(1, 2).reshape(b, c, *hw)
            grid = self.sr1(F.avg_pool2d(grid, 2))
            small = grid.shape[2:]
            x = F.gelu(self.norm1(grid.flatten(2).transpose(1, 2)))
            y = self.norm2(y)
        nq = x.shape[1]
        q = self.q(x).reshape(b, nq, self.heads, d).transpose(1, 2)
        k, v = self.kv(F.gelu(y)).reshape(b, -1, 2, self.heads,
                                          d).permute(2, 0, 3, 1, 4)
        attn = ((q @ k.transpose(-2, -1)) * d**-0.5).softmax(-1)
        out = self.proj((attn @ v).transpose(1, 2).reshape(b, nq, c))
        if self.city:
            out = out.transpose(1, 2).reshape(b, c, *small)
            out = resize(out, size=hw, mode='bilinear', align_corners=False)
            out = out.flatten(2).transpose(1, 2)
        return out


class _Block(nn.Module):

    def __init__(self, dims, kv_dims, heads, city) -> None:
        super().__init__()
        self.norm1 = nn.LayerNorm(dims)
        self.norm2 = nn.LayerNorm(kv_dims)
        self.norm3 = nn.LayerNorm(dims)
        self.attn = _CrossAttention(dims, kv_dims, heads, city)
        self.mlp = _Mlp(dims, 4 * dims)
        release_block_init(self)

    def forward(self, x, hw, y):
        x = self.norm1(x)
        x = x + self.attn(x, hw, self.norm2(y))
        x = self.norm3(x)
        return x + self.mlp(x, hw)


class _CatKey(nn.Module):

    def __init__(self, dims: Sequence[int], ratios: Sequence[int]) -> None:
        super().__init__()
        self.ratios = list(ratios)
        self.sr_list = nn.ModuleList(
            nn.Conv2d(c, c, 1) for c, r in zip(dims, ratios) if r > 1)

    def forward(self, maps):
        out, i = [], 0
        for x, r in zip(maps, self.ratios):
            if r > 1:
                x = self.sr_list[i](
                    F.avg_pool2d(x, r, r, ceil_mode=True))
                i += 1
            out.append(x)
        return torch.cat(out, dim=1).flatten(2).transpose(1, 2)


@MODELS.register_module(force=True)
class ReleaseUMixFormerHead(BaseDecodeHead):
    """The release's head (ADE20K, Cityscapes and U-MixFormer+ layouts).

    Args:
        embed_dim (int): Width of ``linear_fuse`` (the paper's embedding).
        num_heads (Sequence[int]): Heads of ``attn_c4`` .. ``attn_c1``.
        pool_ratio (Sequence[int]): Pooling of slots 4, 3, 2, 1.
        city (bool): The Cityscapes attention (query pooling, key/value
            LayerNorm).
        num_multi (int): Extra stage-3 maps (U-MixFormer+), pooled by
            ``pool_ratio[1]`` and of width ``in_channels[2]``.
    """

    def __init__(self, *, embed_dim: int, num_heads: Sequence[int],
                 pool_ratio: Sequence[int], city: bool = False,
                 num_multi: int = 0, **kwargs) -> None:
        super().__init__(input_transform='multiple_select', **kwargs)
        c1, c2, c3, c4 = self.in_channels[:4]
        self.num_multi = num_multi
        slot_dims = [c4, c3, c2, c1] + [c3] * num_multi
        ratios = list(pool_ratio) + [pool_ratio[1]] * num_multi
        kv_dims = sum(slot_dims)
        for stage, dims, heads in zip('4321', (c4, c3, c2, c1), num_heads):
            setattr(self, f'attn_c{stage}', _Block(dims, kv_dims, heads, city))
        for k in range(1, 5):
            setattr(self, f'cat_key{k}', _CatKey(slot_dims, ratios))
        self.linear_fuse = ConvModule(
            c1 + c2 + c3 + c4, embed_dim, 1, norm_cfg=self.norm_cfg)
        self.linear_pred = nn.Conv2d(embed_dim, self.num_classes, 1)

    def forward(self, inputs):
        feats = [inputs[i] for i in self.in_index]
        lateral = feats[3::-1]
        extras = feats[4:]
        slots: List[torch.Tensor] = list(lateral)
        for k, stage in enumerate('4321'):
            kv = getattr(self, f'cat_key{k + 1}')(slots + extras)
            b, c, h, w = lateral[k].shape
            out = getattr(self, f'attn_c{stage}')(
                lateral[k].flatten(2).transpose(1, 2), (h, w), kv)
            slots[k] = out.transpose(1, 2).reshape(b, c, h, w)
        size = slots[-1].shape[2:]
        fused = self.linear_fuse(
            torch.cat([
                resize(s, size=size, mode='bilinear', align_corners=False)
                for s in slots
            ], dim=1))
        if self.dropout is not None:
            fused = self.dropout(fused)
        return self.linear_pred(fused)


def release_head_cfg(head_cfg: dict) -> dict:
    """The reference head config matching one ``UMixFormerHead`` config."""
    extras = len(head_cfg['in_channels']) - 4
    return dict(
        type='ReleaseUMixFormerHead',
        in_channels=list(head_cfg['in_channels']),
        in_index=list(head_cfg.get('in_index',
                                   range(len(head_cfg['in_channels'])))),
        channels=head_cfg['channels'],
        embed_dim=head_cfg['channels'],
        num_heads=list(head_cfg.get('num_heads', (8, 5, 2, 1))),
        pool_ratio=list(head_cfg.get('pool_ratios', (1, 2, 4, 8))),
        city=head_cfg.get('query_pool_ratio', 1) > 1,
        num_multi=extras,
        dropout_ratio=head_cfg.get('dropout_ratio', 0.1),
        num_classes=head_cfg['num_classes'],
        norm_cfg=head_cfg['norm_cfg'],
        align_corners=head_cfg.get('align_corners', False),
        loss_decode=head_cfg['loss_decode'])


class ReleaseTaps:
    """Stage-3 taps as the release takes them for U-MixFormer+.

    Hooks mmseg's ``MixVisionTransformer`` so that the outputs of the
    blocks of ``stage`` whose 0-based index is a non-zero multiple of
    ``interval`` are appended to its outputs.
    """

    def __init__(self, mit: nn.Module, stage: int = 2,
                 interval: int = 6) -> None:
        self.maps: List[torch.Tensor] = []
        blocks = mit.layers[stage][1]
        for j, block in enumerate(blocks):
            if j and j % interval == 0:
                block.register_forward_hook(self._keep)
        mit.register_forward_hook(self._append)

    def _keep(self, module, args, output):
        h, w = args[1]
        self.maps.append(output.transpose(1, 2).reshape(
            output.shape[0], -1, h, w))

    def _append(self, module, args, outputs):
        maps, self.maps = self.maps, []
        return list(outputs) + maps
