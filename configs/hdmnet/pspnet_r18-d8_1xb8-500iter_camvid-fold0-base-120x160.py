# Base learner of the CamVid few-shot folds: mmseg's PSPNet (ResNetV1c-18,
# dilated, output stride 8) trained on the BASE classes of fold 0 only. In
# the paper's protocol (HDMNet, Peng et al., CVPR 2023,
# https://arxiv.org/abs/2303.14652, following BAM) the few-shot model's
# frozen backbone comes from a PSPNet trained on the fold's base classes;
# the `hdmnet_r18-pspbase_*` and `prototype-fss_r18-pspbase_*` configs load
# this model's backbone from its checkpoint.
#
# `metainfo=dict(classes=...)` keeps the base classes (ids 0..6 here, in
# CamVid order) and maps the fold's novel classes to 255 (ignored), with
# mmseg's label_map; CamVid's void label 11 is 255 as well. Trained from
# scratch (no ImageNet weights can be downloaded here) with mmseg's PSPNet
# schedule (SGD 0.01, poly 0.9), 500 iterations of batch 8 on 120x160 crops
# of the 160x120 images (the scale of the few-shot episodes).
#   python tools/train.py configs/hdmnet/pspnet_r18-d8_1xb8-500iter_camvid-fold0-base-120x160.py
# writes work_dirs/pspnet_r18-d8_1xb8-500iter_camvid-fold0-base-120x160/iter_500.pth
_base_ = [
    'mmseg::_base_/models/pspnet_r50-d8.py',
    '../_base_/datasets/camvid.py',
    'mmseg::_base_/default_runtime.py',
    '../_base_/cpu_iter_runtime.py',
]
custom_imports = dict(imports=['mmseg_maskattn'], allow_failed_imports=False)
default_scope = 'mmseg'
# fold 0 is novel: Sky, Building, Pole, Road
base_classes = ('Pavement', 'Tree', 'SignSymbol', 'Fence', 'Car',
                'Pedestrian', 'Bicyclist')
crop_size = (120, 160)  # (h, w)
img_scale = (160, 120)  # (w, h)
max_iters = 500
norm_cfg = dict(type='BN', requires_grad=True)
model = dict(
    data_preprocessor=dict(size=crop_size),
    pretrained=None,
    backbone=dict(depth=18, norm_cfg=norm_cfg),
    decode_head=dict(
        in_channels=512,
        channels=128,
        num_classes=len(base_classes),
        norm_cfg=norm_cfg),
    auxiliary_head=dict(
        in_channels=256,
        channels=64,
        num_classes=len(base_classes),
        norm_cfg=norm_cfg))
train_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='LoadAnnotations'),
    dict(
        type='RandomResize',
        scale=img_scale,
        ratio_range=(1.0, 1.5),
        keep_ratio=True),
    dict(type='RandomCrop', crop_size=crop_size, cat_max_ratio=0.75),
    dict(type='RandomFlip', prob=0.5),
    dict(type='PhotoMetricDistortion'),
    dict(type='PackSegInputs')
]
test_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='Resize', scale=img_scale, keep_ratio=True),
    dict(type='LoadAnnotations'),
    dict(type='PackSegInputs')
]
train_dataloader = dict(
    batch_size=8,
    dataset=dict(
        metainfo=dict(classes=base_classes), pipeline=train_pipeline))
val_dataloader = dict(
    dataset=dict(metainfo=dict(classes=base_classes), pipeline=test_pipeline))
test_dataloader = val_dataloader
optim_wrapper = dict(
    type='OptimWrapper',
    optimizer=dict(type='SGD', lr=0.01, momentum=0.9, weight_decay=0.0005))
param_scheduler = [
    dict(
        type='PolyLR',
        eta_min=1e-4,
        power=0.9,
        begin=0,
        end=max_iters,
        by_epoch=False)
]
train_cfg = dict(
    type='IterBasedTrainLoop', max_iters=max_iters, val_interval=max_iters)
default_hooks = dict(
    logger=dict(interval=50), checkpoint=dict(interval=max_iters))
