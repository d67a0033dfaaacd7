"""HDMNet: hierarchically decoupled matching for few-shot segmentation.

HDMNet: Hierarchical Dense Correlation Distillation for Few-Shot Segmentation
(Peng et al., CVPR 2023), https://arxiv.org/abs/2303.14652

The optional base-learner ensemble follows BAM: Learning What Not to
Segment (Lang et al., CVPR 2022), https://arxiv.org/abs/2203.07615
"""
from typing import Dict, List, Optional, Sequence

import torch
import torch.nn as nn
from mmcv.cnn import ConvModule, build_norm_layer
from mmseg.models.utils import resize
from mmseg.registry import MODELS
from mmseg.utils import ConfigType, OptConfigType, SampleList

from ..layers import (ConvDownsample, EfficientSelfAttention,
                      InverseSoftmaxMatching)
from ..utils import gram_distance, masked_average_pooling, prior_map
from .base_fss import BaseFewShotSegmentor

__all__ = ['HDMNet']


@MODELS.register_module()
class HDMNet(BaseFewShotSegmentor):
    """Hierarchically Decoupled Matching Network.

    Pipeline (B episodes, K shots; all features at stride 8):

    1. The supports are multiplied by their binary masks and go through the
       frozen backbone together with the queries (batched as B + B*K
       images). Mid-level feature = ``ConvModule1x1(cat(layer2, layer3))``
       (``reduce_dim`` channels); the high-level layer4 gives the prior
       (:func:`~mmseg_maskattn.models.utils.prior_map`).
    2. Prototype = masked average pooling of each support's mid feature
       (mask resized by the fraction of foreground pixels per cell); the
       query uses the mean over the K shots.
    3. Transformer input (one shared ``ConvModule1x1`` to ``embed_dims``):
       query ``cat(mid, mean prototype, prior)``; support
       ``cat(mid, its own prototype, its mask)``. The third channel plays
       the same role (where the class is, in [0, 1]) for both.
    4. Decoupled hierarchy: ``len(depths)`` stages of
       :class:`EfficientSelfAttention` layers (a stride-2 conv + LN before
       every stage but the first), run on the query and support tokens
       separately but with shared weights (they are batched together;
       there is no query-support attention inside a stage). After stage i
       an :class:`InverseSoftmaxMatching` matches the query tokens to the
       support tokens of all K shots (concatenated along the token axis),
       weighted by the support foreground fraction at that resolution; it
       returns a matched feature and a correlation map ``corr_i``.
    5. Per stage ``fuse_i = ConvModule1x1(cat(query, matched, corr))``.
       Coarse-to-fine decoder: ``x = fuse_last``; for finer stages
       ``x = ConvModule3x3(up(x) + fuse_i)``; the classifier
       (ConvModule3x3 + 1x1 conv) gives the 2-class logits at stride 8.
       An auxiliary 1x1 classifier on ``fuse_last`` (the coarsest stage)
       gives the intermediate prediction of ``loss_meta``.
    6. Optional base learner (BAM-style, ``base_learner`` cfg, off by
       default): a frozen decode head (e.g. PSPHead) on the query backbone
       features, trained beforehand on the base classes (channel 0 =
       background; channels ``1..N-1`` are the dataset classes listed in
       ``base_learner_classes``). Its base-class probability ``p_base``
       marks query regions that belong to seen classes, hence to the
       episode's background: at test the sum of the base channels
       (``1 - p_bg``); in training, whose episode class is itself a base
       class, the sum of the base channels other than the episode's own,
       as in BAM. With ``psi`` the Gram-matrix distance of the layer2
       features of query and supports (how different the scenes are) and
       ``p`` the softmax of the decoder logits::

           bg = gate(cat(p_0, psi)),  fg = gate(cat(p_1, psi))
           final = cat(merge(cat(bg, p_base)), fg)

       ``gate`` and ``merge`` are 1x1 convs 2 -> 1 initialised to pass
       ``p`` through (weights (1, 0)). ``final`` holds merged probabilities
       used as logits, as in BAM.

    Losses: ``loss_decode`` on the final logits, ``loss_meta`` on the
    coarsest-stage prediction (both upsampled to the input size, ignoring
    ``ignore_index``), and the correlation distillation ``loss_distill``
    summed over the levels. Distillation direction: the correlation map of
    each level is the student of the next *coarser* level (teacher,
    resized to the student grid and detached), i.e. the coarse-level
    correspondence teaches the fine level ("leveraging semantic
    correspondence from coarse resolution to boost fine-grained
    segmentation"); the coarsest map itself is taught by the query ground
    truth seen as a spatial distribution (foreground fraction per cell,
    ignored pixels excluded).

    Args:
        backbone (dict): Backbone config returning layer2, layer3, layer4
            (ResNetV1c-50, ``out_indices=(1, 2, 3)``, dilations
            ``(1, 1, 2, 4)``, strides ``(1, 2, 1, 1)`` in the paper).
        reduce_dim (int): Width of the mid-level features.
        embed_dims (int): Width of the transformer tokens.
        num_heads (Sequence[int]): Attention heads per stage.
        sr_ratios (Sequence[int]): Key/value spatial reduction per stage.
        depths (Sequence[int]): Transformer layers per stage.
        mlp_ratio (int): Hidden width ratio of the Mix-FFNs.
        temperature (float): Temperature of the matching scores.
        norm_cfg (dict, optional): Norm of the conv layers (None: plain
            conv + activation).
        act_cfg (dict): Activation of the conv layers.
        attn_norm_cfg (dict): Token norm of the transformer.
        loss_decode (dict): Loss of the final logits.
        loss_meta (dict): Loss of the intermediate (coarsest) prediction.
        loss_distill (dict): Correlation distillation loss.
        base_learner (dict, optional): Frozen base-class decode head.
        base_learner_classes (Sequence[int], optional): Dataset class ids of
            the base learner's channels 1..N-1 (channel 0 is background), in
            channel order; required with ``base_learner``. Training
            episodes must be of one of these classes, test episodes of none.
        **kwargs: ``freeze_backbone`` (default True, as in the paper),
            ``ignore_index``, ``train_cfg``, ``test_cfg`` (``mode='whole'``
            only), ``data_preprocessor`` and ``init_cfg`` of
            :class:`BaseFewShotSegmentor`.
    """

    def __init__(self,
                 *,
                 backbone: ConfigType,
                 reduce_dim: int = 256,
                 embed_dims: int = 64,
                 num_heads: Sequence[int] = (2, 4, 8),
                 sr_ratios: Sequence[int] = (4, 2, 1),
                 depths: Sequence[int] = (2, 2, 2),
                 mlp_ratio: int = 4,
                 temperature: float = 0.1,
                 norm_cfg: OptConfigType = None,
                 act_cfg: ConfigType = dict(type='ReLU'),
                 attn_norm_cfg: ConfigType = dict(type='LN'),
                 loss_decode: ConfigType = dict(
                     type='CrossEntropyLoss',
                     avg_non_ignore=True,
                     loss_name='loss_ce'),
                 loss_meta: ConfigType = dict(
                     type='CrossEntropyLoss',
                     avg_non_ignore=True,
                     loss_name='loss_meta'),
                 loss_distill: ConfigType = dict(
                     type='CorrelationDistillationLoss'),
                 base_learner: OptConfigType = None,
                 base_learner_classes: Optional[Sequence[int]] = None,
                 **kwargs) -> None:
        num_stages = len(depths)
        for key, value in (('num_heads', num_heads), ('sr_ratios', sr_ratios)):
            if len(value) != num_stages:
                raise ValueError(
                    f'{key}={list(value)} must have one entry per stage, '
                    f'like depths={list(depths)}')
        if num_stages < 1 or any(d < 1 for d in depths):
            raise ValueError(f'depths={list(depths)} must be >= 1 per stage')
        bad = [h for h in num_heads if h <= 0 or embed_dims % h != 0]
        if bad:
            raise ValueError(f'embed_dims={embed_dims} is not divisible by '
                             f'num_heads {bad} (num_heads={list(num_heads)})')
        if reduce_dim <= 0:
            raise ValueError(f'reduce_dim must be positive, got {reduce_dim}')
        if not temperature > 0:
            raise ValueError(f'temperature must be > 0, got {temperature!r}')
        super().__init__(backbone=backbone, **kwargs)
        c2, c3, _ = self.backbone_channels
        self.num_stages = num_stages
        conv_kw = dict(norm_cfg=norm_cfg, act_cfg=act_cfg)
        self.reduce = ConvModule(c2 + c3, reduce_dim, 1, **conv_kw)
        self.embed = ConvModule(2 * reduce_dim + 1, embed_dims, 1, **conv_kw)
        self.downsamples = nn.ModuleList(
            ConvDownsample(embed_dims, attn_norm_cfg)
            for _ in range(num_stages - 1))
        self.stages = nn.ModuleList(
            nn.ModuleList(
                EfficientSelfAttention(
                    embed_dims=embed_dims,
                    num_heads=heads,
                    sr_ratio=ratio,
                    mlp_ratio=mlp_ratio,
                    norm_cfg=attn_norm_cfg) for _ in range(depth))
            for heads, ratio, depth in zip(num_heads, sr_ratios, depths))
        self.stage_norms = nn.ModuleList(
            build_norm_layer(attn_norm_cfg, embed_dims)[1]
            for _ in range(num_stages))
        self.matchings = nn.ModuleList(
            InverseSoftmaxMatching(
                embed_dims=embed_dims, temperature=temperature)
            for _ in range(num_stages))
        self.fuses = nn.ModuleList(
            ConvModule(2 * embed_dims + 1, embed_dims, 1, **conv_kw)
            for _ in range(num_stages))
        self.refines = nn.ModuleList(
            ConvModule(embed_dims, embed_dims, 3, padding=1, **conv_kw)
            for _ in range(num_stages - 1))
        self.cls = nn.Sequential(
            ConvModule(embed_dims, embed_dims, 3, padding=1, **conv_kw),
            nn.Conv2d(embed_dims, self.num_classes, 1))
        self.meta_cls = nn.Conv2d(embed_dims, self.num_classes, 1)

        self.loss_decode = MODELS.build(loss_decode)
        self.loss_meta = MODELS.build(loss_meta)
        self.loss_distill = MODELS.build(loss_distill)
        names = [
            m.loss_name
            for m in (self.loss_decode, self.loss_meta, self.loss_distill)
        ]
        if len(set(names)) != len(names):
            raise ValueError('loss_decode, loss_meta and loss_distill need '
                             f'distinct loss_name values, got {names}')

        self.base_learner = None
        if (base_learner is None) != (base_learner_classes is None):
            raise ValueError(
                'base_learner and base_learner_classes go together (the '
                'dataset class ids of the base channels 1..N-1), got '
                f'base_learner={base_learner!r}, '
                f'base_learner_classes={base_learner_classes!r}')
        if base_learner is not None:
            self.base_learner = MODELS.build(base_learner)
            classes = [int(c) for c in base_learner_classes]
            channels = self.base_learner.out_channels
            if len(classes) != channels - 1 or len(set(classes)) != len(
                    classes) or any(c < 0 for c in classes):
                raise ValueError(
                    f'base_learner_classes={classes} must be {channels - 1} '
                    'distinct class ids >= 0, one per base channel of the '
                    f'base learner ({channels} outputs, channel 0 is '
                    'background)')
            # dataset class id -> base learner channel
            self.base_channel = {c: i + 1 for i, c in enumerate(classes)}
            self.base_learner.requires_grad_(False)
            self.base_learner.eval()
            self.gate = nn.Conv2d(2, 1, 1)
            self.merge = nn.Conv2d(2, 1, 1)
            with torch.no_grad():
                for conv in (self.gate, self.merge):
                    conv.weight.copy_(
                        torch.tensor([1.0, 0.0]).reshape(1, 2, 1, 1))
                    conv.bias.zero_()

    def train(self, mode: bool = True) -> 'HDMNet':
        """Set the train mode; the base learner stays in eval mode."""
        super().train(mode)
        if self.base_learner is not None:
            self.base_learner.eval()
        return self

    def _tokens(self, x: torch.Tensor) -> torch.Tensor:
        """(N, C, h, w) -> (N, h*w, C)."""
        return x.flatten(2).transpose(1, 2)

    def _forward_episode(
            self, inputs: torch.Tensor,
            data_samples: SampleList) -> Dict[str, object]:
        """Run the network on an episode batch.

        Returns:
            dict: ``logits`` (B, 2, h, w) final logits at stride 8,
            ``meta_logits`` (B, 2, h', w') intermediate prediction of the
            coarsest stage, and ``corrs``, the correlation maps of the
            stages, fine to coarse, each (B, 1, h_i, w_i).
        """
        query, supports, support_fg, _ = self._episode(inputs, data_samples)
        b = query.shape[0]
        k = supports.shape[0] // b
        # one backbone pass over (B + B*K, 3, H, W), the supports masked
        feats = self.extract_feat(torch.cat([query, supports * support_fg]))
        mid = self.reduce(torch.cat(feats[:2], dim=1))
        q_mid, s_mid = mid[:b], mid[b:]
        size = mid.shape[2:]
        s_mask = self._cell_fraction(support_fg, size)  # (B*K, 1, h, w)

        prior = prior_map(feats[2][:b], feats[2][b:], s_mask)
        s_proto = masked_average_pooling(s_mid, s_mask)  # (B*K, C)
        # (B*K, C) -> (B, K, C) -> mean over the shots -> (B, C)
        q_proto = s_proto.reshape(b, k, -1).mean(dim=1)
        # query: [mid, mean prototype, prior]; support: [mid, own
        # prototype, mask], each (N, 2 * reduce_dim + 1, h, w)
        q_in = torch.cat(
            [q_mid, q_proto[..., None, None].expand_as(q_mid), prior], dim=1)
        s_in = torch.cat(
            [s_mid, s_proto[..., None, None].expand_as(s_mid), s_mask], dim=1)
        x = self.embed(torch.cat([q_in, s_in]))  # (B + B*K, C, h, w)

        fused, corrs = [], []
        for i in range(self.num_stages):
            if i > 0:
                x = self.downsamples[i - 1](x)
            n, c, h, w = x.shape
            t = self._tokens(x)
            for layer in self.stages[i]:
                t = layer(t, (h, w))
            t = self.stage_norms[i](t)
            # (N, h*w, C) -> (N, C, h, w)
            x = t.transpose(1, 2).reshape(n, c, h, w)
            # support tokens of the K shots side by side:
            # (B*K, h*w, C) -> (B, K*h*w, C)
            s_tokens = t[b:].reshape(b, k * h * w, c)
            # (B*K, 1, h, w) -> (B, K*h*w)
            s_weight = self._cell_fraction(support_fg, (h, w)).reshape(
                b, k * h * w)
            matched, corr = self.matchings[i](t[:b], s_tokens, s_weight)
            # (B, h*w, C) -> (B, C, h, w); (B, h*w) -> (B, 1, h, w)
            matched = matched.transpose(1, 2).reshape(b, c, h, w)
            corr = corr.reshape(b, 1, h, w)
            fused.append(self.fuses[i](torch.cat([x[:b], matched, corr],
                                                 dim=1)))
            corrs.append(corr)

        y = fused[-1]
        meta_logits = self.meta_cls(y)
        for i in range(self.num_stages - 2, -1, -1):
            y = resize(
                y,
                size=fused[i].shape[2:],
                mode='bilinear',
                align_corners=self.align_corners)
            y = self.refines[i](y + fused[i])
        logits = self.cls(y)
        if self.base_learner is not None:
            logits = self._ensemble(logits, feats, b, data_samples)
        return dict(logits=logits, meta_logits=meta_logits, corrs=corrs)

    def _base_probability(self, base: torch.Tensor,
                          data_samples: SampleList) -> torch.Tensor:
        """``p_base`` (B, 1, h, w) from the base learner's logits
        (B, N, h, w): the probability of a base class other than the
        episode's own (see the class docstring)."""
        class_ids = []
        for i, sample in enumerate(data_samples):
            if 'class_id' not in sample.metainfo:
                raise KeyError(f'data_samples[{i}] has no class_id in its '
                               'metainfo (the base-learner ensemble needs '
                               'the episode class)')
            class_ids.append(int(sample.metainfo['class_id']))
        listed = [c for c in class_ids if c in self.base_channel]
        if self.training and len(listed) != len(class_ids):
            raise ValueError(
                f'training episode classes {class_ids}: '
                f'{sorted(set(class_ids) - set(listed))} not in '
                f'base_learner_classes {list(self.base_channel)}')
        if not self.training and listed:
            raise ValueError(
                f'test episode classes {sorted(set(listed))} are base '
                f'learner classes (base_learner_classes '
                f'{list(self.base_channel)}): the ensemble would mark the '
                'target as background; check the fold')
        probs = base.softmax(dim=1)
        p_base = probs[:, 1:].sum(dim=1, keepdim=True)
        if self.training:
            b, _, h, w = probs.shape
            channel = torch.tensor([self.base_channel[c] for c in class_ids],
                                   device=probs.device)
            # (B,) -> (B, 1, h, w): each episode's own base channel
            own = probs.gather(1, channel.view(b, 1, 1, 1).expand(b, 1, h, w))
            p_base = p_base - own
        return p_base

    def _ensemble(self, meta_logits: torch.Tensor, feats: List[torch.Tensor],
                  b: int, data_samples: SampleList) -> torch.Tensor:
        """BAM-style fusion of the meta logits with the frozen base
        learner (see the class docstring)."""
        with torch.no_grad():
            base = self.base_learner([f[:b] for f in feats])
        base = resize(
            base,
            size=meta_logits.shape[2:],
            mode='bilinear',
            align_corners=self.align_corners)
        p_base = self._base_probability(base, data_samples)  # (B, 1, h, w)
        psi = gram_distance(feats[0][:b], feats[0][b:]).expand_as(p_base)
        p = meta_logits.softmax(dim=1)
        bg = self.gate(torch.cat([p[:, :1], psi], dim=1))
        fg = self.gate(torch.cat([p[:, 1:], psi], dim=1))
        return torch.cat([self.merge(torch.cat([bg, p_base], dim=1)), fg],
                         dim=1)

    def encode_decode(self, inputs: torch.Tensor,
                      batch_data_samples: SampleList) -> torch.Tensor:
        """Final query logits (B, 2, H/8, W/8)."""
        return self._forward_episode(inputs, batch_data_samples)['logits']

    def loss(self, inputs: torch.Tensor,
             data_samples: SampleList) -> Dict[str, torch.Tensor]:
        """Losses of an episode batch: ``loss_decode``, ``loss_meta`` and
        ``loss_distill`` (keyed by their ``loss_name``)."""
        out = self._forward_episode(inputs, data_samples)
        labels = self._query_labels(data_samples).to(inputs.device)
        size = labels.shape[-2:]
        losses = {}
        for loss_fn, logits in ((self.loss_decode, out['logits']),
                                (self.loss_meta, out['meta_logits'])):
            logits = resize(
                logits,
                size=size,
                mode='bilinear',
                align_corners=self.align_corners)
            losses[loss_fn.loss_name] = loss_fn(
                logits, labels, ignore_index=self.ignore_index)
        # each level is taught by the next coarser one, the coarsest by the
        # ground truth
        corrs = out['corrs']
        teachers: List[torch.Tensor] = corrs[1:] + [labels]
        losses[self.loss_distill.loss_name] = sum(
            self.loss_distill(student, teacher)
            for student, teacher in zip(corrs, teachers))
        return losses
