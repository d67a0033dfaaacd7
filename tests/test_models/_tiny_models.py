"""Tiny model configs shared by the model harness and other tests.

They are read when ``test_harness`` is imported (its specs are module
data); tests receive them through the fixtures of ``tests/conftest.py``
(``tiny_resnet_cfg``, ``m2f_head_cfg``, ``cc_panoptic_cfg``).
"""
BN = dict(type='BN', requires_grad=True)

TINY_RESNET = dict(
    type='ResNet', depth=18, stem_channels=8, base_channels=8,
    out_indices=(0, 1, 2, 3), norm_cfg=BN)

# the U-Net baseline of MaskAttn-UNet read as panoptic: mmseg's UNet + FCN
CC_PANOPTIC = dict(
    type='CCPanopticSegmentor',
    thing_classes=[1, 2],
    backbone=dict(
        type='UNet',
        base_channels=8,
        num_stages=3,
        strides=(1, 1, 1),
        enc_num_convs=(2, 2, 2),
        dec_num_convs=(2, 2),
        downsamples=(True, True),
        enc_dilations=(1, 1, 1),
        dec_dilations=(1, 1),
        norm_cfg=BN),
    decode_head=dict(
        type='FCNHead',
        in_channels=8,
        in_index=2,
        channels=8,
        num_convs=1,
        concat_input=False,
        num_classes=4,
        norm_cfg=BN))


def m2f_head() -> dict:
    """A tiny panoptic Mask2Former head (mmdet's decoder, 3 levels).

    A function, not a constant: each call returns a fresh nested dict.
    """
    return dict(
        type='Mask2FormerPanopticHead',
        thing_classes=[1, 2],
        in_channels=[8, 16, 32, 64],
        feat_channels=16,
        out_channels=16,
        num_classes=4,
        num_queries=5,
        num_transformer_feat_level=3,
        pixel_decoder=dict(
            type='mmdet.MSDeformAttnPixelDecoder',
            num_outs=3,
            norm_cfg=dict(type='GN', num_groups=4),
            act_cfg=dict(type='ReLU'),
            encoder=dict(
                num_layers=1,
                layer_cfg=dict(
                    self_attn_cfg=dict(
                        embed_dims=16, num_heads=2, num_levels=3,
                        num_points=2, batch_first=True),
                    ffn_cfg=dict(embed_dims=16, feedforward_channels=32))),
            positional_encoding=dict(num_feats=8, normalize=True)),
        enforce_decoder_input_project=False,
        positional_encoding=dict(num_feats=8, normalize=True),
        transformer_decoder=dict(
            return_intermediate=True,
            num_layers=3,
            layer_cfg=dict(
                self_attn_cfg=dict(
                    embed_dims=16, num_heads=2, batch_first=True),
                cross_attn_cfg=dict(
                    embed_dims=16, num_heads=2, batch_first=True),
                ffn_cfg=dict(embed_dims=16, feedforward_channels=32))),
        loss_cls=dict(
            type='mmdet.CrossEntropyLoss',
            use_sigmoid=False,
            loss_weight=2.0,
            class_weight=[1.0] * 4 + [0.1]),
        loss_mask=dict(
            type='mmdet.CrossEntropyLoss', use_sigmoid=True, loss_weight=5.0),
        loss_dice=dict(
            type='mmdet.DiceLoss', use_sigmoid=True, naive_dice=True,
            eps=1.0, loss_weight=5.0),
        train_cfg=dict(
            num_points=256,
            oversample_ratio=3.0,
            importance_sample_ratio=0.75,
            assigner=dict(
                type='mmdet.HungarianAssigner',
                match_costs=[
                    dict(type='mmdet.ClassificationCost', weight=2.0),
                    dict(type='mmdet.CrossEntropyLossCost', weight=5.0,
                         use_sigmoid=True),
                    dict(type='mmdet.DiceCost', weight=5.0, pred_act=True,
                         eps=1.0)
                ]),
            sampler=dict(type='mmdet.MaskPseudoSampler')))
