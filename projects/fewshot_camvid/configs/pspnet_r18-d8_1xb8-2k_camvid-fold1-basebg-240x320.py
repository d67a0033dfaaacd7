# GPU check of projects/fewshot_camvid (gpu_check.sh): the fold-1 basebg
# PSPNet-R18 base learner (BAM, Lang et al., CVPR 2022,
# https://arxiv.org/abs/2203.07615) at 240x320 (two thirds of CamVid's
# 360x480), 2000 iterations of batch 8, validated every 500.
#   python tools/train.py projects/fewshot_camvid/configs/pspnet_r18-d8_1xb8-2k_camvid-fold1-basebg-240x320.py
_base_ = './pspnet_r18-d8_1xb8-1000iter_camvid-fold1-basebg-180x240.py'
custom_imports = dict(imports=['mmseg_maskattn'], allow_failed_imports=False)
default_scope = 'mmseg'
crop_size = (240, 320)  # (h, w)
img_scale = (320, 240)  # (w, h)
max_iters = 2000
model = dict(data_preprocessor=dict(size=crop_size))
train_dataloader = dict(
    num_workers=4,
    dataset=dict(
        pipeline=[
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
        ]))
val_dataloader = dict(
    dataset=dict(pipeline=[
        dict(type='LoadImageFromFile'),
        dict(type='Resize', scale=img_scale, keep_ratio=True),
        dict(type='LoadAnnotations'),
        dict(type='PackSegInputs')
    ]))
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
    type='IterBasedTrainLoop', max_iters=max_iters, val_interval=500)
default_hooks = dict(
    logger=dict(interval=100), checkpoint=dict(interval=max_iters))
