# The prototype baseline (PrototypeFSS: cosine to masked-average prototypes,
# PANet's classifier, Wang et al., ICCV 2019,
# https://arxiv.org/abs/1908.06391) of the CamVid study of
# projects/fewshot_camvid, fold 0, 1-shot, with the data, schedule and test
# of the published-HDMNet study config next to it: 180x240 episodes, 1200
# iterations of batch 4, a checkpoint every 300, test 1000 episodes x 5
# seeds. Its frozen ResNetV1c-18 is the backbone of the same basebg PSPNet.
#   python tools/train.py projects/fewshot_camvid/configs/prototype-fss_r18-pspbasebg_1xb4-1200iter_camvid-fold0-1shot-180x240.py
_base_ = ('../../../configs/hdmnet/'
          'prototype-fss_r18-pspbase_1xb4-300iter_camvid-fold0-1shot-120x160.py')
custom_imports = dict(imports=['mmseg_maskattn'], allow_failed_imports=False)
default_scope = 'mmseg'
crop_size = (180, 240)  # (h, w)
img_scale = (240, 180)  # (w, h)
max_iters = 1200
batch_size = 4
model = dict(
    data_preprocessor=dict(size=crop_size),
    backbone=dict(
        init_cfg=dict(
            checkpoint='work_dirs/fewshot_camvid_published/'
            'pspnet-basebg-fold0/iter_1000.pth')))
train_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='LoadAnnotations'),
    dict(
        type='RandomResize',
        scale=img_scale,
        ratio_range=(1.0, 1.5),
        keep_ratio=True),
    dict(type='RandomCrop', crop_size=crop_size),
    dict(type='RandomFlip', prob=0.5),
]
test_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='Resize', scale=img_scale, keep_ratio=True),
    dict(type='LoadAnnotations'),
]
train_dataloader = dict(
    dataset=dict(
        num_episodes=max_iters * batch_size,
        dataset=dict(pipeline=train_pipeline)))
val_dataloader = dict(
    dataset=dict(num_episodes=100, dataset=dict(pipeline=test_pipeline)))
test_dataloader = dict(
    dataset=dict(num_episodes=1000, dataset=dict(pipeline=test_pipeline)))
param_scheduler = [
    dict(
        type='PolyLR',
        eta_min=0.0,
        power=0.9,
        begin=0,
        end=max_iters,
        by_epoch=False)
]
train_cfg = dict(
    type='IterBasedTrainLoop', max_iters=max_iters, val_interval=max_iters)
default_hooks = dict(checkpoint=dict(interval=300))
