"""A straightforward U-MixFormer head forward, for checks and benchmarks.

U-MixFormer: UNet-like Transformer with Mix-Attention for Efficient Semantic
Segmentation (Yeom & von Klitzing, WACV 2025),
https://arxiv.org/abs/2312.06272

It uses the weights of a :class:`~mmseg_maskattn.models.UMixFormerHead` but
computes everything the direct way: attention as an explicit
``softmax(Q K^T / sqrt(d)) V`` and the final fusion as a 1x1 conv over the
concatenation of the upsampled decoder outputs, as in the paper's
description. The head's own forward must give the same result. Only public
attributes and methods of the head and its blocks are used.
"""
from typing import List, Sequence, Tuple

import torch
import torch.nn as nn
from mmseg.models.utils import nchw_to_nlc, nlc_to_nchw, resize

__all__ = ['reference_umixformer_forward']


def _explicit_attention(attn: nn.Module, query: torch.Tensor,
                        kv: torch.Tensor) -> torch.Tensor:
    """Mix-attention of ``attn`` (a ``MixAttention``) as an explicit softmax.

    Args:
        attn (nn.Module): The block's attention, whose ``q``, ``kv``,
            ``kv_norm``, ``kv_act``, ``proj`` and ``proj_drop`` are used.
        query (Tensor): Query tokens (B, Nq, C).
        kv (Tensor): Mixed key/value tokens (B, Nk, C_kv).

    Returns:
        Tensor: (B, Nq, C).
    """
    b, nq, c = query.shape
    nk = kv.shape[1]
    h = attn.num_heads
    d = c // h
    q = attn.q(query).reshape(b, nq, h, d).transpose(1, 2)
    k, v = attn.kv(attn.kv_act(attn.kv_norm(kv))).reshape(
        b, nk, 2, h, d).permute(2, 0, 3, 1, 4)
    scores = (q @ k.transpose(-2, -1)) * d**-0.5
    out = scores.softmax(dim=-1) @ v
    out = out.transpose(1, 2).reshape(b, nq, c)
    return attn.proj_drop(attn.proj(out))


def _block(block: nn.Module, x: torch.Tensor, hw_shape: Tuple[int, int],
           kv: torch.Tensor) -> torch.Tensor:
    """One ``MixAttentionBlock`` (B, H*W, C) -> (B, H*W, C), written out."""
    x = block.norm1(x)
    kv = block.norm2(kv)
    if block.query_pool_ratio > 1:
        q, pooled_hw = block.pooled_query(x, hw_shape)
        out = nlc_to_nchw(_explicit_attention(block.attn, q, kv), pooled_hw)
        out = resize(out, size=hw_shape, mode='bilinear', align_corners=False)
        out = nchw_to_nlc(out)
    else:
        out = _explicit_attention(block.attn, x, kv)
    x = x + block.drop_path(out)
    x = block.norm3(x)
    return block.ffn(x, hw_shape, identity=x)


def reference_umixformer_forward(head: nn.Module,
                                 inputs: Sequence[torch.Tensor]
                                 ) -> torch.Tensor:
    """Forward of ``head`` (a ``UMixFormerHead``) written the direct way.

    Args:
        head (nn.Module): The head whose weights are used.
        inputs (Sequence[Tensor]): Backbone outputs; the head's ``in_index``
            selects its inputs (its ``input_transform`` is always
            ``'multiple_select'``).

    Returns:
        Tensor: Segmentation logits at the resolution of the first selected
        input.
    """
    feats = [inputs[i] for i in head.in_index]
    lateral = list(feats[3::-1])
    extras = list(feats[4:])
    slots: List[torch.Tensor] = list(lateral)
    for k, (mixer, block) in enumerate(zip(head.kv_mixers, head.blocks)):
        kv = mixer(slots + extras)
        hw_shape = tuple(lateral[k].shape[2:])
        out = _block(block, nchw_to_nlc(lateral[k]), hw_shape, kv)
        slots[k] = nlc_to_nchw(out, hw_shape)
    size = slots[-1].shape[2:]
    fused = torch.cat([
        resize(s, size=size, mode='bilinear', align_corners=False)
        for s in slots[:-1]
    ] + [slots[-1]], dim=1)
    return head.cls_seg(head.fuse(fused))
