"""Semantic + instance-embedding head of MaskAttn-UNet.

MaskAttn-UNet: A Mask Attention-Driven Framework for Universal
Low-Resolution Image Segmentation (Cheng et al., 2025),
https://arxiv.org/abs/2503.10686
"""
import math
from typing import Dict, List, Optional, Sequence, Tuple

import torch
import torch.nn as nn
import torch.nn.functional as F
from mmcv.cnn import ConvModule
from mmseg.models.decode_heads.decode_head import BaseDecodeHead
from mmseg.models.utils import resize
from mmseg.registry import MODELS
from mmseg.utils import SampleList

from ...utils import is_int

__all__ = ['MaskAttnUNetHead']


def _coordinates(x: torch.Tensor) -> torch.Tensor:
    """(B, 2, H, W) x and y of each pixel centre, scaled to [-1, 1]."""
    b, _, h, w = x.shape
    ys = torch.linspace(-1, 1, h, dtype=x.dtype, device=x.device)
    xs = torch.linspace(-1, 1, w, dtype=x.dtype, device=x.device)
    grid_y, grid_x = torch.meshgrid(ys, xs, indexing='ij')  # (H, W) each
    return torch.stack([grid_x, grid_y])[None].expand(b, -1, -1, -1)


@MODELS.register_module()
class MaskAttnUNetHead(BaseDecodeHead):
    """Per-pixel class logits and L2-normalised instance embeddings.

    Two branches read the finest decoder output (the paper speaks of a
    semantic and an instance branch on shared features; their layers here
    are ours): the semantic
    head (a 3x3 ConvModule ``pre`` and the classifier ``conv_seg``, trained
    with ``loss_decode``, cross-entropy in the paper) and the embedding head
    (``embed_convs`` 3x3 ConvModules of its own, then the 1x1 ``conv_embed``
    giving the per-pixel embedding e_ij, L2-normalised, trained with
    ``loss_instance``, the paper's instance contrastive loss
    :class:`~mmseg_maskattn.models.losses.InstanceContrastiveLoss`). The
    total loss is L_CE + λ·L_IC with λ the ``loss_weight`` of
    ``loss_instance``. With ``embed_convs=0`` the embedding is a second 1x1
    output of the semantic head's ``pre`` (one shared head).

    ``embed_coords=True`` is an addition of ours, not in the paper: two
    channels holding the pixel's normalised (x, y) position in [-1, 1] are
    concatenated to the input of the embedding head (CoordConv, Liu et al.
    2018, https://arxiv.org/abs/1807.03247), so that two instances that look
    alike can get different embeddings without the U-Net body having to
    encode position.

    ``class_prior`` (our addition, not in the paper) initialises the
    classifier's bias to log π_k, so that the initial softmax already gives
    the class frequencies π of the training pixels (the prior-probability
    initialisation of Lin et al., "Focal Loss for Dense Object Detection",
    ICCV 2017, https://arxiv.org/abs/1708.02002). With mmseg's zero bias,
    our two-head runs on DSB2018 (about 14% nucleus pixels) fitted the
    background majority with the classifier's weights instead: every
    channel of ``pre`` ended with a negative nucleus-minus-background
    weight, so no pixel's nucleus logit could exceed its background logit
    by more than the bias difference (about -0.06), and the model stayed at
    background (``projects/lowres_universal/head_activity.py``).

    Initialisation (see :meth:`init_weights`) is that of an mmseg decode
    head. The authors' code (https://github.com/Belis0811/MaskUnet) has no
    initialisation code and no embedding head (its last layer, a 1x1 conv +
    BatchNorm + ReLU, keeps PyTorch's defaults), so nothing there maps onto
    these layers.

    Training samples must carry ``gt_instance_seg`` (PixelData, (1, H, W):
    0 = no instance, k > 0 instance k, ignore index unlabelled), as packed
    by ``PackPanopticSegInputs``.

    Args:
        embed_dims (int): Width of the instance embedding.
        embed_convs (int): 3x3 ConvModules (width ``channels``) of the
            embedding head; 0 shares the semantic head's conv.
        embed_coords (bool): Concatenate (x, y) coordinate channels to the
            embedding head's input (not in the paper, see above).
        loss_instance (dict): Config of the instance loss.
        class_prior (Sequence[float], optional): Frequency π_k of each class
            among the training pixels (positive, summing to 1); the
            classifier's bias starts at log π_k. None keeps mmseg's zero
            bias.
        **kwargs: Forwarded to :class:`BaseDecodeHead` (``in_channels``,
            ``channels``, ``num_classes``, ``loss_decode``, ...).
    """

    def __init__(self,
                 *,
                 embed_dims: int = 16,
                 embed_convs: int = 1,
                 embed_coords: bool = False,
                 loss_instance: dict = dict(
                     type='InstanceContrastiveLoss',
                     num_samples=256,
                     temperature=0.1,
                     loss_weight=0.02),
                 class_prior: Optional[Sequence[float]] = None,
                 **kwargs) -> None:
        super().__init__(**kwargs)
        if class_prior is not None:
            class_prior = tuple(float(p) for p in class_prior)
            if self.out_channels != self.num_classes:
                raise ValueError(
                    'class_prior needs a softmax classifier (out_channels '
                    f'== num_classes), got out_channels={self.out_channels}')
            if (len(class_prior) != self.num_classes
                    or min(class_prior) <= 0
                    or abs(sum(class_prior) - 1) > 1e-3):
                raise ValueError(
                    f'class_prior must hold {self.num_classes} positive '
                    f'frequencies summing to 1 (one per class), got '
                    f'{class_prior}')
        self.class_prior = class_prior
        if embed_dims < 2:
            raise ValueError(f'embed_dims must be >= 2, got {embed_dims}')
        if self.input_transform is not None:
            raise ValueError('MaskAttnUNetHead reads one feature map: set '
                             'in_index to an int and no input_transform')
        if not is_int(embed_convs) or embed_convs < 0:
            raise ValueError(
                f'embed_convs must be an int >= 0, got {embed_convs!r}')
        self.embed_dims = embed_dims
        self.embed_coords = embed_coords
        self.pre = ConvModule(
            self.in_channels,
            self.channels,
            3,
            padding=1,
            conv_cfg=self.conv_cfg,
            norm_cfg=self.norm_cfg,
            act_cfg=self.act_cfg)
        coord_channels = 2 if embed_coords else 0
        embed_layers = []
        for i in range(embed_convs):
            embed_layers.append(
                ConvModule(
                    (self.in_channels + coord_channels) if i == 0 else
                    self.channels,
                    self.channels,
                    3,
                    padding=1,
                    conv_cfg=self.conv_cfg,
                    norm_cfg=self.norm_cfg,
                    act_cfg=self.act_cfg))
        # None: the embedding reads the semantic head's `pre`
        self.embed_convs = nn.Sequential(
            *embed_layers) if embed_layers else None
        self.conv_embed = nn.Conv2d(
            self.channels + (0 if embed_layers else coord_channels),
            embed_dims, 1)
        self.loss_instance = MODELS.build(loss_instance)

    def init_weights(self) -> None:
        """Initialise the head (mmseg / mmcv defaults plus the prior).

        * ``conv_seg``: weight N(0, 0.01) and bias 0 (mmseg's
          ``BaseDecodeHead`` ``init_cfg``); with ``class_prior`` the bias
          is then set to log π_k.
        * ``pre`` and the ``embed_convs`` (ConvModules): mmcv's default,
          Kaiming normal N(0, sqrt(2 / fan_out)) with fan_out =
          out_channels * 3 * 3, bias 0 where there is one, norms 1 / 0.
        * ``conv_embed``: PyTorch's default, weight and bias
          ~ U(-1/sqrt(fan_in), 1/sqrt(fan_in)).
        """
        super().init_weights()
        if self.class_prior is not None:
            with torch.no_grad():
                self.conv_seg.bias.copy_(
                    torch.tensor([math.log(p) for p in self.class_prior]))

    def forward_all(self, inputs: Sequence[torch.Tensor]
                    ) -> Tuple[torch.Tensor, torch.Tensor]:
        """Class logits (B, K, H, W) and unit embeddings (B, D, H, W)."""
        feat = self._transform_inputs(inputs)
        x = self.pre(feat)
        e = x if self.embed_convs is None else feat
        if self.embed_coords:
            e = torch.cat([e, _coordinates(e)], dim=1)
        if self.embed_convs is not None:
            e = self.embed_convs(e)
        return self.cls_seg(x), F.normalize(self.conv_embed(e), dim=1)

    def forward(self, inputs: Sequence[torch.Tensor]) -> torch.Tensor:
        return self.forward_all(inputs)[0]

    def loss(self, inputs: Sequence[torch.Tensor],
             batch_data_samples: SampleList,
             train_cfg) -> Dict[str, torch.Tensor]:
        logits, embeddings = self.forward_all(inputs)
        losses = self.loss_by_feat(logits, batch_data_samples)
        if any('gt_instance_seg' not in s for s in batch_data_samples):
            raise KeyError('MaskAttnUNetHead needs gt_instance_seg in every '
                           'training sample (use PackPanopticSegInputs)')
        ids = torch.stack(
            [s.gt_instance_seg.data[0] for s in batch_data_samples]).long()
        if embeddings.shape[2:] != ids.shape[1:]:
            embeddings = F.normalize(
                resize(embeddings, size=ids.shape[1:], mode='bilinear',
                       align_corners=self.align_corners),
                dim=1)
        losses[self.loss_instance.loss_name] = self.loss_instance(
            embeddings, ids)
        return losses

    def predict_all(self, inputs: Sequence[torch.Tensor],
                    batch_img_metas: List[dict]
                    ) -> Tuple[torch.Tensor, torch.Tensor]:
        """Logits and embeddings resized to the (padded) input size."""
        logits, embeddings = self.forward_all(inputs)
        size = batch_img_metas[0]['img_shape']
        if 'pad_shape' in batch_img_metas[0]:
            size = batch_img_metas[0]['pad_shape'][:2]
        logits = resize(logits, size=size, mode='bilinear',
                        align_corners=self.align_corners)
        embeddings = F.normalize(
            resize(embeddings, size=size, mode='bilinear',
                   align_corners=self.align_corners),
            dim=1)
        return logits, embeddings
