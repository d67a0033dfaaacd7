"""HDMNet decode head: decoupled hierarchy, matching and decoder.

HDMNet: Hierarchical Dense Correlation Distillation for Few-Shot Segmentation
(Peng et al., CVPR 2023), https://arxiv.org/abs/2303.14652
"""
from typing import Dict, List, Optional, Sequence, Tuple

import torch
import torch.nn as nn
import torch.nn.functional as F
from mmcv.cnn import ConvModule, build_norm_layer
from mmengine.model import ModuleList
from mmseg.models.decode_heads.decode_head import BaseDecodeHead
from mmseg.models.utils import resize
from mmseg.registry import MODELS
from mmseg.utils import ConfigType, SampleList
from torch.nn.modules.batchnorm import _BatchNorm

from ...utils import is_int
from ..layers import (ConvDownsample, EfficientSelfAttention,
                      InverseSoftmaxMatching)

__all__ = ['HDMNetHead']

SUPPORT_MASK_MODES = ('nearest', 'fraction')


def _bottleneck(in_dims: int, mid_dims: int, out_dims: int,
                norm_cfg: ConfigType, last_act: bool) -> nn.Sequential:
    """1x1 conv + norm, 3x3 conv + norm, 1x1 conv + norm (+ ReLU): biased
    plain convs, no activation inside, as the release's decoder blocks; the
    classifier's variant stops before the last 1x1 (``out_dims=0``)."""
    layers = [
        nn.Conv2d(in_dims, mid_dims, 1),
        build_norm_layer(norm_cfg, mid_dims)[1],
        nn.Conv2d(mid_dims, mid_dims, 3, padding=1),
        build_norm_layer(norm_cfg, mid_dims)[1],
    ]
    if out_dims:
        layers += [
            nn.Conv2d(mid_dims, out_dims, 1),
            build_norm_layer(norm_cfg, out_dims)[1]
        ]
    if last_act:
        layers.append(nn.ReLU(inplace=True))
    return nn.Sequential(*layers)


@MODELS.register_module()
class HDMNetHead(BaseDecodeHead):
    """The meta learner of HDMNet: hierarchy, matching, decoder and losses.

    Input (from :class:`~mmseg_maskattn.models.segmentors.HDMNet`): the
    merged query features (B, C, h, w), the merged support features
    (B*K, C, h, w), the support foreground masks (B*K, 1, H, W) at pixel
    resolution and the prior maps (B, P, h, w). With C = ``in_channels``:

    1. **Decoupled hierarchy.** Stage i opens with a conv patch embedding
       (:class:`ConvDownsample`: ``patch_sizes[i]`` kernel, ``strides[i]``
       stride, LayerNorm), runs ``depths[i]`` :class:`EfficientSelfAttention`
       layers and a LayerNorm. Query and supports go through the same
       weights separately (batched as B + B*K); the next stage starts from
       this stage's output.
    2. **Matching.** After stage i an :class:`InverseSoftmaxMatching` layer
       matches the query tokens to the support tokens of all K shots, with
       the support mask resized to the level (nearest, as the release). It
       gives the matched query tokens and the correlation map ``corr_i``.
       ``match_convs[i]`` (3x3 ConvModule, norm, ReLU) fuses
       ``cat(matched, priors resized to the level)``.
    3. **Decoder**, coarse to fine: ``y = refine_last(m_last)``, then
       ``u = up(y); y = u + refine_i(m_i + u)``; each ``refine`` is a
       residual bottleneck (1x1, 3x3, 1x1 convs with norms, ReLU at the
       end). The classifier is a bottleneck (1x1, 3x3 with norms) and
       ``conv_seg`` (1x1 to 2 classes). Its output is the meta prediction.

    Losses (:meth:`loss_by_feat`): ``loss_decode`` (the meta loss, CE on
    this head's own logits) and ``loss_distill``, the correlation
    distillation summed over the levels (each level taught by the next
    coarser one, the coarsest by the query ground truth).

    Initialisation and training follow the release: the transformer, the
    decoder and the classifier keep PyTorch's default initialisation (the
    release defines an init for its transformer but never calls it), the
    matching convs are ConvModules (Kaiming normal by fan-out), and with
    ``norm_eval=True`` every BatchNorm of the head stays in eval mode in
    training (the release's ``fix_bn``; their running statistics stay at
    their initial values and only their affine parameters learn).

    Args:
        num_heads (Sequence[int]): Self-attention heads per stage.
        sr_ratios (Sequence[int]): Key/value spatial reduction per stage.
        depths (Sequence[int]): Self-attention layers per stage.
        patch_sizes (Sequence[int]): Kernel of each stage's patch embedding.
        strides (Sequence[int]): Stride of each stage's patch embedding.
        match_heads (int): Heads of the matching layers.
        mlp_ratio (int): Hidden width ratio of the Mix-FFNs.
        drop_rate (float): Dropout of the transformer layers.
        qkv_bias (bool): Bias of the attention projections.
        sr_pad (bool): Pad a grid to a multiple of the key reduction (ours;
            False: the release's strided conv, which drops the remainder).
        temperature (float): Temperature of the matching scores.
        num_priors (int): Channels P of the prior maps.
        support_mask_mode (str): How the support masks reach a level:
            ``'nearest'`` (the release) or ``'fraction'`` (ours: the
            fraction of foreground pixels of each cell).
        attn_norm_cfg (dict): Token norm of the transformer.
        norm_eval (bool): Keep the head's BatchNorms in eval mode.
        loss_distill (dict): Correlation distillation loss.
        init_cfg (dict, optional): mmengine initialisation config (None:
            the release's initialisation, above).
        **kwargs: Forwarded to :class:`BaseDecodeHead`: ``in_channels``
            (C), ``channels`` (width of the decoder bottlenecks, 256),
            ``num_classes`` (2), ``norm_cfg``, ``dropout_ratio`` (0),
            ``loss_decode`` (the meta loss), ``ignore_index``, ...
    """

    # its inputs are the segmentor's merged episode features, not backbone
    # outputs (see mmseg_maskattn.engine.check_decode_head_channels)
    reads_backbone_outputs = False

    def __init__(self,
                 *,
                 num_heads: Sequence[int] = (2, 4, 8),
                 sr_ratios: Sequence[int] = (4, 2, 1),
                 depths: Sequence[int] = (2, 2, 2),
                 patch_sizes: Sequence[int] = (1, 3, 3),
                 strides: Sequence[int] = (1, 2, 2),
                 match_heads: int = 2,
                 mlp_ratio: int = 4,
                 drop_rate: float = 0.1,
                 qkv_bias: bool = False,
                 sr_pad: bool = False,
                 temperature: float = 0.1,
                 num_priors: int = 2,
                 support_mask_mode: str = 'nearest',
                 attn_norm_cfg: ConfigType = dict(type='LN', eps=1e-6),
                 norm_eval: bool = True,
                 loss_distill: ConfigType = dict(
                     type='CorrelationDistillationLoss', loss_weight=1 / 3),
                 init_cfg: Optional[dict] = None,
                 **kwargs) -> None:
        num_stages = len(depths)
        for key, value in (('num_heads', num_heads), ('sr_ratios', sr_ratios),
                           ('patch_sizes', patch_sizes),
                           ('strides', strides)):
            if len(value) != num_stages:
                raise ValueError(
                    f'HDMNetHead: {key}={list(value)} must have one entry '
                    f'per stage, like depths={list(depths)}')
        if num_stages < 1 or not all(is_int(d) and d >= 1 for d in depths):
            raise ValueError(
                f'HDMNetHead: depths={list(depths)} must be ints >= 1')
        if not (is_int(num_priors) and num_priors >= 0):
            raise ValueError('HDMNetHead: num_priors must be an int >= 0, '
                             f'got {num_priors!r}')
        if support_mask_mode not in SUPPORT_MASK_MODES:
            raise ValueError(
                f'HDMNetHead: support_mask_mode={support_mask_mode!r} is '
                f'not one of {SUPPORT_MASK_MODES}')
        if not is_int(kwargs.get('in_channels')):
            raise ValueError(
                'HDMNetHead: in_channels must be an int (the width of the '
                f"merged features), got {kwargs.get('in_channels')!r}")
        kwargs.setdefault('num_classes', 2)
        kwargs.setdefault('dropout_ratio', 0.0)
        kwargs.setdefault('norm_cfg', dict(type='BN', requires_grad=True))
        kwargs.setdefault(
            'loss_decode',
            dict(
                type='CrossEntropyLoss',
                avg_non_ignore=True,
                loss_name='loss_meta'))
        super().__init__(init_cfg=init_cfg, **kwargs)
        if self.num_classes != 2:
            raise ValueError('HDMNetHead: num_classes must be 2 (background, '
                             f'episode class), got {self.num_classes}')
        dims = self.in_channels
        self.num_stages = num_stages
        self.num_priors = num_priors
        self.support_mask_mode = support_mask_mode
        self.norm_eval = norm_eval
        self.embeds = ModuleList(
            ConvDownsample(
                dims, attn_norm_cfg, kernel_size=kernel, stride=stride)
            for kernel, stride in zip(patch_sizes, strides))
        self.stages = ModuleList(
            ModuleList(
                EfficientSelfAttention(
                    embed_dims=dims,
                    num_heads=heads,
                    sr_ratio=ratio,
                    mlp_ratio=mlp_ratio,
                    drop_rate=drop_rate,
                    qkv_bias=qkv_bias,
                    sr_pad=sr_pad,
                    norm_cfg=attn_norm_cfg) for _ in range(depth))
            for heads, ratio, depth in zip(num_heads, sr_ratios, depths))
        self.stage_norms = ModuleList(
            build_norm_layer(attn_norm_cfg, dims)[1]
            for _ in range(num_stages))
        self.matchings = ModuleList(
            InverseSoftmaxMatching(
                embed_dims=dims,
                num_heads=match_heads,
                temperature=temperature,
                mlp_ratio=mlp_ratio,
                drop_rate=drop_rate,
                qkv_bias=qkv_bias,
                norm_cfg=attn_norm_cfg) for _ in range(num_stages))
        self.match_convs = ModuleList(
            ConvModule(
                dims + num_priors,
                dims,
                3,
                padding=1,
                norm_cfg=self.norm_cfg,
                act_cfg=self.act_cfg) for _ in range(num_stages))
        self.refines = ModuleList(
            _bottleneck(dims, self.channels, dims, self.norm_cfg, True)
            for _ in range(num_stages))
        self.cls = _bottleneck(dims, self.channels, 0, self.norm_cfg, False)
        self.loss_distill = MODELS.build(loss_distill)
        if self.loss_distill.loss_name in self._loss_names():
            raise ValueError(
                'HDMNetHead: loss_distill needs a loss_name of its own, got '
                f'{self.loss_distill.loss_name!r}')

    def _loss_names(self) -> List[str]:
        losses = self.loss_decode
        if isinstance(losses, nn.ModuleList):
            return [m.loss_name for m in losses]
        return [losses.loss_name]

    def train(self, mode: bool = True) -> 'HDMNetHead':
        """Set the train mode; with ``norm_eval`` the BatchNorms stay in
        eval mode."""
        super().train(mode)
        if mode and self.norm_eval:
            for m in self.modules():
                if isinstance(m, _BatchNorm):
                    m.eval()
        return self

    def _level_mask(self, fg: torch.Tensor,
                    size: Tuple[int, int]) -> torch.Tensor:
        """Support foreground (N, 1, H, W) on a level grid (N, 1, h, w)."""
        if self.support_mask_mode == 'nearest':
            return F.interpolate(fg, size=size, mode='nearest')
        return F.adaptive_avg_pool2d(fg, size)

    def forward(
        self, inputs: Tuple[torch.Tensor, torch.Tensor, torch.Tensor,
                            torch.Tensor]
    ) -> Tuple[torch.Tensor, List[torch.Tensor]]:
        """Meta logits and correlation maps of an episode batch.

        Args:
            inputs (tuple[Tensor]): ``(query, support, support_fg,
                priors)``: (B, C, h, w), (B*K, C, h, w), (B*K, 1, H, W)
                and (B, P, h, w).

        Returns:
            tuple[Tensor, list[Tensor]]: the 2-class logits (B, 2, h, w)
            and the correlation maps of the levels, fine to coarse, each
            (B, 1, h_i, w_i).
        """
        query, support, support_fg, priors = inputs
        b = query.shape[0]
        k = support.shape[0] // b
        if support.shape[0] != b * k or k < 1:
            raise ValueError(
                f'HDMNetHead: {support.shape[0]} support maps for {b} '
                'queries; expected B*K')
        if priors.shape[1] != self.num_priors:
            raise ValueError(
                f'HDMNetHead: num_priors={self.num_priors} but the segmentor '
                f'gives {priors.shape[1]} prior maps; set '
                'decode_head.num_priors to the number of prior maps')
        x = torch.cat([query, support])  # (B + B*K, C, h, w)
        merged, corrs = [], []
        for i in range(self.num_stages):
            x = self.embeds[i](x)
            n, c, h, w = x.shape
            # (N, C, h, w) -> (N, h*w, C)
            t = x.flatten(2).transpose(1, 2)
            for layer in self.stages[i]:
                t = layer(t, (h, w))
            t = self.stage_norms[i](t)
            # (N, h*w, C) -> (N, C, h, w)
            x = t.transpose(1, 2).reshape(n, c, h, w)
            # the K shots side by side: (B*K, h*w, C) -> (B, K*h*w, C)
            s_tokens = t[b:].reshape(b, k * h * w, c)
            # (B*K, 1, h, w) -> (B, K*h*w)
            s_mask = self._level_mask(support_fg, (h, w)).reshape(
                b, k * h * w)
            q_tokens, corr = self.matchings[i](t[:b], (h, w), s_tokens,
                                               s_mask)
            # (B, h*w, C) -> (B, C, h, w)
            matched = q_tokens.transpose(1, 2).reshape(b, c, h, w)
            level_priors = F.interpolate(
                priors, size=(h, w), mode='bilinear', align_corners=True)
            merged.append(self.match_convs[i](
                torch.cat([matched, level_priors], dim=1)))
            corrs.append(corr.reshape(b, 1, h, w))
        y = self.refines[-1](merged[-1])
        for i in range(self.num_stages - 2, -1, -1):
            up = resize(
                y,
                size=merged[i].shape[2:],
                mode='bilinear',
                align_corners=self.align_corners)
            y = up + self.refines[i](merged[i] + up)
        return self.cls_seg(self.cls(y)), corrs

    def loss(self, inputs: Tuple[torch.Tensor, ...],
             batch_data_samples: SampleList,
             train_cfg: ConfigType) -> Dict[str, torch.Tensor]:
        """Meta and distillation losses of an episode batch."""
        return self.loss_by_feat(self.forward(inputs), batch_data_samples)

    def loss_by_feat(self, outs: Tuple[torch.Tensor, List[torch.Tensor]],
                     batch_data_samples: SampleList
                     ) -> Dict[str, torch.Tensor]:
        """``loss_decode`` (meta loss) and ``acc_seg`` of the logits, and
        ``loss_distill`` of the correlation maps, from ``forward``'s
        outputs."""
        logits, corrs = outs
        losses = super().loss_by_feat(logits, batch_data_samples)
        labels = self._stack_batch_gt(batch_data_samples)[:, 0]
        # each level is taught by the next coarser one, the coarsest by the
        # ground truth
        teachers = list(corrs[1:]) + [labels]
        losses[self.loss_distill.loss_name] = sum(
            self.loss_distill(student, teacher)
            for student, teacher in zip(corrs, teachers))
        return losses

    def predict(self, inputs: Tuple[torch.Tensor, ...],
                batch_img_metas: List[dict],
                test_cfg: ConfigType) -> torch.Tensor:
        """Meta logits resized to the batch input size."""
        logits, _ = self.forward(inputs)
        return self.predict_by_feat(logits, batch_img_metas)
