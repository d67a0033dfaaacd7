# Gated-SCNN on the output-stride-8 ResNetV1c-18: the model of
# configs/gscnn/gscnn_r18-d8_1xb8-1k_camvid-180x240.py on the study's base
# (its data, schedule and metrics).
_base_ = './_base_/r18_camvid.py'
norm_cfg = dict(type='BN', requires_grad=True)
model = dict(
    type='GSCNN',
    canny_thresholds=(10, 100),
    decode_head=dict(
        type='GSCNNHead',
        in_channels=[64, 128, 256, 512],
        in_index=[0, 1, 2, 3],
        channels=128,
        shape_channels=(64, 32, 16, 8),
        dilations=(1, 12, 24, 36),
        low_level_channels=48,
        dropout_ratio=0.0,
        num_classes=11,
        norm_cfg=norm_cfg,
        align_corners=False,
        loss_decode=dict(
            type='CrossEntropyLoss', use_sigmoid=False, loss_weight=1.0),
        loss_edge=dict(
            type='BoundaryLoss', loss_weight=20.0, loss_name='loss_edge'),
        loss_edge_attention=dict(
            type='EdgeAttentionLoss', threshold=0.8, loss_weight=1.0),
        loss_dual_task=dict(type='DualTaskLoss', tau=0.5,
                            loss_weight=1.0)))
train_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='LoadAnnotations'),
    dict(
        type='RandomResize',
        scale=(240, 180),
        ratio_range=(0.5, 2.0),
        keep_ratio=True),
    dict(type='RandomCrop', crop_size=(180, 240), cat_max_ratio=0.75),
    dict(type='RandomFlip', prob=0.5),
    dict(type='PhotoMetricDistortion'),
    dict(type='GenerateEdge', edge_width=3),
    dict(type='PackSegInputs')
]
train_dataloader = dict(dataset=dict(pipeline=train_pipeline))
