# GPU check of projects/fewshot_camvid (gpu_check.sh): the prototype baseline (PrototypeFSS, PANet's classifier,
# Wang et al., ICCV 2019, https://arxiv.org/abs/1908.06391) on CamVid fold 2, 1-shot, at
# 240x320 episodes, 10000 iterations of batch 4, validated every 2500
# iterations on 100 episodes (the learning curve); test 1000 episodes x 5
# seeds. The backbone comes from the fold's 240x320 basebg PSPNet. The
# learning rate is swept by gpu_check.sh with --cfg-options.
#   python tools/train.py projects/fewshot_camvid/configs/prototype-fss_r18-pspbasebg_1xb4-10k_camvid-fold2-1shot-240x320.py
_base_ = './prototype-fss_r18-pspbasebg_1xb4-1200iter_camvid-fold2-1shot-180x240.py'
custom_imports = dict(imports=['mmseg_maskattn'], allow_failed_imports=False)
default_scope = 'mmseg'
crop_size = (240, 320)  # (h, w)
img_scale = (320, 240)  # (w, h)
max_iters = 10000
batch_size = 4
base_checkpoint = ('work_dirs/fewshot_camvid_gpu/pspnet-basebg-fold2/'
                   'iter_2000.pth')
model = dict(
    data_preprocessor=dict(size=crop_size),
    backbone=dict(init_cfg=dict(checkpoint=base_checkpoint)))
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
    num_workers=4,
    dataset=dict(
        num_episodes=max_iters * batch_size,
        dataset=dict(pipeline=train_pipeline)))
val_dataloader = dict(dataset=dict(dataset=dict(pipeline=test_pipeline)))
test_dataloader = dict(
    num_workers=4, dataset=dict(dataset=dict(pipeline=test_pipeline)))
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
    type='IterBasedTrainLoop', max_iters=max_iters, val_interval=2500)
default_hooks = dict(
    logger=dict(interval=500), checkpoint=dict(interval=max_iters))
