"""HDMNet: hierarchically decoupled matching for few-shot segmentation.

HDMNet: Hierarchical Dense Correlation Distillation for Few-Shot Segmentation
(Peng et al., CVPR 2023), https://arxiv.org/abs/2303.14652

The base-learner ensemble follows BAM: Learning What Not to Segment (Lang et
al., CVPR 2022), https://arxiv.org/abs/2203.07615
"""
from typing import Dict, List, Optional, Sequence, Tuple

import torch
import torch.nn as nn
import torch.nn.functional as F
from mmseg.models.decode_heads import PSPHead
from mmseg.models.utils import resize
from mmseg.registry import MODELS
from mmseg.utils import ConfigType, OptConfigType, SampleList

from ..decode_heads.hdmnet_head import SUPPORT_MASK_MODES
from ..layers import BAMEnsemble
from ..utils import gram_distance, masked_average_pooling, prior_map
from .base_fss import BaseFewShotSegmentor

__all__ = ['HDMNet']


def _projection(in_dims: int, out_dims: int,
                dropout: float) -> nn.Sequential:
    """Bias-free 1x1 conv, ReLU (and Dropout2d): the release's feature
    projections and merges."""
    layers = [nn.Conv2d(in_dims, out_dims, 1, bias=False),
              nn.ReLU(inplace=True)]
    if dropout > 0:
        layers.append(nn.Dropout2d(dropout))
    return nn.Sequential(*layers)


@MODELS.register_module()
class HDMNet(BaseFewShotSegmentor):
    """Hierarchically Decoupled Matching Network.

    The segmentor holds the episode plumbing, the frozen backbone, the
    feature projections, the priors and the optional base-learner ensemble;
    the meta learner (hierarchy, matching, decoder, meta and distillation
    losses) is the decode head, :class:`HDMNetHead`. Pipeline (B episodes,
    K shots; features at stride 8), as the official release:

    1. The supports are multiplied by their binary masks and go through the
       frozen backbone with the queries (batched as B + B*K images).
    2. Projections: ``down_query`` and ``down_supp`` (separate bias-free
       1x1 convs of ``cat(layer3, layer2)`` to ``reduce_dim``, ReLU,
       Dropout2d(0.5)).
    3. Prototype of each support: masked average pooling of its projected
       features; the query takes the mean over the K shots.
    4. Priors (training-free, not normalised): for every query position the
       highest cosine to the masked support features, averaged over the
       shots; from the base learner's PSP bottleneck features (conv + norm,
       before its ReLU) when there is a base learner, and from layer4.
    5. Merges: ``supp_merge`` = bias-free 1x1 conv + ReLU of
       ``cat(support, its prototype)``; ``query_merge`` of ``cat(query,
       mean prototype, prior_scale * priors)``.
    6. ``decode_head(query, supports, support masks, priors)``: the meta
       logits (B, 2, h, w) and the correlation maps.
    7. With a base learner (a frozen PSPHead trained on the base classes;
       channel 0 background, channels ``1..N-1`` the dataset classes of
       ``base_learner_classes``): ``p_base`` is the probability of a base
       class other than the episode's (at test: any base class), ``psi``
       the Gram-matrix distance of the layer2 features of query and
       supports (mean over the shots), and :class:`BAMEnsemble` gives the
       final prediction. The base learner's BatchNorms stay in eval mode;
       its dropout follows the train mode, as in the release.

    Losses: the head's meta loss and distillation; with a base learner also
    ``loss_decode`` on the ensemble's output (CE on the adjusted
    probabilities, as the release). Without one the meta logits are the
    prediction and the meta loss is the only CE.

    Args:
        backbone (dict): Backbone config returning layer2, layer3, layer4
            (ResNet ``out_indices=(1, 2, 3)``, output stride 8).
        decode_head (dict): The meta learner, :class:`HDMNetHead`; its
            ``in_channels`` is the width of the merged features and its
            ``num_priors`` must be 2 with a base learner, 1 without.
        reduce_dim (int): Width of the projected features.
        proj_dropout (float): Dropout2d of ``down_query`` / ``down_supp``.
        prior_scale (float): Factor of the priors in ``query_merge`` (10).
        support_mask_mode (str): Support masks on the feature grid:
            ``'nearest'`` (the release: bilinear for the prototypes,
            nearest for the priors) or ``'fraction'`` (ours: the fraction
            of foreground pixels of each cell for both).
        loss_decode (dict): Loss of the ensemble's output.
        base_learner (dict, optional): Frozen base-class PSPHead.
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
                 decode_head: ConfigType,
                 reduce_dim: int = 256,
                 proj_dropout: float = 0.5,
                 prior_scale: float = 10.0,
                 support_mask_mode: str = 'nearest',
                 loss_decode: ConfigType = dict(
                     type='CrossEntropyLoss',
                     avg_non_ignore=True,
                     loss_name='loss_ce'),
                 base_learner: OptConfigType = None,
                 base_learner_classes: Optional[Sequence[int]] = None,
                 **kwargs) -> None:
        if reduce_dim <= 0:
            raise ValueError(f'reduce_dim must be positive, got {reduce_dim}')
        if not 0 <= proj_dropout < 1:
            raise ValueError(
                f'proj_dropout must be in [0, 1), got {proj_dropout!r}')
        if support_mask_mode not in SUPPORT_MASK_MODES:
            raise ValueError(
                f'support_mask_mode={support_mask_mode!r} is not one of '
                f'{SUPPORT_MASK_MODES}')
        if (base_learner is None) != (base_learner_classes is None):
            raise ValueError(
                'base_learner and base_learner_classes go together (the '
                'dataset class ids of the base channels 1..N-1), got '
                f'base_learner={base_learner!r}, '
                f'base_learner_classes={base_learner_classes!r}')
        super().__init__(backbone=backbone, **kwargs)
        c2, c3, _ = self.backbone_channels
        self.decode_head = MODELS.build(decode_head)
        num_priors = 1 if base_learner is None else 2
        if self.decode_head.num_priors != num_priors:
            raise ValueError(
                f'decode_head.num_priors={self.decode_head.num_priors} but '
                f'HDMNet gives {num_priors} prior map(s) (2 with a '
                'base_learner: its PSP features and layer4; 1 without)')
        dims = self.decode_head.in_channels
        self.prior_scale = prior_scale
        self.support_mask_mode = support_mask_mode
        self.down_query = _projection(c3 + c2, reduce_dim, proj_dropout)
        self.down_supp = _projection(c3 + c2, reduce_dim, proj_dropout)
        self.query_merge = _projection(2 * reduce_dim + num_priors, dims, 0)
        self.supp_merge = _projection(2 * reduce_dim, dims, 0)

        self.loss_decode = MODELS.build(loss_decode)
        self.base_learner = None
        if base_learner is not None:
            self.base_learner = MODELS.build(base_learner)
            if not isinstance(self.base_learner, PSPHead):
                raise TypeError(
                    'base_learner must be a PSPHead (its bottleneck '
                    'features give the first prior), got '
                    f'{type(self.base_learner).__name__}')
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
            self.ensemble = BAMEnsemble()
            names = [self.loss_decode.loss_name,
                     *self.decode_head._loss_names(),
                     self.decode_head.loss_distill.loss_name]
            if len(set(names)) != len(names):
                raise ValueError('loss_decode and the decode head losses '
                                 f'need distinct loss_name values, got '
                                 f'{names}')

    def train(self, mode: bool = True) -> 'HDMNet':
        """Set the train mode; the base learner stays in eval mode but its
        dropout follows ``mode``, as in the release."""
        super().train(mode)
        if self.base_learner is not None:
            self.base_learner.eval()
            if self.base_learner.dropout is not None:
                self.base_learner.dropout.train(mode)
        return self

    def _masks(self, fg: torch.Tensor, size: Sequence[int]
               ) -> Tuple[torch.Tensor, torch.Tensor]:
        """Support masks (N, 1, H, W) on a feature grid: for the prototypes
        and for the priors, (N, 1, h, w) each."""
        size = tuple(size)
        if self.support_mask_mode == 'fraction':
            mask = self._cell_fraction(fg, size)
            return mask, mask
        return (F.interpolate(
            fg, size=size, mode='bilinear', align_corners=True),
                F.interpolate(fg, size=size, mode='nearest'))

    def _psp_features(self, feats: List[torch.Tensor]) -> torch.Tensor:
        """The base learner's bottleneck features (conv + norm, before the
        activation), no autograd: the release's ``feat_5``."""
        head = self.base_learner
        with torch.no_grad():
            x = head._transform_inputs(feats)
            x = torch.cat([x] + head.psp_modules(x), dim=1)
            bottleneck = head.bottleneck
            x = bottleneck.conv(x)
            return bottleneck.norm(x) if bottleneck.with_norm else x

    def _priors(self, feats: List[torch.Tensor], psp: Optional[torch.Tensor],
                prior_mask: torch.Tensor, b: int) -> torch.Tensor:
        """The training-free priors (B, P, h, w): from the PSP features
        ``psp`` (with a base learner) and from layer4, unnormalised."""
        high = [feats[2]] if psp is None else [psp, feats[2]]
        return torch.cat([
            prior_map(f[:b], f[b:], prior_mask, normalize=False)
            for f in high
        ], dim=1)

    def episode_priors(self, inputs: torch.Tensor,
                       data_samples: SampleList) -> torch.Tensor:
        """The priors (B, P, h, w) of an episode batch alone, without the
        meta learner: channel 0 from the PSP features when there is a base
        learner, the last from layer4. A diagnostic (how much of the
        novel foreground the frozen features find without training)."""
        query, supports, support_fg, _ = self._episode(inputs, data_samples)
        b = query.shape[0]
        feats = self.extract_feat(torch.cat([query, supports * support_fg]))
        psp = None if self.base_learner is None else self._psp_features(
            feats)
        _, prior_mask = self._masks(support_fg, feats[0].shape[2:])
        return self._priors(feats, psp, prior_mask, b)

    def episode_meta_logits(self, inputs: torch.Tensor,
                            data_samples: SampleList) -> torch.Tensor:
        """The meta learner's own logits (B, 2, h, w) of an episode batch,
        before the base-learner ensemble (without a base learner, the
        prediction's logits). A diagnostic: it tells a meta learner that
        finds the foreground from an ensemble that keeps it at
        background."""
        return self._forward_episode(inputs, data_samples)['meta_logits']

    def _forward_episode(
            self, inputs: torch.Tensor,
            data_samples: SampleList) -> Dict[str, object]:
        """Run the network on an episode batch.

        Returns:
            dict: ``meta_logits`` (B, 2, h, w) of the decode head,
            ``corrs``, its correlation maps (fine to coarse, each
            (B, 1, h_i, w_i)), and ``logits``, the prediction: the
            ensemble's output with a base learner, else ``meta_logits``.
        """
        query, supports, support_fg, _ = self._episode(inputs, data_samples)
        b = query.shape[0]
        k = supports.shape[0] // b
        # one backbone pass over (B + B*K, 3, H, W), the supports masked
        feats = self.extract_feat(torch.cat([query, supports * support_fg]))
        mid = torch.cat([feats[1], feats[0]], dim=1)  # [layer3, layer2]
        q_mid = self.down_query(mid[:b])
        s_mid = self.down_supp(mid[b:])
        proto_mask, prior_mask = self._masks(support_fg, q_mid.shape[2:])
        # (B*K, C), the area + 5e-4 as the release
        s_proto = masked_average_pooling(s_mid, proto_mask, area_eps=5e-4)
        # (B*K, C) -> (B, K, C) -> mean over the shots -> (B, C)
        q_proto = s_proto.reshape(b, k, -1).mean(dim=1)
        psp = None
        if self.base_learner is not None:
            psp = self._psp_features(feats)
        priors = self._priors(feats, psp, prior_mask, b)  # (B, P, h, w)
        q_in = torch.cat([
            q_mid, q_proto[..., None, None].expand_as(q_mid),
            self.prior_scale * priors
        ], dim=1)
        s_in = torch.cat(
            [s_mid, s_proto[..., None, None].expand_as(s_mid)], dim=1)
        meta_logits, corrs = self.decode_head(
            (self.query_merge(q_in), self.supp_merge(s_in), support_fg,
             priors))
        logits = meta_logits
        if self.base_learner is not None:
            logits = self._ensemble(meta_logits, psp[:b], feats, b,
                                    data_samples)
        return dict(logits=logits, meta_logits=meta_logits, corrs=corrs)

    def _base_probability(self, base: torch.Tensor,
                          data_samples: SampleList) -> torch.Tensor:
        """``p_base`` (B, 1, h, w) from the base learner's logits
        (B, N, h, w): the probability of a base class other than the
        episode's own in training, of any base class at test (see the
        class docstring). The fold protocol (test classes are not base
        classes) is checked by :class:`FewShotFoldCheckHook`, not here."""
        probs = base.softmax(dim=1)
        p_base = probs[:, 1:].sum(dim=1, keepdim=True)
        if not self.training:
            return p_base
        class_ids = []
        for i, sample in enumerate(data_samples):
            if 'class_id' not in sample.metainfo:
                raise KeyError(f'data_samples[{i}] has no class_id in its '
                               'metainfo (the base-learner ensemble needs '
                               'the episode class in training)')
            class_ids.append(int(sample.metainfo['class_id']))
        unknown = sorted(set(class_ids) - set(self.base_channel))
        if unknown:
            raise ValueError(
                f'training episode classes {unknown} have no base learner '
                f'channel (base_learner_classes {list(self.base_channel)}); '
                'FewShotFoldCheckHook checks the folds before training')
        b, _, h, w = probs.shape
        channel = torch.tensor([self.base_channel[c] for c in class_ids],
                               device=probs.device)
        # (B,) -> (B, 1, h, w): each episode's own base channel
        own = probs.gather(1, channel.view(b, 1, 1, 1).expand(b, 1, h, w))
        return p_base - own

    def _ensemble(self, meta_logits: torch.Tensor, psp: torch.Tensor,
                  feats: List[torch.Tensor], b: int,
                  data_samples: SampleList) -> torch.Tensor:
        """BAM's fusion of the meta logits with the frozen base learner's
        prediction from its query PSP features ``psp`` (see the class
        docstring)."""
        head = self.base_learner
        with torch.no_grad():
            base = head.cls_seg(head.bottleneck.activate(psp))
        base = resize(
            base,
            size=meta_logits.shape[2:],
            mode='bilinear',
            align_corners=self.align_corners)
        p_base = self._base_probability(base, data_samples)  # (B, 1, h, w)
        psi = gram_distance(feats[0][:b], feats[0][b:])
        return self.ensemble(meta_logits, p_base, psi)

    def encode_decode(self, inputs: torch.Tensor,
                      batch_data_samples: SampleList) -> torch.Tensor:
        """Final query logits (B, 2, H/8, W/8)."""
        return self._forward_episode(inputs, batch_data_samples)['logits']

    def loss(self, inputs: torch.Tensor,
             data_samples: SampleList) -> Dict[str, torch.Tensor]:
        """Losses of an episode batch: the decode head's meta loss,
        ``acc_seg`` and distillation, and with a base learner
        ``loss_decode`` of the ensemble (keyed by their ``loss_name``)."""
        out = self._forward_episode(inputs, data_samples)
        losses = self.decode_head.loss_by_feat(
            (out['meta_logits'], out['corrs']), data_samples)
        if self.base_learner is not None:
            labels = self._query_labels(data_samples).to(inputs.device)
            logits = resize(
                out['logits'],
                size=labels.shape[-2:],
                mode='bilinear',
                align_corners=self.align_corners)
            losses[self.loss_decode.loss_name] = self.loss_decode(
                logits, labels, ignore_index=self.ignore_index)
        return losses
