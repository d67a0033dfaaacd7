"""Position attention module (PAM) of DANet.

Dual Attention Network for Scene Segmentation (Fu et al., CVPR 2019),
https://arxiv.org/abs/1809.02983
"""
from typing import Optional

import torch
import torch.nn as nn
from mmcv.cnn import Scale
from mmengine.model import BaseModule
from mmseg.models.utils import nchw_to_nlc, nlc_to_nchw
from mmseg.registry import MODELS

from ...utils import is_int
from .attention import blocked_attention, split_heads

__all__ = ['PositionAttention']


def _positive_int(value, key: str) -> int:
    if not is_int(value) or value <= 0:
        raise ValueError(f'PositionAttention: {key} must be a positive int, '
                         f'got {value!r}')
    return value


@MODELS.register_module()
class PositionAttention(BaseModule):
    """DANet's position attention, without the N x N matrix.

    As published: with ``x`` (B, C, H, W) and N = H * W positions,
    ``Q = conv_q(x)`` and ``K = conv_k(x)`` are 1x1 convs to
    ``key_channels``, ``V = conv_v(x)`` keeps the width C, and::

        out = gamma * softmax(Q^T K) V + x

    with no 1/sqrt(d) scaling of the logits and a learned scalar ``gamma``
    that starts at 0. The parameter names (``query_project``,
    ``key_project``, ``value_project``, ``gamma.scale``) are those of
    mmseg's ``PAM``, so its weights load unchanged.

    The attention runs through the package's primitive
    (:func:`~mmseg_maskattn.models.layers.blocked_attention`, i.e.
    :func:`torch.nn.functional.scaled_dot_product_attention` with scale 1):

    * on a GPU, V is split into heads of ``head_channels`` channels that
      share Q and K, so one fused SDPA call covers all of them and never
      stores the (N, N) matrix;
    * on the CPU, V stays one head and the queries are processed in blocks
      of ``query_block``, so at most ``B * query_block * N`` logits exist
      at a time.

    Both give the same result as the published formula.

    Args:
        in_channels (int): Width C of the input and output.
        key_channels (int): Width of Q and K (DANet: C / 8).
        head_channels (int): Width of a V head on the GPU path; C must be a
            multiple of it, otherwise V is one head.
        query_block (int, optional): Queries per block on the CPU path;
            None = all at once.
        init_cfg (dict, optional): mmengine initialisation config. Without
            it the convs keep PyTorch's default and ``gamma`` is 0, as in
            the DANet release and mmseg.
    """

    def __init__(self,
                 *,
                 in_channels: int,
                 key_channels: int,
                 head_channels: int = 64,
                 query_block: Optional[int] = 2048,
                 init_cfg: Optional[dict] = None) -> None:
        super().__init__(init_cfg=init_cfg)
        self.in_channels = _positive_int(in_channels, 'in_channels')
        self.key_channels = _positive_int(key_channels, 'key_channels')
        self.head_channels = _positive_int(head_channels, 'head_channels')
        if query_block is not None:
            _positive_int(query_block, 'query_block')
        self.query_block = query_block
        self.key_project = nn.Conv2d(in_channels, key_channels, 1)
        self.query_project = nn.Conv2d(in_channels, key_channels, 1)
        self.value_project = nn.Conv2d(in_channels, in_channels, 1)
        self.gamma = Scale(0.0)

    def attend(self, x: torch.Tensor, split_values: bool) -> torch.Tensor:
        """``softmax(Q^T K) V`` of ``x`` (B, C, H, W), as (B, N, C).

        Args:
            x (Tensor): Input map.
            split_values (bool): Split V into ``head_channels`` heads in one
                call (the GPU path) instead of query blocks with one head.
        """
        # (B, C', H, W) -> (B, 1, N, C'): one head, shared by the V heads
        q = nchw_to_nlc(self.query_project(x)).unsqueeze(1)
        k = nchw_to_nlc(self.key_project(x)).unsqueeze(1)
        v = nchw_to_nlc(self.value_project(x))  # (B, N, C)
        c = v.shape[-1]
        if split_values and c % self.head_channels == 0:
            # (B, N, C) -> (B, C / head_channels, N, head_channels)
            v = split_heads(v, c // self.head_channels)
            out = blocked_attention(q, k, v, scale=1.0)
            # (B, heads, N, d) -> (B, N, C)
            return out.transpose(1, 2).flatten(2)
        out = blocked_attention(
            q, k, v.unsqueeze(1), query_block=self.query_block, scale=1.0)
        return out.squeeze(1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Apply PAM to ``x`` (B, C, H, W); returns (B, C, H, W)."""
        if x.shape[1] != self.in_channels:
            raise ValueError(
                f'PositionAttention: in_channels={self.in_channels} but the '
                f'input has {x.shape[1]} channels')
        out = self.attend(x, split_values=x.is_cuda)
        return self.gamma(nlc_to_nchw(out, x.shape[2:])) + x
