# FastFCN as published at this scale: a plain ResNetV1c-18 (strides 2, no
# dilation, output stride 32), mmseg's JPU back to output stride 8, and
# mmseg's PSPHead.
_base_ = './_base_/r18_camvid.py'
norm_cfg = dict(type='BN', requires_grad=True)
model = dict(
    backbone=dict(
        dilations=(1, 1, 1, 1), strides=(1, 2, 2, 2), out_indices=(1, 2, 3)),
    neck=dict(
        type='JPU',
        in_channels=(128, 256, 512),
        mid_channels=128,
        start_level=0,
        end_level=-1,
        dilations=(1, 2, 4, 8),
        align_corners=False,
        norm_cfg=norm_cfg),
    decode_head=dict(
        type='PSPHead',
        in_channels=512,
        in_index=2,
        channels=128,
        pool_scales=(1, 2, 3, 6),
        dropout_ratio=0.1,
        num_classes=11,
        norm_cfg=norm_cfg,
        align_corners=False,
        loss_decode=dict(
            type='CrossEntropyLoss', use_sigmoid=False, loss_weight=1.0)))
