# Gated-SCNN (https://arxiv.org/abs/1907.05740) on mmseg's ResNetV1c-50-D8
# with mmseg's DeepLabV3+ Cityscapes recipe (4 GPUs x 2 images, 512x1024
# crops, SGD 0.01, 80k iterations): the regular stream is the dilated ResNet,
# GSCNNHead adds the shape stream, the gated fusion and the ASPP decoder, the
# GSCNN segmentor gives the head the image's Canny edges and mmseg's
# GenerateEdge the edge labels of the edge loss.
_base_ = 'mmseg::deeplabv3plus/deeplabv3plus_r50-d8_4xb2-80k_cityscapes-512x1024.py'  # noqa: E501
custom_imports = dict(imports=['mmseg_maskattn'], allow_failed_imports=False)
default_scope = 'mmseg'
crop_size = (512, 1024)
norm_cfg = dict(type='SyncBN', requires_grad=True)
model = dict(
    type='GSCNN',
    canny_thresholds=(10, 100),
    decode_head=dict(
        _delete_=True,
        type='GSCNNHead',
        in_channels=[256, 512, 1024, 2048],
        in_index=[0, 1, 2, 3],
        channels=256,
        shape_channels=(64, 32, 16, 8),
        dilations=(1, 12, 24, 36),
        low_level_channels=48,
        dropout_ratio=0.0,
        num_classes=19,
        norm_cfg=norm_cfg,
        align_corners=False,
        loss_decode=dict(
            type='CrossEntropyLoss', use_sigmoid=False, loss_weight=1.0),
        loss_edge=dict(
            type='BoundaryLoss', loss_weight=20.0, loss_name='loss_edge'),
        loss_edge_attention=dict(
            type='EdgeAttentionLoss', threshold=0.8, loss_weight=1.0),
        loss_dual_task=dict(type='DualTaskLoss', tau=0.5, loss_weight=1.0)),
    auxiliary_head=None)
train_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='LoadAnnotations'),
    dict(
        type='RandomResize',
        scale=(2048, 1024),
        ratio_range=(0.5, 2.0),
        keep_ratio=True),
    dict(type='RandomCrop', crop_size=crop_size, cat_max_ratio=0.75),
    dict(type='RandomFlip', prob=0.5),
    dict(type='PhotoMetricDistortion'),
    # edge labels of the final crop, for loss_edge
    dict(type='GenerateEdge', edge_width=3),
    dict(type='PackSegInputs')
]
train_dataloader = dict(dataset=dict(pipeline=train_pipeline))
