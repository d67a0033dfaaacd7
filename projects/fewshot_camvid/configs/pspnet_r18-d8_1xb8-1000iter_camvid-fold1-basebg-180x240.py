# Base learner and backbone of the published-model CamVid study
# (projects/fewshot_camvid, HDMNet, Peng et al., CVPR 2023,
# https://arxiv.org/abs/2303.14652, with BAM's base learner, Lang et al.,
# CVPR 2022, https://arxiv.org/abs/2203.07615): the fold-1 PSPNet-R18 on base
# classes + background of configs/hdmnet/, at the study's 180x240 episode
# scale (half of CamVid's 360x480) and for 1000 iterations of batch 8 (about
# 35 minutes on the 2-core VM), validated every 250 iterations.
#   python tools/train.py projects/fewshot_camvid/configs/pspnet_r18-d8_1xb8-1000iter_camvid-fold1-basebg-180x240.py
_base_ = ('../../../configs/hdmnet/'
          'pspnet_r18-d8_1xb8-500iter_camvid-fold1-basebg-120x160.py')
custom_imports = dict(imports=['mmseg_maskattn'], allow_failed_imports=False)
default_scope = 'mmseg'
crop_size = (180, 240)  # (h, w)
img_scale = (240, 180)  # (w, h)
max_iters = 1000
model = dict(data_preprocessor=dict(size=crop_size))
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
train_dataloader = dict(dataset=dict(pipeline=train_pipeline))
val_dataloader = dict(dataset=dict(pipeline=test_pipeline))
test_dataloader = val_dataloader
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
    type='IterBasedTrainLoop', max_iters=max_iters, val_interval=250)
default_hooks = dict(checkpoint=dict(interval=max_iters))
