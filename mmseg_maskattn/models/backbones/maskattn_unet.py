"""U-Net encoder-decoder with mask attention at every scale.

MaskAttn-UNet: A Mask Attention-Driven Framework for Universal
Low-Resolution Image Segmentation (Cheng et al., 2025),
https://arxiv.org/abs/2503.10686

Initialisation: the authors' code (https://github.com/Belis0811/MaskUnet,
whose README presents it as the paper's implementation; read:
``code/coco/coco_semantic.py``, ``coco_instance.py``, ``coco_panoptic.py``,
``code/ade20k/ade_semantic.py``) has no initialisation code: its U-Net,
built differently from the paper's description, trains from PyTorch's
defaults. Like the architecture, which follows the paper rather than that
code (see configs/maskattn_unet/README.md), the initialisation is the mmcv /
PyTorch default of each layer used here, given when the layer is built and
kept by :meth:`MaskAttnUNet.init_weights`, which documents it; so the conv
blocks start from mmcv's Kaiming normal, not from PyTorch's default as in
the authors' code.
"""
from typing import List, Optional, Sequence

import torch
import torch.nn as nn
from mmcv.cnn import ConvModule
from mmengine.model import BaseModule
from mmseg.models.utils import resize
from mmseg.registry import MODELS

from ..layers import MaskAttention

__all__ = ['MaskAttnUNet']


class _ConvBlock(nn.Sequential):
    """``num_convs`` x (3x3 conv, norm, activation)."""

    def __init__(self, in_channels: int, out_channels: int, num_convs: int,
                 conv_cfg, norm_cfg, act_cfg) -> None:
        super().__init__(*[
            ConvModule(
                in_channels if i == 0 else out_channels,
                out_channels,
                3,
                padding=1,
                conv_cfg=conv_cfg,
                norm_cfg=norm_cfg,
                act_cfg=act_cfg) for i in range(num_convs)
        ])


@MODELS.register_module()
class MaskAttnUNet(BaseModule):
    """MaskAttn-UNet backbone: a convolutional U-Net whose encoder and
    decoder stages carry a :class:`MaskAttention` module.

    Stage i (0 = full resolution) has ``base_channels * 2**i`` channels. An
    encoder stage is a conv block (after 2x max-pooling for i > 0), then mask
    attention if ``i`` is in ``attn_stages``. A decoder stage upsamples the
    coarser decoder output (bilinear x2 + 1x1 conv), concatenates the skip
    connection, applies a conv block and again mask attention if ``i`` is in
    ``attn_stages``.

    Full self-attention over a 128x128 map would hold a 16384 x 16384 score
    matrix per head; ``kv_pool[i]`` average-pools the keys/values of stage i
    (and their mask scores) by that factor. The default (8, 4, 2, 1, 1)
    gives 256 keys at every stage of a 128x128 input, so the attention of
    stage 0 costs 16384 x 256 scores per head instead of 16384².

    Initialisation (``init_cfg=None``, see :meth:`init_weights`): the
    convs keep mmcv's ConvModule default and the attention modules
    PyTorch's default. The authors' code instead leaves its convs at
    PyTorch's default (see the module docstring).

    Args:
        in_channels (int): Input image channels.
        base_channels (int): Width of stage 0.
        num_stages (int): Number of resolutions (the input side must be
            divisible by ``2 ** (num_stages - 1)``).
        num_convs (int): Convolutions per conv block.
        attn_stages (Sequence[int]): Stages that carry mask attention, in
            both encoder and decoder.
        num_heads (int): Attention heads (must divide every attended width).
        mask_mode (str): 'hard', 'soft' or 'none', see :class:`MaskAttention`.
        kv_pool (Sequence[int]): Key/value pooling per stage.
        mlp_ratio (int): Hidden ratio of the attention FFN.
        conv_cfg (dict, optional): Conv layer config.
        norm_cfg (dict): Norm layer of the conv blocks.
        act_cfg (dict): Activation of the conv blocks.
        init_cfg (dict, optional): mmengine initialisation config.

    Returns (forward):
        list[Tensor]: decoder outputs from fine to coarse, the last entry
        being the bottleneck: [D0 (B, C0, H, W), D1, ..., E_{n-1}].
    """

    def __init__(self,
                 *,
                 in_channels: int = 3,
                 base_channels: int = 32,
                 num_stages: int = 5,
                 num_convs: int = 2,
                 attn_stages: Sequence[int] = (0, 1, 2, 3, 4),
                 num_heads: int = 4,
                 mask_mode: str = 'hard',
                 kv_pool: Sequence[int] = (8, 4, 2, 1, 1),
                 mlp_ratio: int = 2,
                 conv_cfg: Optional[dict] = None,
                 norm_cfg: dict = dict(type='BN', requires_grad=True),
                 act_cfg: dict = dict(type='ReLU'),
                 init_cfg: Optional[dict] = None) -> None:
        super().__init__(init_cfg=init_cfg)
        if num_stages < 2:
            raise ValueError(f'num_stages must be >= 2, got {num_stages}')
        if len(kv_pool) != num_stages:
            raise ValueError(f'kv_pool={list(kv_pool)} needs one entry per '
                             f'stage (num_stages={num_stages})')
        bad = [s for s in attn_stages if not 0 <= s < num_stages]
        if bad:
            raise ValueError(f'attn_stages={list(attn_stages)} has stages '
                             f'{bad} outside 0..{num_stages - 1}')
        widths = [base_channels * 2**i for i in range(num_stages)]
        for s in attn_stages:
            if widths[s] % num_heads:
                raise ValueError(
                    f'num_heads={num_heads} does not divide the width '
                    f'{widths[s]} of attention stage {s} (base_channels='
                    f'{base_channels})')
        self.num_stages = num_stages
        self.widths = widths

        def attention(stage):
            if stage not in attn_stages:
                return nn.Identity()
            return MaskAttention(
                embed_dims=widths[stage],
                num_heads=num_heads,
                mask_mode=mask_mode,
                kv_pool=kv_pool[stage],
                mlp_ratio=mlp_ratio)

        self.pool = nn.MaxPool2d(2)
        self.encoder = nn.ModuleList()
        for i in range(num_stages):
            self.encoder.append(
                nn.Sequential(
                    _ConvBlock(in_channels if i == 0 else widths[i - 1],
                               widths[i], num_convs, conv_cfg, norm_cfg,
                               act_cfg), attention(i)))
        # decoder[i] produces D_i from D_{i+1} and the skip E_i
        self.up_convs = nn.ModuleList(
            ConvModule(
                widths[i + 1],
                widths[i],
                1,
                conv_cfg=conv_cfg,
                norm_cfg=norm_cfg,
                act_cfg=act_cfg) for i in range(num_stages - 1))
        self.decoder = nn.ModuleList(
            nn.Sequential(
                _ConvBlock(2 * widths[i], widths[i], num_convs, conv_cfg,
                           norm_cfg, act_cfg), attention(i))
            for i in range(num_stages - 1))

    def init_weights(self) -> None:
        """Keep the initialisation the layers get when they are built.

        With ``init_cfg=None`` every layer already holds its mmcv / PyTorch
        default, and this method leaves the weights as they are: it draws
        no random number, so a model built after ``torch.manual_seed(s)``
        starts from the same weights whether or not ``init_weights`` runs
        (mmengine's Runner calls it before training). The rule:

        * The convs of the conv blocks and of ``up_convs`` (ConvModules):
          mmcv's default, Kaiming normal N(0, sqrt(2 / fan_out)) with
          fan_out = out_channels * k * k (ReLU gain; leaky-ReLU gain for a
          LeakyReLU ``act_cfg``), bias 0 where there is one; their norms
          weight 1, bias 0.
        * Each :class:`MaskAttention`: PyTorch's default for every linear
          and conv, LayerNorm 1 / 0 (see its docstring).

        With a user ``init_cfg``, mmengine's initialisation from that
        config runs instead.
        """
        if self.init_cfg is None:
            self._is_init = True
            return
        super().init_weights()

    def forward(self, x: torch.Tensor) -> List[torch.Tensor]:
        factor = 2**(self.num_stages - 1)
        if x.shape[2] % factor or x.shape[3] % factor:
            raise ValueError(
                f'MaskAttnUNet: input size {tuple(x.shape[2:])} must be '
                f'divisible by {factor} (2 ** (num_stages - 1)); pad the '
                'input, e.g. with the data preprocessor size_divisor')
        skips = []
        for i, stage in enumerate(self.encoder):
            x = stage(x if i == 0 else self.pool(x))
            skips.append(x)
        outs = [x]
        for i in range(self.num_stages - 2, -1, -1):
            x = resize(x, size=skips[i].shape[2:], mode='bilinear',
                       align_corners=False)
            x = self.decoder[i](torch.cat([skips[i], self.up_convs[i](x)], 1))
            outs.append(x)
        return outs[::-1]
