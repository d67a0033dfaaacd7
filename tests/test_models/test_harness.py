"""One harness for every module this package registers into mmseg's MODELS.

For each registered class: build from a config dict through the registry,
check the forward output shapes, run a backward pass (every parameter gets a
finite gradient) and check that bad configs fail at build time with an error
naming the offending key.
"""
from typing import Callable, List, NamedTuple, Optional

import pytest
import torch
from mmcv.cnn.bricks import DropPath
from mmengine.registry import init_default_scope
from mmengine.structures import PixelData
from mmseg.registry import MODELS
from mmseg.structures import SegDataSample

import mmseg_maskattn  # noqa: F401
from tests.test_models._tiny_models import (BN, CC_PANOPTIC, TINY_RESNET,
                                            m2f_head)

init_default_scope('mmseg')

HEAD_CHANNELS = [8, 16, 24, 32]


def _feats(batch=2, size=64, channels=HEAD_CHANNELS, extra=()):
    strides = [4, 8, 16, 32]
    feats = [
        torch.randn(batch, c, size // s, size // s)
        for c, s in zip(channels, strides)
    ]
    return feats + [torch.randn(batch, c, size // 16, size // 16)
                    for c in extra]


class Spec(NamedTuple):
    cfg: dict
    inputs: Callable[[], tuple]
    out_shapes: List[tuple]
    bad: List[tuple]  # (cfg update, text that the error must contain)
    # how to run the module (default: module(*inputs)); modules whose
    # training path differs from their forward (heads with extra branches,
    # segmentors) are run through their loss
    call: Optional[Callable] = None
    # applied to the model before the backward test, for modules whose
    # initialisation blocks some gradients by design (see _perturb_msda)
    prepare: Optional[Callable] = None
    # False for modules without parameters whose outputs cannot carry a
    # gradient (a data preprocessor of uint8 images): no backward test
    differentiable: bool = True


def _samples(batch=2, size=64, num_classes=4):
    """Data samples with semantic and instance ground truth."""
    samples = []
    for _ in range(batch):
        sem = torch.randint(0, num_classes, (1, size, size))
        inst = torch.randint(0, 5, (1, size, size)) * (sem > 0)
        s = SegDataSample(
            gt_sem_seg=PixelData(data=sem),
            gt_instance_seg=PixelData(data=inst))
        s.set_metainfo(dict(img_shape=(size, size), pad_shape=(size, size)))
        samples.append(s)
    return samples


def _losses(out):
    return [out[k] for k in sorted(out) if 'loss' in k]


MASKATTN_HEAD = dict(
    type='MaskAttnUNetHead',
    in_channels=8,
    in_index=0,
    channels=8,
    num_classes=4,
    embed_dims=4,
    norm_cfg=BN,
    loss_instance=dict(
        type='InstanceContrastiveLoss', num_samples=32, temperature=0.2))
MASKATTN_BACKBONE = dict(
    type='MaskAttnUNet',
    base_channels=8,
    num_stages=3,
    attn_stages=(0, 1, 2),
    num_heads=2,
    kv_pool=(4, 2, 1))


def _head_cfg(**kw):
    cfg = dict(
        type='UMixFormerHead',
        in_channels=HEAD_CHANNELS,
        channels=16,
        num_classes=3,
        num_heads=(4, 3, 2, 1),
        norm_cfg=BN)
    cfg.update(kw)
    return cfg


HEAD_BAD = [
    (dict(in_channels=[8, 16, 24]), 'in_channels'),
    (dict(in_index=[0, 1]), 'in_index'),
    (dict(num_heads=(5, 3, 2, 1)), 'num_heads'),
    (dict(num_heads=(4, 3, 2)), 'num_heads'),
    (dict(pool_ratios=(1, 2, 4)), 'pool_ratios'),
    (dict(unknown_option=1), 'unknown_option'),
]


def _open_gamma(model):
    """DANet's attention outputs are scaled by ``gamma``, which starts at 0:
    no gradient reaches the queries and keys until it moves."""
    for name, p in model.named_parameters():
        if name.endswith('gamma.scale'):
            torch.nn.init.constant_(p, 0.5)
    return model


def _perturb_msda(model):
    """Give mmcv's deformable attention non-zero offset/weight layers.

    ``MultiScaleDeformableAttention`` initialises the projections of its
    sampling offsets and attention weights to zero, so at initialisation no
    gradient reaches its queries (nor the pixel decoder's level embedding
    added to them). After a perturbation every parameter must get one.
    """
    torch.manual_seed(0)
    for name, p in model.named_parameters():
        if 'sampling_offsets.weight' in name or (
                'attention_weights.weight' in name):
            torch.nn.init.normal_(p, std=0.01)
    return model


# mmdet's Mask2Former returns its mask and dice losses with shape (1, )
M2F_LOSS_SHAPES = [(), (1, ), (1, )] * 4


def _episode_samples(batch=2, shot=1, size=64):
    """Few-shot episodes: binary query and support masks (255 ignored)."""
    samples = []
    for _ in range(batch):
        s = SegDataSample(
            gt_sem_seg=PixelData(data=torch.randint(0, 2, (1, size, size))),
            gt_support_seg=PixelData(
                data=torch.randint(0, 2, (shot, size, size))))
        s.gt_support_seg.data[:, :2] = 255
        s.set_metainfo(
            dict(
                ori_shape=(size, size),
                img_shape=(size, size),
                pad_shape=(size, size),
                class_id=1,
                shot=shot))
        samples.append(s)
    return samples


# the few-shot segmentors freeze their backbone by default; the harness
# checks that every parameter gets a gradient, so they run unfrozen here
# (their own tests check the frozen path)
FSS_RESNET = dict(
    type='ResNetV1c',
    depth=18,
    base_channels=8,
    stem_channels=8,
    num_stages=4,
    out_indices=(1, 2, 3),
    dilations=(1, 1, 2, 4),
    strides=(1, 2, 1, 1))
HDMNET_HEAD = dict(
    type='HDMNetHead',
    in_channels=16,
    channels=32,
    num_heads=(2, 2, 2),
    num_priors=2)
HDMNET = dict(
    type='HDMNet',
    backbone=FSS_RESNET,
    reduce_dim=16,
    decode_head=dict(HDMNET_HEAD, num_priors=1),
    freeze_backbone=False)


def _hdmnet_head_inputs():
    # merged query (B=2), supports (K=2), pixel support masks, priors
    return ((torch.randn(2, 16, 16, 16), torch.randn(4, 16, 16, 16),
             (torch.rand(4, 1, 64, 64) > 0.5).float(),
             torch.rand(2, 2, 16, 16)), )


def _hdmnet_head_call(model, inputs):
    logits, corrs = model(inputs)
    return [logits] + corrs
PROTOTYPE_HEAD = dict(type='PrototypeHead', in_channels=48, channels=16)
PROTOTYPE_FSS = dict(
    type='PrototypeFSS',
    backbone=dict(
        FSS_RESNET,
        num_stages=3,
        out_indices=(1, 2),
        dilations=(1, 1, 2),
        strides=(1, 2, 1)),
    decode_head=PROTOTYPE_HEAD,
    freeze_backbone=False)

DANET_HEAD = dict(
    type='DANetHead',
    in_channels=32,
    in_index=3,
    channels=16,
    pam_channels=4,
    num_classes=3,
    norm_cfg=BN)

GSCNN_HEAD = dict(
    type='GSCNNHead',
    in_channels=HEAD_CHANNELS,
    in_index=[0, 1, 2, 3],
    channels=8,
    shape_channels=(8, 4, 4, 2),
    dilations=(1, 2),
    low_level_channels=4,
    num_classes=3,
    norm_cfg=BN)

GSCNN_BACKBONE = dict(
    type='ResNetV1c',
    depth=18,
    base_channels=8,
    stem_channels=8,
    dilations=(1, 1, 2, 4),
    strides=(1, 2, 1, 1),
    norm_cfg=BN)


def _edge_samples(batch=2, size=64, num_classes=3):
    """Semantic samples with the ``gt_edge_map`` of mmseg's GenerateEdge."""
    samples = _samples(batch, size, num_classes)
    for s in samples:
        s.gt_edge_map = PixelData(data=torch.randint(0, 2, (1, size, size)))
    return samples


def _canny(batch=2, size=64):
    """A stand-in for the image gradient the GSCNN segmentor appends."""
    return (torch.rand(batch, 1, size, size) > 0.8).float()


SPECS = {
    'PositionAttention':
    Spec(
        dict(type='PositionAttention', in_channels=16, key_channels=4,
             query_block=10), lambda: (torch.randn(2, 16, 5, 7), ),
        [(2, 16, 5, 7)],
        [(dict(key_channels=0), 'key_channels'),
         (dict(query_block=0), 'query_block'), (dict(bogus=1), 'bogus')],
        prepare=_open_gamma),
    'ChannelAttention':
    Spec(
        dict(type='ChannelAttention'), lambda: (torch.randn(2, 8, 5, 7), ),
        [(2, 8, 5, 7)],
        [(dict(inverse_energy='yes'), 'inverse_energy'),
         (dict(bogus=1), 'bogus')],
        prepare=_open_gamma),
    'DANetHead':
    Spec(
        DANET_HEAD, lambda: (_feats(), _samples(num_classes=3)),
        [(), (), ()],
        [(dict(pam_channels=0), 'pam_channels'),
         (dict(pam_channels=None), 'pam_channels'),
         (dict(bogus=1), 'bogus')],
        call=lambda m, feats, samples: _losses(m.loss(feats, samples, {})),
        prepare=_open_gamma),
    'MixAttention':
    Spec(
        dict(type='MixAttention', embed_dims=16, kv_dims=24, num_heads=2),
        lambda: (torch.randn(2, 10, 16), torch.randn(2, 6, 24)),
        [(2, 10, 16)],
        [(dict(num_heads=3), 'num_heads'), (dict(num_heads=0), 'num_heads'),
         (dict(bogus=1), 'bogus')]),
    'MixAttentionBlock':
    Spec(
        dict(
            type='MixAttentionBlock',
            embed_dims=16,
            kv_dims=24,
            num_heads=2,
            query_pool_ratio=2),
        lambda: (torch.randn(2, 20, 16), (4, 5), torch.randn(2, 6, 24)),
        [(2, 20, 16)],
        [(dict(num_heads=5), 'num_heads'),
         (dict(query_pool_ratio=0), 'query_pool_ratio'),
         (dict(bogus=1), 'bogus')]),
    'UMixFormerHead':
    Spec(_head_cfg(), lambda: (_feats(), ), [(2, 3, 16, 16)], HEAD_BAD),
    'MixVisionTransformerPlus':
    Spec(
        dict(
            type='MixVisionTransformerPlus',
            embed_dims=8,
            num_layers=[1, 1, 7, 1],
            num_heads=[1, 2, 5, 8],
            extra_stage=2,
            extra_interval=3),
        lambda: (torch.randn(2, 3, 64, 64), ),
        [(2, 8, 16, 16), (2, 16, 8, 8), (2, 40, 4, 4), (2, 64, 2, 2),
         (2, 40, 4, 4), (2, 40, 4, 4)],
        [(dict(extra_stage=4), 'extra_stage'),
         (dict(extra_interval=0), 'extra_interval'),
         (dict(bogus=1), 'bogus')]),
    'LVT':
    Spec(
        dict(type='LVT', num_layers=(1, 1, 1, 1)),
        lambda: (torch.randn(2, 3, 64, 64), ),
        [(2, 64, 16, 16), (2, 64, 8, 8), (2, 160, 4, 4), (2, 256, 2, 2)],
        [(dict(num_heads=(2, 3, 5, 8)), 'num_heads'),
         (dict(num_layers=(1, 1, 1)), 'num_layers'),
         (dict(bogus=1), 'bogus')]),
    'MaskAttention':
    Spec(
        dict(type='MaskAttention', embed_dims=8, num_heads=2),
        lambda: (torch.randn(2, 8, 16, 16), ),
        [(2, 8, 16, 16)],
        [(dict(num_heads=3), 'num_heads'),
         (dict(mask_mode='binary'), 'mask_mode'),
         (dict(kv_pool=0), 'kv_pool'),
         (dict(bogus=1), 'bogus')]),
    # a loss has no parameters: the backward test checks that the scalar it
    # returns is differentiable with respect to the embeddings
    'InstanceContrastiveLoss':
    Spec(
        dict(type='InstanceContrastiveLoss', num_samples=32, temperature=0.5),
        lambda: (torch.randn(2, 8, 8, 8, requires_grad=True),
                 torch.randint(0, 4, (2, 8, 8))),
        [()],
        [(dict(num_samples=1), 'num_samples'),
         (dict(temperature=0.0), 'temperature'),
         (dict(reduction='avg'), 'reduction'),
         (dict(bogus=1), 'bogus')]),
    'MaskAttnUNet':
    Spec(
        MASKATTN_BACKBONE, lambda: (torch.randn(2, 3, 32, 32), ),
        [(2, 8, 32, 32), (2, 16, 16, 16), (2, 32, 8, 8)],
        [(dict(kv_pool=(1, 1)), 'kv_pool'),
         (dict(attn_stages=(0, 3)), 'attn_stages'),
         (dict(num_heads=3), 'num_heads'), (dict(num_stages=1), 'num_stages'),
         (dict(bogus=1), 'bogus')]),
    'MaskAttnUNetHead':
    Spec(
        MASKATTN_HEAD, lambda: ([torch.randn(2, 8, 64, 64)], _samples()),
        [(), ()], [(dict(embed_dims=1), 'embed_dims'),
                   (dict(embed_convs=-1), 'embed_convs'),
                   (dict(bogus=1), 'bogus')],
        call=lambda m, feats, samples: _losses(m.loss(feats, samples, {}))),
    'MaskAttnUNetSegmentor':
    Spec(
        dict(
            type='MaskAttnUNetSegmentor',
            thing_classes=[1, 2],
            backbone=MASKATTN_BACKBONE,
            decode_head=MASKATTN_HEAD),
        lambda: (torch.randn(2, 3, 64, 64), _samples()), [(), ()],
        [(dict(thing_classes=[4]), 'thing_classes'),
         (dict(grouping_cfg=dict(radius=1)), 'radius'),
         (dict(bogus=1), 'bogus')],
        call=lambda m, x, samples: _losses(m.loss(x, samples))),
    'Mask2FormerPanopticHead':
    Spec(
        m2f_head(),
        lambda: (_feats(channels=[8, 16, 32, 64]), _samples()),
        M2F_LOSS_SHAPES,
        [(dict(thing_classes=[4]), 'thing_classes'),
         (dict(bogus=1), 'bogus')],
        call=lambda m, feats, samples: _losses(m.loss(feats, samples, {})),
        prepare=_perturb_msda),
    'Mask2FormerPanopticSegmentor':
    Spec(
        dict(
            type='Mask2FormerPanopticSegmentor',
            backbone=TINY_RESNET,
            decode_head=m2f_head()),
        lambda: (torch.randn(2, 3, 64, 64), _samples()),
        M2F_LOSS_SHAPES,
        [(dict(object_mask_thr=1.5), 'object_mask_thr'),
         (dict(max_per_image=0), 'max_per_image'),
         (dict(decode_head=MASKATTN_HEAD), 'Mask2FormerPanopticHead'),
         (dict(bogus=1), 'bogus')],
        call=lambda m, x, samples: _losses(m.loss(x, samples)),
        prepare=_perturb_msda),
    'FewShotDataPreProcessor':
    Spec(
        dict(
            type='FewShotDataPreProcessor',
            mean=[123.675, 116.28, 103.53],
            std=[58.395, 57.12, 57.375],
            bgr_to_rgb=True,
            size_divisor=32),
        lambda: (dict(
            inputs=[
                torch.randint(0, 256, (2, 3, 60, 60), dtype=torch.uint8)
                for _ in range(2)
            ],
            data_samples=_episode_samples(size=60)), ),
        [(2, 2, 3, 64, 64)],
        [(dict(mean=[1.0, 2.0, 3.0], std=None), 'std'),
         (dict(size=(64, )), 'size'), (dict(bogus=1), 'bogus')],
        call=lambda m, data: m(data, training=True)['inputs'],
        differentiable=False),
    'CCPanopticSegmentor':
    Spec(
        CC_PANOPTIC, lambda: (torch.randn(2, 3, 64, 64), _samples()), [()],
        [(dict(thing_classes=[4]), 'thing_classes'),
         (dict(thing_classes=[]), 'thing_classes'),
         (dict(connectivity=6), 'connectivity'),
         (dict(min_area=-1), 'min_area'),
         (dict(bogus=1), 'bogus')],
        call=lambda m, x, samples: _losses(m.loss(x, samples))),
    'ConvDownsample':
    Spec(
        dict(type='ConvDownsample', embed_dims=8, norm_cfg=dict(type='LN')),
        lambda: (torch.randn(2, 8, 7, 6), ), [(2, 8, 4, 3)],
        [(dict(bogus=1), 'bogus')]),
    'EfficientSelfAttention':
    Spec(
        dict(
            type='EfficientSelfAttention',
            embed_dims=8,
            num_heads=2,
            sr_ratio=2),
        lambda: (torch.randn(2, 20, 8), (4, 5)), [(2, 20, 8)],
        [(dict(num_heads=3), 'num_heads'), (dict(sr_ratio=0), 'sr_ratio'),
         (dict(bogus=1), 'bogus')]),
    'InverseSoftmaxMatching':
    Spec(
        dict(type='InverseSoftmaxMatching', embed_dims=8),
        lambda: (torch.randn(2, 10, 8), (2, 5), torch.randn(2, 12, 8),
                 torch.rand(2, 12)), [(2, 10, 8), (2, 10)],
        [(dict(embed_dims=0), 'embed_dims'),
         (dict(num_heads=3), 'num_heads'),
         (dict(temperature=0.0), 'temperature'), (dict(bogus=1), 'bogus')]),
    'BAMEnsemble':
    Spec(
        dict(type='BAMEnsemble'),
        lambda: (torch.randn(2, 2, 4, 4), torch.rand(2, 1, 4, 4),
                 torch.rand(2, 1, 1, 1)), [(2, 2, 4, 4)],
        [(dict(bogus=1), 'bogus')]),
    'HDMNetHead':
    Spec(
        HDMNET_HEAD, _hdmnet_head_inputs,
        [(2, 2, 16, 16), (2, 1, 16, 16), (2, 1, 8, 8), (2, 1, 4, 4)],
        [(dict(num_heads=(2, 4)), 'num_heads'),
         (dict(num_heads=(2, 3, 2)), 'num_heads'),
         (dict(match_heads=3), 'num_heads'),
         (dict(temperature=0.0), 'temperature'),
         (dict(num_priors=-1), 'num_priors'),
         (dict(support_mask_mode='area'), 'support_mask_mode'),
         (dict(bogus=1), 'bogus')],
        call=_hdmnet_head_call),
    # a loss has no parameters: the backward test checks that the scalar it
    # returns is differentiable with respect to the student map
    'DualTaskLoss':
    Spec(
        dict(type='DualTaskLoss'),
        lambda: (torch.randn(2, 3, 8, 8, requires_grad=True),
                 torch.randint(0, 3, (2, 8, 8))), [()],
        [(dict(tau=0.0), 'tau'), (dict(reduction='avg'), 'reduction'),
         (dict(bogus=1), 'bogus')]),
    'EdgeAttentionLoss':
    Spec(
        dict(type='EdgeAttentionLoss', threshold=0.3),
        lambda: (torch.randn(2, 3, 8, 8, requires_grad=True),
                 torch.randint(0, 3, (2, 8, 8)), torch.randn(2, 1, 8, 8)),
        [()],
        [(dict(threshold=1.5), 'threshold'),
         (dict(reduction='avg'), 'reduction'), (dict(bogus=1), 'bogus')]),
    'GSCNNHead':
    Spec(
        GSCNN_HEAD, lambda: (_feats() + [_canny()], _edge_samples()),
        [(), (), (), ()],
        [(dict(shape_channels=(8, 4, 4)), 'shape_channels'),
         (dict(dilations=(2, 4)), 'dilations'),
         (dict(low_level_channels=0), 'low_level_channels'),
         (dict(with_shape_stream=False), 'loss_edge'),
         (dict(input_transform='resize_concat'), 'input_transform'),
         (dict(bogus=1), 'bogus')],
        call=lambda m, feats, samples: _losses(m.loss(feats, samples, {}))),
    'GSCNN':
    Spec(
        dict(
            type='GSCNN',
            backbone=GSCNN_BACKBONE,
            decode_head=dict(GSCNN_HEAD, in_channels=[8, 16, 32, 64]),
            test_cfg=dict(mode='whole')),
        lambda: (torch.randn(2, 3, 64, 64), _edge_samples()),
        [(), (), (), ()],
        [(dict(canny_thresholds=(100, 10)), 'canny_thresholds'),
         (dict(bogus=1), 'bogus')],
        call=lambda m, x, samples: _losses(m.loss(x, samples))),
    'GatedSpatialConv':
    Spec(
        dict(type='GatedSpatialConv', in_channels=8, gate_channels=1,
             out_channels=6),
        lambda: (torch.randn(2, 8, 6, 6), torch.randn(2, 1, 6, 6)),
        [(2, 6, 6, 6)],
        [(dict(in_channels=0), 'in_channels'),
         (dict(gate_channels=1.5), 'gate_channels'),
         (dict(bogus=1), 'bogus')]),
    'CorrelationDistillationLoss':
    Spec(
        dict(type='CorrelationDistillationLoss'),
        lambda: (torch.randn(2, 4, 4, requires_grad=True),
                 torch.randn(2, 2, 2)), [()],
        [(dict(temperature=0.0), 'temperature'),
         (dict(reduction='avg'), 'reduction'), (dict(bogus=1), 'bogus')]),
    'HDMNet':
    Spec(
        HDMNET,
        lambda: (torch.randn(2, 2, 3, 64, 64), _episode_samples()),
        [(), ()],  # loss_distill, loss_meta (no base learner: one CE)
        [(dict(decode_head=dict(HDMNET_HEAD, num_heads=(2, 4))),
          'num_heads'),
         (dict(decode_head=HDMNET_HEAD), 'decode_head.num_priors'),
         (dict(support_mask_mode='area'), 'support_mask_mode'),
         (dict(reduce_dim=0), 'reduce_dim'),
         (dict(bogus=1), 'bogus')],
        call=lambda m, x, samples: _losses(m.loss(x, samples))),
    'PrototypeFSS':
    Spec(
        PROTOTYPE_FSS,
        lambda: (torch.randn(2, 2, 3, 64, 64), _episode_samples()), [()],
        [(dict(decode_head=dict(PROTOTYPE_HEAD, in_channels=40)),
          'decode_head.in_channels'), (dict(bogus=1), 'bogus')],
        call=lambda m, x, samples: _losses(m.loss(x, samples))),
    'PrototypeHead':
    Spec(
        PROTOTYPE_HEAD,
        lambda: ((torch.randn(6, 48, 8, 8),
                  (torch.rand(4, 1, 64, 64) > 0.5).float(),
                  torch.ones(4, 1, 64, 64)), ), [(2, 2, 8, 8)],
        [(dict(channels=0), 'channels'), (dict(scale=0.0), 'scale'),
         (dict(in_channels=[48]), 'in_channels'),
         (dict(bogus=1), 'bogus')]),
}

# variants of the registered modules that take other code paths
VARIANTS = {
    'HDMNet-2shot':
    Spec(
        HDMNET,
        lambda: (torch.randn(2, 3, 3, 64, 64), _episode_samples(shot=2)),
        [(), ()], [],
        call=lambda m, x, samples: _losses(m.loss(x, samples))),
    'UMixFormerHead-cityscapes':
    Spec(
        _head_cfg(pool_ratios=(2, 4, 8, 16), query_pool_ratio=2),
        lambda: (_feats(size=128), ), [(2, 3, 32, 32)], []),
    'UMixFormerHead-plus':
    Spec(
        _head_cfg(in_channels=HEAD_CHANNELS + [24, 24]),
        lambda: (_feats(extra=(24, 24)), ), [(2, 3, 16, 16)], []),
    'UMixFormerHead-odd-size':
    Spec(_head_cfg(), lambda: (_feats(size=96), ), [(2, 3, 24, 24)], []),
    'MaskAttnUNetHead-shared-coords':
    Spec(
        {**MASKATTN_HEAD, 'embed_convs': 0, 'embed_coords': True},
        lambda: ([torch.randn(2, 8, 64, 64)], _samples()), [(), ()], [],
        call=lambda m, feats, samples: _losses(m.loss(feats, samples, {}))),
    'MaskAttnUNetHead-coords':
    Spec(
        {**MASKATTN_HEAD, 'embed_convs': 2, 'embed_coords': True},
        lambda: ([torch.randn(2, 8, 64, 64)], _samples()), [(), ()], [],
        call=lambda m, feats, samples: _losses(m.loss(feats, samples, {}))),
    'MaskAttention-soft':
    Spec(
        dict(type='MaskAttention', embed_dims=8, num_heads=2,
             mask_mode='soft'),
        lambda: (torch.randn(2, 8, 16, 16), ), [(2, 8, 16, 16)], []),
    'MaskAttention-none':
    Spec(
        dict(type='MaskAttention', embed_dims=8, num_heads=2,
             mask_mode='none'),
        lambda: (torch.randn(2, 8, 16, 16), ), [(2, 8, 16, 16)], []),
    'MaskAttention-kv_pool':
    Spec(
        dict(type='MaskAttention', embed_dims=8, num_heads=2, kv_pool=2),
        lambda: (torch.randn(2, 8, 16, 16), ), [(2, 8, 16, 16)], []),
    'MaskAttention-kv_pool-odd-size':
    Spec(
        dict(type='MaskAttention', embed_dims=8, num_heads=2, kv_pool=3),
        lambda: (torch.randn(2, 8, 10, 10), ), [(2, 8, 10, 10)], []),
}

ALL = {**SPECS, **VARIANTS}


def _ours():
    return sorted(name for name, cls in MODELS.module_dict.items()
                  if cls.__module__.startswith('mmseg_maskattn'))


def test_every_registered_module_has_a_spec():
    missing = set(_ours()) - set(SPECS)
    assert not missing, f'add these modules to the harness: {missing}'


def _run(spec, model):
    if spec.call is None:
        return model(*spec.inputs())
    return spec.call(model, *spec.inputs())


def _as_list(out):
    return list(out) if isinstance(out, (list, tuple)) else [out]


@pytest.mark.parametrize('name', sorted(ALL))
def test_forward_shapes(name):
    spec = ALL[name]
    model = MODELS.build(spec.cfg).eval()
    with torch.no_grad():
        outs = _as_list(_run(spec, model))
    assert [tuple(o.shape) for o in outs] == spec.out_shapes
    assert all(torch.isfinite(o).all() for o in outs)


@pytest.mark.parametrize(
    'name', sorted(n for n in ALL if ALL[n].differentiable))
def test_backward_reaches_every_parameter(name):
    spec = ALL[name]
    torch.manual_seed(0)
    model = MODELS.build(spec.cfg).train()
    if spec.prepare is not None:
        model = spec.prepare(model)
    # stochastic depth may drop a whole branch for a tiny batch: disable it
    # so that a parameter without gradient really means a dead layer
    for module in model.modules():
        if isinstance(module, DropPath):
            module.drop_prob = 0.0
    outs = _as_list(_run(spec, model))
    sum((o**2).mean() for o in outs).backward()
    for pname, p in model.named_parameters():
        assert p.grad is not None, f'{name}: no gradient for {pname}'
        assert torch.isfinite(p.grad).all(), f'{name}: bad gradient {pname}'
        assert p.grad.abs().sum() > 0, f'{name}: zero gradient for {pname}'


@pytest.mark.parametrize(
    'name,update,text',
    [(n, u, t) for n in sorted(SPECS) for u, t in SPECS[n].bad])
def test_bad_config_names_the_key(name, update, text):
    cfg = dict(SPECS[name].cfg, **update)
    with pytest.raises((ValueError, TypeError, KeyError)) as err:
        MODELS.build(cfg)
    assert text in str(err.value)
