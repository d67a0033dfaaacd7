"""Mask attention of MaskAttn-UNet.

MaskAttn-UNet: A Mask Attention-Driven Framework for Universal Low-Resolution
Image Segmentation (Cheng et al., 2025), https://arxiv.org/abs/2503.10686

Initialisation follows the authors' code
(https://github.com/Belis0811/MaskUnet, whose README presents it as the
paper's implementation; read:
``code/coco/coco_semantic.py``, ``coco_instance.py``, ``coco_panoptic.py``,
``code/ade20k/ade_semantic.py``): the model is built and trained without any
initialisation code, so its attention's query / key / value linears and
LayerNorm start from PyTorch's defaults. Every layer of
:class:`MaskAttention` keeps PyTorch's default, which it gets when it is
built (see the class docstring and :meth:`MaskAttention.init_weights`).
"""
from typing import Optional, Tuple

import torch
import torch.nn as nn
import torch.nn.functional as F
from mmcv.cnn import build_norm_layer
from mmcv.cnn.bricks.transformer import FFN
from mmengine.model import BaseModule
from mmseg.models.utils import nchw_to_nlc, nlc_to_nchw
from mmseg.registry import MODELS

from ...utils import is_int
from .attention import check_num_heads, multi_head_attention

__all__ = ['MaskAttention']

MASK_MODES = ('hard', 'soft', 'none')


@MODELS.register_module()
class MaskAttention(BaseModule):
    """Mask attention module: masked multi-head self-attention and an FFN.

    On a feature map ``X`` (B, C, H, W), flattened to tokens, the module
    computes (the paper's Mask Attention Module, Fig. 1b, gives the masked
    attention; the residual, the norm after it and the FFN are our reading,
    the paper names no norm)::

        A = softmax(Q K^T / sqrt(d_k) + M) V        (multi-head, projected)
        X = Norm(X + A)
        X = X + FFN(X)                             (Linear-GELU-Linear)

    where the additive mask ``M`` suppresses uninformative key positions. It
    is computed from ``X`` by a learned per-position score ``s`` (a 1x1 conv
    C -> 1), shared by all heads and queries:

    * ``mask_mode='hard'``: keys with ``sigmoid(s) < 0.5`` (i.e. ``s < 0``)
      are masked out (``-inf``), with Mask2Former's rule that a query whose
      keys are all masked attends to every key (see
      :func:`~mmseg_maskattn.models.layers.masked_attention`). The
      threshold has no gradient, so ``s`` learns through a straight-through
      estimator: ``M`` also contains
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

    Initialisation (``init_cfg=None``), as in the authors' code (see the
    module docstring), is PyTorch's default for every layer:

    * ``q``, ``kv``, ``proj`` and the FFN linears ``ffn.layers.0.0`` and
      ``ffn.layers.1``: weight and bias ~ U(-1/sqrt(fan_in),
      1/sqrt(fan_in)), fan_in = C (``mlp_ratio * C`` for ``ffn.layers.1``).
    * The score conv ``score`` (1x1, C -> 1): the same, fan_in = C.
    * ``norm``: weight 1, bias 0.

    The authors' code has query / key / value linears and a LayerNorm
    (PyTorch's default there too) but no learned score, output projection
    or FFN; those follow the paper's description here. With a user
    ``init_cfg``, mmengine's initialisation from that config runs instead.

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
        check_num_heads(embed_dims, num_heads, type(self).__name__)
        if mask_mode not in MASK_MODES:
            raise ValueError(
                f'mask_mode must be one of {MASK_MODES}, got {mask_mode!r}')
        if not is_int(kv_pool) or kv_pool < 1:
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

    def init_weights(self) -> None:
        """Keep PyTorch's default, which every layer gets when it is built
        (see the class docstring).

        With ``init_cfg=None`` the weights are left as they are and no
        random number is drawn; with a user ``init_cfg``, mmengine's
        initialisation from that config runs.
        """
        if self.init_cfg is None:
            self._is_init = True
            return
        super().init_weights()

    def key_masks(
        self, kv_map: torch.Tensor
    ) -> Tuple[Optional[torch.Tensor], Optional[torch.Tensor]]:
        """Masks of the keys computed from the key/value map.

        Args:
            kv_map (Tensor): (B, C, h, w), the (pooled) map keys come from.

        Returns:
            tuple: ``(key_mask, additive_mask)`` for
            :func:`~mmseg_maskattn.models.layers.masked_attention`, each
            (B, 1, 1, h*w) or ``None``.
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
        kv_map = self.kv_pool_layer(x) if self.kv_pool > 1 else x
        # (B, C, H, W) -> (B, H*W, C)
        tokens = nchw_to_nlc(x)
        # (B, C, h, w) -> (B, h*w, 2C) -> two (B, h*w, C)
        k, v = self.kv(nchw_to_nlc(kv_map)).chunk(2, dim=-1)
        key_mask, additive_mask = self.key_masks(kv_map)
        out = multi_head_attention(
            self.q(tokens),
            k,
            v,
            self.num_heads,
            key_mask=key_mask,
            additive_mask=additive_mask,
            dropout_p=self.attn_drop if self.training else 0.0)
        tokens = self.norm(tokens + self.proj_drop(self.proj(out)))
        tokens = self.ffn(tokens)  # adds its own identity
        # (B, H*W, C) -> (B, C, H, W)
        return nlc_to_nchw(tokens, x.shape[2:])
