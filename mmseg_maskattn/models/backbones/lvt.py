"""Lite Vision Transformer (LVT) encoder.

Lite Vision Transformer with Enhanced Self-Attention (Chenglin Yang, Yilin
Wang, Jianming Zhang, He Zhang, Zijun Wei, Zhe Lin, Alan Yuille; CVPR 2022),
https://arxiv.org/abs/2112.10809

LVT is a four-stage hierarchical transformer. The first stage uses
Convolutional Self-Attention (CSA), which applies a dynamically generated
attention inside every 3x3 window on top of position-specific (convolution
like) value transforms. Stages 2-4 use Recursive Atrous Self-Attention
(RASA): global multi-head self-attention whose queries are enriched by one
depth-wise 3x3 kernel shared over several dilation rates, applied recursively
with shared weights. The blocks live in ``mmseg_maskattn/models/layers/``
(``lvt_csa``, ``lvt_rasa``, ``shared_atrous_conv``, ``lvt_ffn``,
``lvt_layer``) and the checkpoint-key converter in
``mmseg_maskattn/models/utils/lvt_checkpoint.py``.
"""
import math
import warnings
from collections import OrderedDict
from typing import List, Optional, Sequence, Union

import torch
import torch.nn as nn
from mmengine.logging import MMLogger
from mmengine.model import BaseModule
from mmengine.model.weight_init import (constant_init, normal_init,
                                        trunc_normal_init)
from mmengine.runner.checkpoint import CheckpointLoader
from mmseg.models.utils import PatchEmbed, nlc_to_nchw
from mmseg.registry import MODELS
from mmseg.utils import ConfigType, OptMultiConfig

from ..layers.lvt_csa import ConvolutionalSelfAttention
from ..layers.lvt_ffn import LVTFFN
from ..layers.lvt_layer import LVTLayer
from ..layers.shared_atrous_conv import SharedAtrousConv
from ..utils.lvt_checkpoint import is_official_lvt_key, lvt_convert

__all__ = ['LVT']


@MODELS.register_module()
class LVT(BaseModule):
    """Lite Vision Transformer encoder.

    Paper: `Lite Vision Transformer with Enhanced Self-Attention
    <https://arxiv.org/abs/2112.10809>`_ (Yang et al., CVPR 2022); the
    encoder of U-MixFormer-LVT.

    Each stage is an overlapping patch embedding (strided conv + norm)
    followed by ``num_layers[i]`` pre-norm blocks
    (:class:`~mmseg_maskattn.models.layers.LVTLayer`) whose attention is CSA
    (:class:`~mmseg_maskattn.models.layers.ConvolutionalSelfAttention`) or
    RASA
    (:class:`~mmseg_maskattn.models.layers.RecursiveAtrousSelfAttention`).
    The forward returns a list of NCHW maps, one per ``out_indices`` entry;
    for an ``H x W`` input stage ``i`` has ``embed_dims[i]`` channels and
    stride ``s_i`` = 4, 8, 16, 32 (defaults), with spatial size
    ``ceil(H / s_i) x ceil(W / s_i)`` because every embedding conv pads by
    ``kernel // 2`` (e.g. a 65x70 input gives 17x18, 9x9, 5x5 and 3x3).
    Inputs must be large enough for the RASA
    spatial reductions to keep at least one key: with the defaults
    ``ceil(H / 8) >= 4`` and ``ceil(H / 16) >= 2``, i.e. H, W >= 25.

    Defaults are LVT as released by the authors with the paper (official
    code, https://github.com/Chenglin-Yang/LVT: the ``lvt`` backbone and the
    ``rasa_cfg`` of ``configs/lvt_imagenet.py`` and of the ADE20K SegFormer
    config):

    =======  ====  =====  ======  =====  =========  ========  ======
    stage    attn  width  layers  heads  mlp ratio  sr ratio  dwconv
    =======  ====  =====  ======  =====  =========  ========  ======
    1 (/4)   CSA   64     2       2      4          (unused)  no
    2 (/8)   RASA  64     2       2      8          4         yes
    3 (/16)  RASA  160    2       5      4          2         yes
    4 (/32)  RASA  256    2       8      4          1         yes
    =======  ====  =====  ======  =====  =========  ========  ======

    Patch embeddings: 7x7 stride 4 (stage 1), 3x3 stride 2 (stages 2-4).
    CSA: 3x3 windows, stride 2. RASA: atrous rates (1, 3, 5), 2 recursions,
    SiLU. No qkv bias, GELU FFNs, LayerNorm (eps 1e-5), no extra norm on the
    stage outputs (the official segmentation backbone returns the block
    outputs directly).

    Parameters: 3,429,092 (3.43M) with the defaults, which matches the
    3.4M "backbone params" published for LVT (the per-layer breakdown is
    checked analytically in ``tests/test_models/test_backbones/test_lvt.py``).
    The ImageNet model additionally has two VOLO-style class-attention post
    layers, a class token and two classifier heads; they are not part of the
    encoder and are not built here. The K/V spatial reduction of stages 2-3
    (``sr_ratios``) is taken from the official code; it accounts for 0.34M
    of the parameters, without it the encoder would have 3.09M.

    Deviations from the official implementation (none changes the maths or
    the parameter count): tokens are kept as (B, N, C) sequences with mmseg's
    :class:`~mmseg.models.utils.PatchEmbed` instead of NHWC maps; RASA uses
    :func:`torch.nn.functional.scaled_dot_product_attention`; CSA's
    position-specific value transforms are an ``einsum`` over a
    (k*k, C, C) weight instead of a grouped 1x1 conv over unfolded windows.
    Official checkpoints are converted on load by
    :func:`~mmseg_maskattn.models.utils.lvt_convert`.

    Args:
        in_channels (int): Input image channels. Default: 3.
        embed_dims (Sequence[int]): Width of each stage; its length sets the
            number of stages. Default: (64, 64, 160, 256).
        num_layers (Sequence[int]): Blocks per stage. Default: (2, 2, 2, 2).
        num_heads (Sequence[int]): Heads per stage, each dividing its width.
            Default: (2, 2, 5, 8).
        mlp_ratios (Sequence[float]): FFN expansion per stage.
            Default: (4, 8, 4, 4).
        attn_types (Sequence[str]): ``'csa'`` or ``'rasa'`` per stage.
            Default: ('csa', 'rasa', 'rasa', 'rasa').
        sr_ratios (Sequence[int]): Key/value spatial reduction per stage;
            only read for RASA stages (CSA attends within 3x3 windows), the
            first entry is kept at the official value 8 for config symmetry
            with SegFormer. Default: (8, 4, 2, 1).
        ffn_dwconv (Sequence[bool]): Depth-wise 3x3 conv in the FFN per
            stage. Default: (False, True, True, True).
        patch_sizes (Sequence[int]): Patch-embedding kernel per stage.
            Default: (7, 3, 3, 3).
        strides (Sequence[int]): Patch-embedding stride per stage.
            Default: (4, 2, 2, 2).
        atrous_rates (Sequence[int]): RASA query dilation rates.
            Default: (1, 3, 5).
        num_recursions (int): RASA recursion depth. Default: 2.
        out_indices (int | Sequence[int]): Stages whose outputs are
            returned. Default: (0, 1, 2, 3).
        qkv_bias (bool): Bias in the attention input projections.
            Default: False.
        drop_rate (float): Dropout after projections and in FFNs.
            Default: 0.
        attn_drop_rate (float): Attention dropout. Default: 0.
        drop_path_rate (float): Stochastic depth, increased linearly from 0
            over all blocks to this value. Default: 0.
        act_cfg (dict): FFN activation. Default: dict(type='GELU').
        rasa_act_cfg (dict): RASA activation. Default: dict(type='SiLU').
        norm_cfg (dict): Token norm; it must normalise the last (channel)
            dim of (B, N, C) tokens. Default: dict(type='LN').
        pretrained (str, optional): Deprecated, use
            ``init_cfg=dict(type='Pretrained', checkpoint=...)``.
        init_cfg (dict | list[dict], optional): Initialization config. With
            ``type='Pretrained'`` the checkpoint (its ``state_dict`` or
            ``model`` entry if present) must provide every weight; official
            LVT checkpoints (keys ``backbone.<stage>.<0|1>...``) are
            converted with
            :func:`~mmseg_maskattn.models.utils.lvt_convert`, otherwise an
            optional ``prefix`` (e.g. ``'backbone.'`` for an mmseg segmentor
            checkpoint) selects and strips the keys.
    """

    def __init__(self,
                 *,
                 in_channels: int = 3,
                 embed_dims: Sequence[int] = (64, 64, 160, 256),
                 num_layers: Sequence[int] = (2, 2, 2, 2),
                 num_heads: Sequence[int] = (2, 2, 5, 8),
                 mlp_ratios: Sequence[float] = (4, 8, 4, 4),
                 attn_types: Sequence[str] = ('csa', 'rasa', 'rasa', 'rasa'),
                 sr_ratios: Sequence[int] = (8, 4, 2, 1),
                 ffn_dwconv: Sequence[bool] = (False, True, True, True),
                 patch_sizes: Sequence[int] = (7, 3, 3, 3),
                 strides: Sequence[int] = (4, 2, 2, 2),
                 atrous_rates: Sequence[int] = (1, 3, 5),
                 num_recursions: int = 2,
                 out_indices: Union[int, Sequence[int]] = (0, 1, 2, 3),
                 qkv_bias: bool = False,
                 drop_rate: float = 0.,
                 attn_drop_rate: float = 0.,
                 drop_path_rate: float = 0.,
                 act_cfg: ConfigType = dict(type='GELU'),
                 rasa_act_cfg: ConfigType = dict(type='SiLU'),
                 norm_cfg: ConfigType = dict(type='LN'),
                 pretrained: Optional[str] = None,
                 init_cfg: OptMultiConfig = None) -> None:
        if pretrained is not None:
            if init_cfg is not None:
                raise ValueError('`init_cfg` and `pretrained` cannot be set '
                                 'at the same time')
            if not isinstance(pretrained, str):
                raise ValueError('`pretrained` must be a checkpoint path, got '
                                 f'{type(pretrained).__name__}')
            warnings.warn('`pretrained` is deprecated, please use '
                          '`init_cfg=dict(type="Pretrained", checkpoint=...)`')
            init_cfg = dict(type='Pretrained', checkpoint=pretrained)
        if (isinstance(init_cfg, dict) and init_cfg.get('type') == 'Pretrained'
                and not init_cfg.get('checkpoint')):
            raise ValueError("`init_cfg` of type 'Pretrained' needs a "
                             "'checkpoint' key")
        super().__init__(init_cfg=init_cfg)

        num_stages = len(embed_dims)
        if num_stages == 0:
            raise ValueError('`embed_dims` must list at least one stage')
        per_stage = dict(
            num_layers=num_layers,
            num_heads=num_heads,
            mlp_ratios=mlp_ratios,
            attn_types=attn_types,
            sr_ratios=sr_ratios,
            ffn_dwconv=ffn_dwconv,
            patch_sizes=patch_sizes,
            strides=strides)
        for key, value in per_stage.items():
            if len(value) != num_stages:
                raise ValueError(
                    f'`{key}` must have one entry per stage ({num_stages}, '
                    f'the length of `embed_dims`), got {len(value)}: '
                    f'{tuple(value)}')
        for i, (dims, heads) in enumerate(zip(embed_dims, num_heads)):
            if heads < 1 or dims % heads != 0:
                raise ValueError(f'`num_heads[{i}]`={heads} must divide '
                                 f'`embed_dims[{i}]`={dims}')
        for i, attn_type in enumerate(attn_types):
            if attn_type not in LVTLayer.ATTN_TYPES:
                raise ValueError(f'`attn_types[{i}]` must be one of '
                                 f'{LVTLayer.ATTN_TYPES}, got '
                                 f'{attn_type!r}')
        for key in ('num_layers', 'sr_ratios', 'patch_sizes', 'strides'):
            if any(v < 1 for v in per_stage[key]):
                raise ValueError(f'`{key}` entries must be >= 1, got '
                                 f'{tuple(per_stage[key])}')
        if any(r <= 0 for r in mlp_ratios):
            raise ValueError(
                f'`mlp_ratios` entries must be > 0, got {tuple(mlp_ratios)}')
        if any(r < 1 for r in atrous_rates):
            raise ValueError(f'`atrous_rates` entries must be >= 1, got '
                             f'{tuple(atrous_rates)}')
        if num_recursions < 1:
            raise ValueError(
                f'`num_recursions` must be >= 1, got {num_recursions}')
        if not 0 <= drop_path_rate < 1:
            raise ValueError(
                f'`drop_path_rate` must be in [0, 1), got {drop_path_rate}')
        if isinstance(out_indices, int):
            out_indices = (out_indices, )
        out_indices = tuple(out_indices)
        if not out_indices or any(not 0 <= i < num_stages
                                  for i in out_indices):
            raise ValueError(f'`out_indices` must be non-empty stage indices '
                             f'in [0, {num_stages}), got {out_indices}')

        self.embed_dims = tuple(embed_dims)
        self.num_layers = tuple(num_layers)
        self.num_stages = num_stages
        self.out_indices = out_indices

        # stochastic depth rate, linear over all blocks
        dpr = torch.linspace(0, drop_path_rate, sum(num_layers)).tolist()
        self.layers = nn.ModuleList()
        block_idx = 0
        for i in range(num_stages):
            patch_embed = PatchEmbed(
                in_channels=in_channels if i == 0 else embed_dims[i - 1],
                embed_dims=embed_dims[i],
                kernel_size=patch_sizes[i],
                stride=strides[i],
                padding=patch_sizes[i] // 2,
                norm_cfg=norm_cfg)
            blocks = nn.ModuleList([
                LVTLayer(
                    embed_dims[i],
                    num_heads[i],
                    mlp_ratio=mlp_ratios[i],
                    attn_type=attn_types[i],
                    sr_ratio=sr_ratios[i],
                    ffn_dwconv=ffn_dwconv[i],
                    atrous_rates=atrous_rates,
                    num_recursions=num_recursions,
                    qkv_bias=qkv_bias,
                    drop_rate=drop_rate,
                    attn_drop_rate=attn_drop_rate,
                    drop_path_rate=dpr[block_idx + j],
                    act_cfg=act_cfg,
                    rasa_act_cfg=rasa_act_cfg,
                    norm_cfg=norm_cfg) for j in range(num_layers[i])
            ])
            block_idx += num_layers[i]
            self.layers.append(nn.ModuleList([patch_embed, blocks]))

    def init_weights(self) -> None:
        """Initialize weights as the LVT release does, or load ``init_cfg``.

        Without ``init_cfg`` every parameter gets the initialisation of the
        official LVT code (Yang et al., CVPR 2022,
        https://arxiv.org/abs/2112.10809; release
        https://github.com/Chenglin-Yang/LVT,
        ``segmentation/mmseg/models/backbones/lvt.py``, the encoder of
        U-MixFormer-LVT). The release initialises at construction (its own
        ``init_weights`` does nothing); the rule it ends up with is:

        * ``nn.Linear`` (CSA attention generator and projection, RASA q, kv
          and projection, the stage-1 FFN): truncated normal, std 0.02, cut
          at +-2; bias 0.
        * ``nn.LayerNorm``: weight 1, bias 0.
        * Patch-embedding convs and RASA spatial-reduction convs:
          N(0, sqrt(2 / fan_out)), fan_out = kh * kw * out_channels /
          groups; bias 0.
        * CSA value transforms: N(0, sqrt(2 / (k * k * C))), the fan-out of
          the release's grouped 1x1 conv; bias 0 (the release has none).
        * RASA shared atrous kernel (the release's ``init='kaiming'``):
          ``kaiming_uniform_`` (a=0, fan-in 9), U(+-sqrt(6 / 9)); bias
          U(+-1/3).
        * FFNs with the depth-wise conv (stages 2-4): fc1, dwconv and fc2
          keep PyTorch's default, U(+-1/sqrt(fan_in)) for weight and bias.
          In the release they are ``nn.Conv2d`` layers (1x1, 3x3
          depth-wise, 1x1), which no init touches: the model-wide init
          covers only ``nn.Linear`` and ``nn.LayerNorm``. Our fc1 / fc2
          are the equivalent ``nn.Linear`` layers, with the same default.
        """
        init_cfg = self.init_cfg
        if init_cfg is None:
            torch_default = {
                layer
                for m in self.modules()
                if isinstance(m, LVTFFN) and m.dwconv is not None
                for layer in (m.fc1, m.dwconv, m.fc2)
            }
            for m in self.modules():
                if m in torch_default or isinstance(
                        m, (ConvolutionalSelfAttention, SharedAtrousConv)):
                    m.reset_parameters()
                elif isinstance(m, nn.Linear):
                    trunc_normal_init(m, std=.02, bias=0.)
                elif isinstance(m, nn.LayerNorm):
                    constant_init(m, val=1.0, bias=0.)
                elif isinstance(m, nn.Conv2d):
                    fan_out = (m.kernel_size[0] * m.kernel_size[1] *
                               m.out_channels) // m.groups
                    normal_init(
                        m, mean=0, std=math.sqrt(2.0 / fan_out), bias=0)
        elif (isinstance(init_cfg, dict)
              and init_cfg.get('type') == 'Pretrained'):
            self._load_pretrained(init_cfg['checkpoint'],
                                  init_cfg.get('prefix'))
        else:
            super().init_weights()

    def _load_pretrained(self, checkpoint: str,
                         prefix: Optional[str] = None) -> None:
        """Load a checkpoint, converting official LVT keys.

        ``prefix`` is applied first, so an mmseg segmentor checkpoint
        (``'backbone.'``) and a U-MixFormer-LVT release checkpoint, whose
        backbone is stored as ``backbone.backbone.<stage>...``
        (``prefix='backbone.'`` leaves LVT's official layout), both load.
        Every weight of this backbone must come from the checkpoint: a
        missing key, or a shape that does not fit, raises a ``ValueError``
        naming the checkpoint and the keys. Extra keys (e.g. the ImageNet
        classifier) are ignored.
        """
        ckpt = CheckpointLoader.load_checkpoint(
            checkpoint, map_location="cpu",
            logger=MMLogger.get_current_instance())
        state_dict = ckpt
        for key in ('state_dict', 'model'):  # mmengine / timm layouts
            if isinstance(ckpt, dict) and key in ckpt:
                state_dict = ckpt[key]
                break
        if prefix:
            state_dict = OrderedDict((k[len(prefix):], v)
                                     for k, v in state_dict.items()
                                     if k.startswith(prefix))
            if not state_dict:
                raise ValueError(f'no key of {checkpoint} starts with the '
                                 f'`init_cfg` prefix {prefix!r}')
        if any(is_official_lvt_key(k) for k in state_dict):
            state_dict = lvt_convert(state_dict)
        own = self.state_dict()
        missing = sorted(set(own) - set(state_dict))
        wrong = sorted(f'{k}: {tuple(state_dict[k].shape)} vs '
                       f'{tuple(v.shape)}' for k, v in own.items()
                       if k in state_dict and state_dict[k].shape != v.shape)
        if missing or wrong:
            raise ValueError(
                f'LVT: {checkpoint} (prefix {prefix!r}) leaves '
                f'{len(missing)} of {len(own)} weights unloaded: '
                f'{missing[:8]}{" ..." if len(missing) > 8 else ""}; '
                f'shape mismatches (checkpoint vs model): {wrong}')
        self.load_state_dict(
            OrderedDict((k, state_dict[k]) for k in own), strict=True)

    def forward(self, x: torch.Tensor) -> List[torch.Tensor]:
        """Return the NCHW maps of the ``out_indices`` stages."""
        outs = []
        for i, (patch_embed, blocks) in enumerate(self.layers):
            x, hw_shape = patch_embed(x)  # (B, H_i * W_i, C_i)
            for block in blocks:
                x = block(x, hw_shape)
            x = nlc_to_nchw(x, hw_shape)  # (B, C_i, H_i, W_i)
            if i in self.out_indices:
                outs.append(x)
        return outs
