# HDMNet as published (HDMNet, Peng et al., CVPR 2023,
# https://arxiv.org/abs/2303.14652: the release's meta learner and BAM's
# base-learner ensemble, Lang et al., CVPR 2022,
# https://arxiv.org/abs/2203.07615) in the CamVid study of
# projects/fewshot_camvid, fold 0, 1-shot: the ensemble config of
# configs/hdmnet/ at 180x240 episodes (half of CamVid's 360x480), 1200
# iterations of batch 4 (4x the first study's 300) with a checkpoint every
# 300 for the learning curve (fg_ranking.py). Backbone and base learner come
# from the fold's basebg PSPNet of this folder, trained first (run_study.py
# --study published does both). Validation: 100 episodes of seed 321 at the
# end; test: 1000 episodes x 5 seeds.
#   python tools/train.py projects/fewshot_camvid/configs/pspnet_r18-d8_1xb8-1000iter_camvid-fold0-basebg-180x240.py \
#       --work-dir work_dirs/fewshot_camvid_published/pspnet-basebg-fold0
#   python tools/train.py projects/fewshot_camvid/configs/hdmnet_r18-pspbasebg-ens_1xb4-1200iter_camvid-fold0-1shot-180x240.py
_base_ = ('../../../configs/hdmnet/'
          'hdmnet_r18-pspbasebg-ens_1xb4-300iter_camvid-fold0-1shot-120x160.py')
custom_imports = dict(imports=['mmseg_maskattn'], allow_failed_imports=False)
default_scope = 'mmseg'
base_checkpoint = ('work_dirs/fewshot_camvid_published/pspnet-basebg-fold0/'
                   'iter_1000.pth')
crop_size = (180, 240)  # (h, w)
img_scale = (240, 180)  # (w, h)
max_iters = 1200
batch_size = 4
model = dict(
    data_preprocessor=dict(size=crop_size),
    backbone=dict(init_cfg=dict(checkpoint=base_checkpoint)),
    base_learner=dict(init_cfg=dict(checkpoint=base_checkpoint)))
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
