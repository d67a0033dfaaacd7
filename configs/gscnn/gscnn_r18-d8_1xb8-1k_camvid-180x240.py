# Gated-SCNN sized for a CPU: ResNetV1c-18-D8 from scratch (no pretrained
# weights) on CamVid at half resolution (180x240 crops), 1000 iterations of
# batch 8, SGD with poly decay. Place CamVid under data/camvid (see
# configs/_base_/datasets/camvid.py), then:
#   python tools/train.py configs/gscnn/gscnn_r18-d8_1xb8-1k_camvid-180x240.py
_base_ = [
    '../_base_/datasets/camvid.py',
    'mmseg::_base_/default_runtime.py',
    '../_base_/cpu_iter_runtime.py',
]
custom_imports = dict(imports=['mmseg_maskattn'], allow_failed_imports=False)
default_scope = 'mmseg'
crop_size = (180, 240)
img_scale = (240, 180)
norm_cfg = dict(type='BN', requires_grad=True)
model = dict(
    type='GSCNN',
    canny_thresholds=(10, 100),
    data_preprocessor=dict(
        type='SegDataPreProcessor',
        mean=[123.675, 116.28, 103.53],
        std=[58.395, 57.12, 57.375],
        bgr_to_rgb=True,
        pad_val=0,
        seg_pad_val=255,
        size=crop_size),
    backbone=dict(
        type='ResNetV1c',
        depth=18,
        num_stages=4,
        out_indices=(0, 1, 2, 3),
        dilations=(1, 1, 2, 4),
        strides=(1, 2, 1, 1),
        norm_cfg=norm_cfg,
        norm_eval=False,
        style='pytorch',
        contract_dilation=True),
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
        loss_dual_task=dict(type='DualTaskLoss', tau=0.5, loss_weight=1.0)),
    train_cfg=dict(),
    test_cfg=dict(mode='whole'))

train_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='LoadAnnotations'),
    dict(
        type='RandomResize',
        scale=img_scale,
        ratio_range=(0.5, 2.0),
        keep_ratio=True),
    dict(type='RandomCrop', crop_size=crop_size, cat_max_ratio=0.75),
    dict(type='RandomFlip', prob=0.5),
    dict(type='PhotoMetricDistortion'),
    # edge labels of the final crop, for loss_edge
    dict(type='GenerateEdge', edge_width=3),
    dict(type='PackSegInputs')
]
test_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='Resize', scale=img_scale, keep_ratio=True),
    dict(type='LoadAnnotations'),
    dict(type='PackSegInputs')
]
train_dataloader = dict(batch_size=8, dataset=dict(pipeline=train_pipeline))
val_dataloader = dict(dataset=dict(pipeline=test_pipeline))
test_dataloader = val_dataloader
val_evaluator = [
    dict(type='IoUMetric', iou_metrics=['mIoU']),
    dict(type='BoundaryFScoreMetric', tolerances=(3, 5)),
]
test_evaluator = val_evaluator

optim_wrapper = dict(
    type='OptimWrapper',
    optimizer=dict(type='SGD', lr=0.01, momentum=0.9, weight_decay=0.0005),
    clip_grad=None)
param_scheduler = [
    dict(
        type='PolyLR',
        eta_min=1e-4,
        power=0.9,
        begin=0,
        end=1000,
        by_epoch=False)
]
train_cfg = dict(type='IterBasedTrainLoop', max_iters=1000, val_interval=1000)
default_hooks = dict(checkpoint=dict(interval=500))
