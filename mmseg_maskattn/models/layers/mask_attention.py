"""Mask attention of MaskAttn-UNet.

MaskAttn-UNet: A Mask Attention-Driven Framework for Universal Low-Resolution
Image Segmentation (Cheng et al., 2025), https://arxiv.org/abs/2503.10686

The key-masking rule of :func:`masked_attention` (a query whose keys are all
masked attends to every key instead) is the one of the masked attention of
Mask2Former (Cheng et al., CVPR 2022), https://arxiv.org/abs/2112.01527
"""
from typing import Optional, Tuple

import torch
import torch.nn as nn
import torch.nn.functional as F
from mmcv.cnn import build_norm_layer
from mmcv.cnn.bricks.transformer import FFN
from mmengine.model import BaseModule
from mmseg.registry import MODELS

__all__ = ['MaskAttention', 'masked_attention']

MASK_MODES = ('hard', 'soft', 'none')


def masked_attention(q: torch.Tensor,
                     k: torch.Tensor,
                     v: torch.Tensor,
                     key_mask: Optional[torch.Tensor] = None,
                     additive_mask: Optional[torch.Tensor] = None,
                     dropout_p: float = 0.0) -> torch.Tensor:
    """Scaled dot-product attention with Mask2Former's key-masking rule.

    Computes ``softmax(q k^T / sqrt(d) + additive_mask) v`` where the keys
    flagged by ``key_mask`` get ``-inf`` logits. As in Mask2Former, a query
    whose keys are *all* flagged drops its key mask and attends to every key
    (the additive mask still applies), so that no softmax row is empty. The
    attention itself is
    :func:`torch.nn.functional.scaled_dot_product_attention`.

    Both masks only need to be broadcastable to (B, heads, Nq, Nk): a
    per-key mask of shape (B, 1, 1, Nk) (self-attention with one score per
    position) is never expanded to the full (Nq, Nk) matrix here, while a
    Mask2Former-style cross-attention passes (B, heads, Nq, Nk).

    Args:
        q (Tensor): Queries (B, heads, Nq, d).
        k (Tensor): Keys (B, heads, Nk, d).
        v (Tensor): Values (B, heads, Nk, dv).
        key_mask (Tensor, optional): Boolean, ``True`` marks a key that is
            masked out for that query (Mask2Former convention; note that it
            is the opposite of the boolean ``attn_mask`` of SDPA).
        additive_mask (Tensor, optional): Floating-point bias added to the
            scaled logits. It must not by itself mask out a whole row with
            ``-inf`` (that row would be NaN); use ``key_mask`` for that.
        dropout_p (float): Dropout on the attention weights; pass 0 at
            evaluation time.

    Returns:
        Tensor: (B, heads, Nq, dv).
    """
    attn_mask = additive_mask
    if key_mask is not None:
        if key_mask.dtype != torch.bool:
            raise ValueError(
                f'key_mask must be a boolean tensor, got {key_mask.dtype}')
        # a query whose keys are all masked attends everywhere instead
        key_mask = key_mask & ~key_mask.all(dim=-1, keepdim=True)
    if attn_mask is None and key_mask is None:
        return F.scaled_dot_product_attention(q, k, v, dropout_p=dropout_p)
    per_key = all(m is None or m.shape[-2] == 1
                  for m in (key_mask, additive_mask))
    if per_key:
        bias = q.new_zeros(()) if additive_mask is None else \
            additive_mask.to(q.dtype)
        if key_mask is not None:
            bias = torch.where(key_mask, _MASKED_LOGIT, bias)
        return _attention_with_key_bias(q, k, v, bias, dropout_p)
    if key_mask is not None:
        if additive_mask is None:
            attn_mask = ~key_mask  # SDPA's boolean mask: True = attend
        else:
            attn_mask = torch.where(key_mask, float('-inf'), additive_mask)
    if attn_mask.dtype != torch.bool:
        attn_mask = attn_mask.to(q.dtype)
    return F.scaled_dot_product_attention(
        q, k, v, attn_mask=attn_mask, dropout_p=dropout_p)


# logit of a masked key on the fast path: exp(-1e4) is 0 in every float
# format, and unlike -inf it keeps the backward pass free of 0 * inf
_MASKED_LOGIT = -1e4


def _attention_with_key_bias(q: torch.Tensor, k: torch.Tensor,
                             v: torch.Tensor, bias: torch.Tensor,
                             dropout_p: float) -> torch.Tensor:
    """``softmax(q k^T / sqrt(d) + bias) v`` for a bias that depends on the
    key only (broadcastable to (B, heads, 1, Nk)).

    The bias is folded into the dot product instead of being passed as an
    ``attn_mask``: with ``q' = [q, 1]`` and ``k' = [k, bias * sqrt(d)]``,
    ``q' k'^T / sqrt(d) = q k^T / sqrt(d) + bias``. Without a mask, and with
    ``v`` padded to the same width, SDPA can use its fused kernel instead of
    materialising the (Nq, Nk) score matrix (about 2.5x faster on a CPU for
    16384 queries and 256 keys, forward + backward).
    """
    b, h, nk, d = k.shape
    scale = d**-0.5
    # (B, 1|heads, 1, Nk) -> (B, heads, Nk, 1)
    bias = bias.expand(b, h, 1, nk).transpose(-1, -2)
    q = torch.cat([q, q.new_ones(q.shape[:-1] + (1, ))], dim=-1)
    k = torch.cat([k, bias / scale], dim=-1)
    dv = v.shape[-1]
    if dv == d:  # same width as q', k' for the fused kernel
        v = torch.cat([v, v.new_zeros(v.shape[:-1] + (1, ))], dim=-1)
    out = F.scaled_dot_product_attention(
        q, k, v, dropout_p=dropout_p, scale=scale)
    return out[..., :dv]


@MODELS.register_module()
class MaskAttention(BaseModule):
    """Mask attention module: masked multi-head self-attention and an FFN.

    On a feature map ``X`` (B, C, H, W), flattened to tokens, the module
    computes (the paper's Mask Attention Module, Fig. 1b)::

        A = softmax(Q K^T / sqrt(d_k) + M) V        (multi-head, projected)
        X = Norm(X + A)
        X = X + FFN(X)                             (Linear-GELU-Linear)

    where the additive mask ``M`` suppresses uninformative key positions. It
    is computed from ``X`` by a learned per-position score ``s`` (a 1x1 conv
    C -> 1), shared by all heads and queries:

    * ``mask_mode='hard'``: keys with ``sigmoid(s) < 0.5`` (i.e. ``s < 0``)
      are masked out (``-inf``), with Mask2Former's rule that a query whose
      keys are all masked attends to every key (see
      :func:`masked_attention`). The threshold has no gradient, so ``s``
      learns through a straight-through estimator: ``M`` also contains
      ``log sigmoid(s) - stopgrad(log sigmoid(s))``, which is exactly zero in
      the forward pass (the output is plain attention restricted to the kept
      keys) and has the gradient of the soft mask below. The gradient of a
      dropped key's logit is zero (its attention weight is zero), so ``s``
      learns from the kept keys only: a dropped position is revived only
      indirectly, through the shared score conv. Use ``'soft'`` or an
      auxiliary loss on ``s`` if dropped keys need a direct signal.
    * ``mask_mode='soft'``: ``M = log sigmoid(s)`` for every query, a
      differentiable down-weighting of each key by ``sigmoid(s)``.
    * ``mask_mode='none'``: plain self-attention; no score conv is built.

    Memory and compute: the attention is quadratic in the number of
    positions. At 128x128 there are 16384 keys, i.e. a 16384 x 16384 score
    matrix per head and image (1 GiB in float32 wherever a kernel
    materialises it, as the CPU math kernel does; fused kernels avoid the
    memory but not the ``O((HW)^2 C)`` compute). With ``kv_pool = r > 1`` the
    keys and values are taken from ``X`` average-pooled by ``r`` (ceil mode,
    so odd sizes keep their border), which divides the memory and compute of
    the attention by about ``r^2`` while the queries, hence the output, stay
    at full resolution. The price is coarser keys: each pooled key stands for
    an ``r x r`` window, and so does its mask. The score is computed on the
    pooled map, which equals the average pool of the per-pixel scores (the
    1x1 conv is affine and the pool averages in-bound pixels only); in hard
    mode a pooled key is therefore kept when the mean score of its window
    is >= 0.

    Args:
        embed_dims (int): Channels ``C`` of the input and of the output.
        num_heads (int): Attention heads; must divide ``embed_dims``.
        mask_mode (str): ``'hard'``, ``'soft'`` or ``'none'`` (see above).
        kv_pool (int): Average-pooling factor of the keys and values
            (1 = full resolution).
        mlp_ratio (int): Hidden width of the FFN over ``embed_dims``.
        attn_drop (float): Dropout on the attention weights (training only).
        drop_rate (float): Dropout after the output projection and in the
            FFN.
        act_cfg (dict): Activation of the FFN.
        norm_cfg (dict): Normalisation after the attention residual; it acts
            on tokens (B, H*W, C), so a token norm such as LN is expected.
        init_cfg (dict, optional): mmengine initialisation config.
    """

    def __init__(self,
                 *,
                 embed_dims: int,
                 num_heads: int = 4,
                 mask_mode: str = 'hard',
                 kv_pool: int = 1,
                 mlp_ratio: int = 4,
                 attn_drop: float = 0.0,
                 drop_rate: float = 0.0,
                 act_cfg: dict = dict(type='GELU'),
                 norm_cfg: dict = dict(type='LN'),
                 init_cfg: Optional[dict] = None) -> None:
        super().__init__(init_cfg=init_cfg)
        if embed_dims <= 0:
            raise ValueError(f'embed_dims must be positive, got {embed_dims}')
        if num_heads <= 0 or embed_dims % num_heads != 0:
            raise ValueError(
                f'num_heads={num_heads} must be positive and divide '
                f'embed_dims={embed_dims}')
        if mask_mode not in MASK_MODES:
            raise ValueError(
                f'mask_mode must be one of {MASK_MODES}, got {mask_mode!r}')
        if not isinstance(kv_pool, int) or kv_pool < 1:
            raise ValueError(f'kv_pool must be an int >= 1, got {kv_pool!r}')
        if mlp_ratio <= 0:
            raise ValueError(f'mlp_ratio must be positive, got {mlp_ratio}')
        self.embed_dims = embed_dims
        self.num_heads = num_heads
        self.mask_mode = mask_mode
        self.kv_pool = kv_pool
        self.attn_drop = attn_drop
        if kv_pool > 1:
            self.kv_pool_layer = nn.AvgPool2d(
                kv_pool, kv_pool, ceil_mode=True)
        if mask_mode != 'none':
            self.score = nn.Conv2d(embed_dims, 1, 1)
        self.q = nn.Linear(embed_dims, embed_dims)
        self.kv = nn.Linear(embed_dims, 2 * embed_dims)
        self.proj = nn.Linear(embed_dims, embed_dims)
        self.proj_drop = nn.Dropout(drop_rate)
        self.norm = build_norm_layer(norm_cfg, embed_dims)[1]
        self.ffn = FFN(
            embed_dims=embed_dims,
            feedforward_channels=mlp_ratio * embed_dims,
            num_fcs=2,
            act_cfg=act_cfg,
            ffn_drop=drop_rate,
            add_identity=True)

    def key_masks(
        self, kv_map: torch.Tensor
    ) -> Tuple[Optional[torch.Tensor], Optional[torch.Tensor]]:
        """Masks of the keys computed from the key/value map.

        Args:
            kv_map (Tensor): (B, C, h, w), the (pooled) map keys come from.

        Returns:
            tuple: ``(key_mask, additive_mask)`` for
            :func:`masked_attention`, each (B, 1, 1, h*w) or ``None``.
        """
        if self.mask_mode == 'none':
            return None, None
        # (B, 1, h, w) -> (B, 1, 1, h*w): one score per key, shared by the
        # heads and the queries
        s = self.score(kv_map).flatten(2).unsqueeze(1)
        log_keep = F.logsigmoid(s)
        if self.mask_mode == 'soft':
            return None, log_keep
        # hard: sigmoid(s) < 0.5 <=> s < 0; straight-through soft gradient
        return s < 0, log_keep - log_keep.detach()

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Apply the module to ``x`` (B, C, H, W).

        Returns:
            Tensor: (B, C, H, W).
        """
        b, c, h, w = x.shape
        head_dims = c // self.num_heads
        kv_map = self.kv_pool_layer(x) if self.kv_pool > 1 else x
        nk = kv_map.shape[2] * kv_map.shape[3]
        # (B, C, H, W) -> (B, H*W, C)
        tokens = x.flatten(2).transpose(1, 2)
        # (B, H*W, C) -> (B, heads, H*W, C / heads)
        q = self.q(tokens).reshape(b, h * w, self.num_heads,
                                   head_dims).transpose(1, 2)
        # (B, C, h, w) -> (B, h*w, 2C) -> (2, B, heads, h*w, C / heads)
        k, v = self.kv(kv_map.flatten(2).transpose(1, 2)).reshape(
            b, nk, 2, self.num_heads, head_dims).permute(2, 0, 3, 1, 4)
        key_mask, additive_mask = self.key_masks(kv_map)
        out = masked_attention(
            q,
            k,
            v,
            key_mask=key_mask,
            additive_mask=additive_mask,
            dropout_p=self.attn_drop if self.training else 0.0)
        # (B, heads, H*W, C / heads) -> (B, H*W, C)
        out = out.transpose(1, 2).reshape(b, h * w, c)
        tokens = self.norm(tokens + self.proj_drop(self.proj(out)))
        tokens = self.ffn(tokens)  # adds its own identity
        # (B, H*W, C) -> (B, C, H, W)
        return tokens.transpose(1, 2).reshape(b, c, h, w)
