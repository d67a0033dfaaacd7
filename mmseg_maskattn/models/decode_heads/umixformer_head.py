"""U-MixFormer decode head.

U-MixFormer: UNet-like Transformer with Mix-Attention for Efficient Semantic
Segmentation (Yeom & von Klitzing, WACV 2025),
https://arxiv.org/abs/2312.06272
"""
from typing import List, Optional, Sequence

import torch
import torch.nn as nn
import torch.nn.functional as F
from mmcv.cnn import ConvModule
from mmengine.model import ModuleList
from mmseg.models.decode_heads.decode_head import BaseDecodeHead
from mmseg.models.utils import resize
from mmseg.registry import MODELS

from ...utils import is_int
from ..layers import MixAttentionBlock

__all__ = ['UMixFormerHead']

_NUM_STAGES = 4


class _KVMixer(nn.Module):
    """Aligns the key/value slots of one decoder stage and concatenates them.

    Every slot with pool ratio ``r > 1`` is average-pooled with kernel =
    stride = ``r`` (``ceil_mode``) and projected by a 1x1 conv; a slot with
    ``r == 1`` is used as it is. ``convs[i]`` is the conv of the i-th pooled
    slot, in slot order.

    With ``grid_scale = s > 1`` (ours, not the release's) the key grid is
    ``s`` times finer: a slot with ``r > 1`` is pooled by ``r // s`` only
    (not at all when that is 1) and keeps its 1x1 conv, and a slot coarser
    than the grid (``r < s``) is resized bilinearly onto the grid, which is
    the size of the slots with ``r >= s``. The parameters are the same for
    every ``s``.
    """

    def __init__(self,
                 channels: Sequence[int],
                 pool_ratios: Sequence[int],
                 grid_scale: int = 1) -> None:
        super().__init__()
        self.pool_ratios = tuple(pool_ratios)
        self.grid_scale = grid_scale
        self.pools = nn.ModuleList()
        self.convs = nn.ModuleList()
        for c, r in zip(channels, pool_ratios):
            if r > 1:
                stride = max(r // grid_scale, 1)
                self.pools.append(
                    nn.AvgPool2d(stride, stride, ceil_mode=True)
                    if stride > 1 else nn.Identity())
                self.convs.append(nn.Conv2d(c, c, 1))

    def forward(self, slots: Sequence[torch.Tensor]) -> torch.Tensor:
        aligned = []
        pooled = 0
        for x, r in zip(slots, self.pool_ratios):
            if r > 1:
                x = self.convs[pooled](self.pools[pooled](x))
                pooled += 1
            aligned.append(x)
        if self.grid_scale > 1:
            grid = next(x.shape[2:] for x, r in zip(aligned, self.pool_ratios)
                        if r >= self.grid_scale)
            aligned = [
                x if x.shape[2:] == grid else resize(
                    x, size=grid, mode='bilinear', align_corners=False)
                for x in aligned
            ]
        # list of (B, C_j, h, w) -> (B, h*w, sum C_j)
        return torch.cat(aligned, dim=1).flatten(2).transpose(1, 2)


@MODELS.register_module()
class UMixFormerHead(BaseDecodeHead):
    """U-MixFormer: a U-Net-like decoder built from mix-attention blocks.

    Decoder stages run coarse to fine (i = 4, 3, 2, 1). Stage i takes the
    lateral encoder feature E_i as query, so the decoder widths equal the
    encoder widths. Its keys/values are the *mix* of four slots
    [slot4, slot3, slot2, slot1], where slot j is the decoder output D_j once
    it has been computed and the encoder feature E_j before; each slot is
    aligned to the coarsest grid (average pooling by ``pool_ratios`` plus a
    1x1 conv, none for an unpooled slot) and the slots are concatenated along
    channels. Finally D4, D3, D2 are upsampled to the resolution of D1,
    concatenated with it ([D4, D3, D2, D1]) and fused by a 1x1 ConvModule
    (``channels`` outputs, BN, ReLU), followed by Dropout2d and the 1x1
    classifier ``conv_seg``.

    Initialisation follows the official release (``init_cfg=None``): each
    block initialises itself as :class:`MixAttentionBlock` documents, the 1x1
    convs of the key/value mixers and the classifier ``conv_seg`` (the
    release's ``linear_pred``) keep PyTorch's default initialisation, and the
    fusion ConvModule keeps its own (Kaiming normal by fan-out, BN weight 1).

    Inputs beyond the first four (U-MixFormer+, see
    :class:`~mmseg_maskattn.models.backbones.MixVisionTransformerPlus`) are
    extra key/value maps: each is pooled by ``extra_pool_ratio`` plus a 1x1
    conv and appended to the mix of every stage.

    Args:
        num_heads (Sequence[int]): Heads of the decoder stages 4, 3, 2, 1.
        pool_ratios (Sequence[int]): Pooling of slots 4, 3, 2, 1 onto the key
            grid: (1, 2, 4, 8) for ADE20K (keys at 1/32), (2, 4, 8, 16) for
            the Cityscapes variant (keys at 1/64).
        extra_pool_ratio (int): Pooling of the extra key/value maps.
        query_pool_ratio (int): Pooling of the queries before attention
            (2 in the Cityscapes variant, 1 = none).
        kv_norm (bool): A second LayerNorm on the key/value input inside
            each attention (True in the Cityscapes variant of the release).
        kv_grid_scale (int): Ours, not the release's; 1 (the default) is the
            release. Aligns the key/value slots on a grid ``kv_grid_scale``
            times finer than ``pool_ratios`` give (see ``_KVMixer``), with
            the same parameters; set only by the
            ``projects/umixformer_camvid`` study of the key grid at low
            resolution.
        mlp_ratio (int): Hidden width ratio of the Mix-FFN.
        drop_path_rate (float): Stochastic depth of every block.
        attn_drop (float): Dropout on the attention weights.
        block_norm_cfg (dict): Token normalisation of the blocks.
        **kwargs: Forwarded to :class:`BaseDecodeHead` (``in_channels`` as
            [C1, C2, C3, C4, extras...], ``channels`` = fuse width,
            ``num_classes``, ``norm_cfg``, ``dropout_ratio``, losses, ...).
    """

    def __init__(self,
                 *,
                 num_heads: Sequence[int] = (8, 5, 2, 1),
                 pool_ratios: Sequence[int] = (1, 2, 4, 8),
                 extra_pool_ratio: int = 2,
                 query_pool_ratio: int = 1,
                 kv_norm: bool = False,
                 kv_grid_scale: int = 1,
                 mlp_ratio: int = 4,
                 drop_path_rate: float = 0.1,
                 attn_drop: float = 0.0,
                 block_norm_cfg: dict = dict(type='LN'),
                 init_cfg: Optional[List[dict]] = None,
                 **kwargs) -> None:
        in_channels = kwargs.get('in_channels')
        if not isinstance(in_channels, (list, tuple)) or \
                len(in_channels) < _NUM_STAGES:
            raise ValueError(
                'UMixFormerHead: in_channels must list the widths of the 4 '
                'encoder stages (fine to coarse) plus any extra key/value '
                f'maps, got in_channels={in_channels!r}')
        kwargs.setdefault('in_index', list(range(len(in_channels))))
        in_index = kwargs['in_index']
        if not isinstance(in_index, (list, tuple)) or \
                len(in_index) != len(in_channels):
            raise ValueError(
                f'UMixFormerHead: in_index={in_index!r} must be a list with '
                f'one entry per in_channels={list(in_channels)!r}')
        kwargs.setdefault('input_transform', 'multiple_select')
        if kwargs['input_transform'] != 'multiple_select':
            raise ValueError('UMixFormerHead: input_transform must be '
                             f"'multiple_select', got "
                             f"{kwargs['input_transform']!r}")
        for key, value in (('num_heads', num_heads),
                           ('pool_ratios', pool_ratios)):
            if len(value) != _NUM_STAGES:
                raise ValueError(f'UMixFormerHead: {key} needs one entry per '
                                 f'decoder stage (4), got {list(value)!r}')
        if not (is_int(kv_grid_scale) and kv_grid_scale >= 1):
            raise ValueError('UMixFormerHead: kv_grid_scale must be an int '
                             f'>= 1, got {kv_grid_scale!r}')
        if kv_grid_scale > 1:
            ratios = list(pool_ratios) + [extra_pool_ratio]
            if max(ratios) < kv_grid_scale or any(
                    r % kv_grid_scale and kv_grid_scale % r for r in ratios):
                raise ValueError(
                    f'UMixFormerHead: kv_grid_scale={kv_grid_scale} must '
                    'divide or be divisible by every pool ratio, and one '
                    f'ratio must reach it; got pool_ratios='
                    f'{list(pool_ratios)}, extra_pool_ratio='
                    f'{extra_pool_ratio}')
        # decoder stage k (4, 3, 2, 1) attends at the width of encoder stage
        # k: name in_channels, the key a user changes, not the block's dims
        for k, heads in enumerate(num_heads):
            i = _NUM_STAGES - 1 - k
            if not (is_int(heads) and heads > 0 and is_int(in_channels[i])
                    and in_channels[i] % heads == 0):
                raise ValueError(
                    f'UMixFormerHead: in_channels[{i}]={in_channels[i]!r} '
                    f'is not divisible by num_heads[{k}]={heads!r} (decoder '
                    f'stage {_NUM_STAGES - k}); in_channels must be the '
                    f'widths of the backbone outputs (e.g. MiT-B0: '
                    f'[32, 64, 160, 256]) and num_heads must divide them')
        super().__init__(init_cfg=init_cfg, **kwargs)

        stage_dims = list(self.in_channels[:_NUM_STAGES])  # C1..C4
        extra_dims = list(self.in_channels[_NUM_STAGES:])
        slot_dims = stage_dims[::-1] + extra_dims  # slot4..slot1, extras
        slot_ratios = list(pool_ratios) + [extra_pool_ratio] * len(extra_dims)
        kv_dims = sum(slot_dims)
        self.num_extra_kv = len(extra_dims)

        # index k runs over the decoder stages 4, 3, 2, 1
        self.kv_mixers = nn.ModuleList(
            _KVMixer(slot_dims, slot_ratios, kv_grid_scale)
            for _ in range(_NUM_STAGES))
        # mmengine's ModuleList, so that init_weights reaches the blocks
        self.blocks = ModuleList(
            MixAttentionBlock(
                embed_dims=dims,
                kv_dims=kv_dims,
                num_heads=heads,
                mlp_ratio=mlp_ratio,
                drop_path_rate=drop_path_rate,
                attn_drop=attn_drop,
                query_pool_ratio=query_pool_ratio,
                kv_norm=kv_norm,
                norm_cfg=block_norm_cfg)
            for dims, heads in zip(stage_dims[::-1], num_heads))
        self.fuse = ConvModule(
            sum(stage_dims),
            self.channels,
            kernel_size=1,
            conv_cfg=self.conv_cfg,
            norm_cfg=self.norm_cfg,
            act_cfg=self.act_cfg)

    def _check_inputs(self, feats: Sequence[torch.Tensor]) -> None:
        for i, (feat, dims) in enumerate(zip(feats, self.in_channels)):
            if feat.shape[1] != dims:
                raise ValueError(
                    f'UMixFormerHead: in_channels[{i}]={dims} but the '
                    f'backbone output {self.in_index[i]} has {feat.shape[1]} '
                    'channels; set decode_head.in_channels to the widths of '
                    'the backbone outputs')

    def forward(self, inputs: Sequence[torch.Tensor]) -> torch.Tensor:
        """Decode multi-level features [E1, E2, E3, E4, extras...]."""
        feats = self._transform_inputs(inputs)
        self._check_inputs(feats)
        lateral = list(feats[_NUM_STAGES - 1::-1])  # E4, E3, E2, E1
        extras = list(feats[_NUM_STAGES:])
        slots = list(lateral)
        for k, (mixer, block) in enumerate(zip(self.kv_mixers, self.blocks)):
            kv = mixer(slots + extras)
            b, c, h, w = lateral[k].shape
            # (B, C, H, W) -> (B, H*W, C)
            query = lateral[k].flatten(2).transpose(1, 2)
            out = block(query, (h, w), kv)
            # (B, H*W, C) -> (B, C, H, W)
            slots[k] = out.transpose(1, 2).reshape(b, c, h, w)
        return self.cls_seg(self._fuse(slots))

    def _fuse(self, slots: List[torch.Tensor]) -> torch.Tensor:
        """``fuse(cat([up(D4), up(D3), up(D2), D1]))``, computed cheaply.

        A 1x1 conv of a channel concatenation is the sum of 1x1 convs of the
        parts, and bilinear upsampling is linear with weights summing to 1,
        so it commutes with a 1x1 conv. Each slot is therefore projected to
        ``channels`` at its own resolution before upsampling: the result is
        the same, but the convolution runs on 1/4-resolution maps of width
        ``channels`` only once instead of on the concatenation of all widths.
        """
        conv = self.fuse.conv
        size = slots[-1].shape[2:]
        weights = torch.split(conv.weight, self.in_channels[_NUM_STAGES - 1::-1],
                              dim=1)
        out = None
        for slot, weight in zip(slots, weights):
            proj = F.conv2d(slot, weight)
            if proj.shape[2:] != size:
                proj = resize(proj, size=size, mode='bilinear',
                              align_corners=False)
            out = proj if out is None else out + proj
        if conv.bias is not None:
            out = out + conv.bias.view(1, -1, 1, 1)
        if self.fuse.with_norm:
            out = self.fuse.norm(out)
        if self.fuse.with_activation:
            out = self.fuse.activate(out)
        return out
