"""A straightforward U-MixFormer head forward, for checks and benchmarks.

It uses the weights of a :class:`~mmseg_maskattn.models.UMixFormerHead` but
computes everything the direct way: attention as an explicit
``softmax(Q K^T / sqrt(d)) V`` and the final fusion as a 1x1 conv over the
concatenation of the upsampled decoder outputs, as in the paper's
description. The head's own forward must give the same result.
"""
from typing import List, Sequence

import torch
from mmseg.models.utils import resize

__all__ = ['reference_umixformer_forward']


def _explicit_attention(attn, query: torch.Tensor,
                        kv: torch.Tensor) -> torch.Tensor:
    b, nq, c = query.shape
    nk = kv.shape[1]
    h = attn.num_heads
    d = c // h
    q = attn.q(query).reshape(b, nq, h, d).transpose(1, 2)
    k, v = attn.kv(attn.kv_act(attn.kv_norm(kv))).reshape(b, nk, 2, h,
                                            d).permute(2, 0, 3, 1, 4)
    scores = (q @ k.transpose(-2, -1)) * d**-0.5
    out = scores.softmax(dim=-1) @ v
    out = out.transpose(1, 2).reshape(b, nq, c)
    return attn.proj_drop(attn.proj(out))


def _block(block, x: torch.Tensor, hw_shape, kv: torch.Tensor):
    x = block.norm1(x)
    kv = block.norm2(kv)
    if block.query_pool_ratio > 1:
        q, pooled_hw = block.pooled_query(x, hw_shape)
        out = _explicit_attention(block.attn, q, kv)
        b, _, c = out.shape
        out = out.transpose(1, 2).reshape(b, c, *pooled_hw)
        out = resize(out, size=hw_shape, mode='bilinear', align_corners=False)
        out = out.flatten(2).transpose(1, 2)
    else:
        out = _explicit_attention(block.attn, x, kv)
    x = x + block.drop_path(out)
    x = block.norm3(x)
    return block.ffn(x, hw_shape, identity=x)


def reference_umixformer_forward(head,
                                 inputs: Sequence[torch.Tensor]
                                 ) -> torch.Tensor:
    """Forward of ``head`` (a ``UMixFormerHead``) written the direct way."""
    feats = head._transform_inputs(inputs)
    lateral = list(feats[3::-1])
    extras = list(feats[4:])
    slots: List[torch.Tensor] = list(lateral)
    for k, (mixer, block) in enumerate(zip(head.kv_mixers, head.blocks)):
        kv = mixer(slots + extras)
        b, c, h, w = lateral[k].shape
        out = _block(block, lateral[k].flatten(2).transpose(1, 2), (h, w), kv)
        slots[k] = out.transpose(1, 2).reshape(b, c, h, w)
    size = slots[-1].shape[2:]
    fused = torch.cat([
        resize(s, size=size, mode='bilinear', align_corners=False)
        for s in slots[:-1]
    ] + [slots[-1]], dim=1)
    return head.cls_seg(head.fuse(fused))
