# HDMNet, ResNet-50, COCO-20i fold 0, 1-shot, batch 8 on one GPU, 633x633.
# Batch: the release's COCO config sets 6 episodes per GPU (its train.sh
# launches 1, 2 or 4 GPUs) and notes batch 8 for one GPU, which is ours.
# Schedule: HDMNet trains 50 epochs over the training list of a
# fold: the train2014 images (82,783) that hold a base class with >= 2048
# pixels and no novel-class pixel. That count was not measured here (no COCO
# on this machine); we assume about 40,000 images per fold (roughly half of
# train2014; tools/dataset_converters/build_fss_folds.py prints the exact
# eligible images of a fold, recompute and override train_cfg.max_iters):
#   50 epochs x 40,000 images / 8 per batch = 250,000 iterations.
# Every one of the 250,000 x 8 = 2,000,000 training episodes is distinct.
# Test: 5 seeds x 1000 episodes at the label size, mean mIoU / FB-IoU.
#   python tools/train.py configs/hdmnet/hdmnet_r50_1xb8-250k_coco20i-fold0-1shot-633x633.py
_base_ = [
    '../_base_/models/hdmnet_r50.py',
    '../_base_/datasets/coco20i.py',
    'mmseg::_base_/default_runtime.py',
    '../_base_/cpu_iter_runtime.py',
]
custom_imports = dict(imports=['mmseg_maskattn'], allow_failed_imports=False)
default_scope = 'mmseg'
fold, shot = 0, 1
crop_size = (633, 633)
max_iters = 250000
batch_size = 8
# The published model (HDMNet's release): the frozen backbone and the
# base learner are BAM's PSPNet-R50 (deep stem of 128 channels) trained on the
# fold's base classes plus background; its PSP features give the second
# prior and its prediction the base-learner ensemble. Convert BAM's
# checkpoint with
#   python tools/model_converters/hdmnet2mmseg.py BAM_PSPNET.pth \
#       checkpoints/bam_pspnet_r50_coco20i-fold0.pth --pspnet
# or a released HDMNet checkpoint (backbone and base learner included) with
#   python tools/model_converters/hdmnet2mmseg.py HDMNET.pth hdmnet.pth \
#       --config THIS_CONFIG
# and pass `--cfg-options load_from=hdmnet.pth` to tools/test.py.
base_checkpoint = 'checkpoints/bam_pspnet_r50_coco20i-fold0.pth'
model = dict(
    data_preprocessor=dict(size=crop_size, shot=shot),
    backbone=dict(
        stem_channels=128,
        init_cfg=dict(
            _delete_=True,
            type='Pretrained',
            checkpoint=base_checkpoint,
            prefix='backbone.')),
    decode_head=dict(num_priors=2),
    # class ids of the base learner's channels 1..60 (the fold's base
    # classes in id order; channel 0 is background)
    base_learner_classes=
    [2, 3, 4, 6, 7, 8, 10, 11, 12, 14, 15, 16, 18, 19, 20, 22, 23, 24, 26, 27,
     28, 30, 31, 32, 34, 35, 36, 38, 39, 40, 42, 43, 44, 46, 47, 48, 50, 51,
     52, 54, 55, 56, 58, 59, 60, 62, 63, 64, 66, 67, 68, 70, 71, 72, 74, 75,
     76, 78, 79, 80],
    base_learner=dict(
        type='PSPHead',
        in_channels=2048,
        in_index=2,
        channels=512,
        pool_scales=(1, 2, 3, 6),
        dropout_ratio=0.1,
        num_classes=61,
        norm_cfg=dict(type='BN', requires_grad=False),
        align_corners=True,
        init_cfg=dict(
            type='Pretrained', checkpoint=base_checkpoint,
            prefix='decode_head.')))
train_dataloader = dict(
    batch_size=batch_size,
    dataset=dict(
        fold=fold, shot=shot, num_episodes=max_iters * batch_size))
val_dataloader = dict(dataset=dict(fold=fold, shot=shot))
test_dataloader = val_dataloader
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
    type='IterBasedTrainLoop', max_iters=max_iters, val_interval=10000)
test_cfg = dict(type='MultiSeedTestLoop', seeds=[321, 322, 323, 324, 325])
default_hooks = dict(checkpoint=dict(interval=10000, max_keep_ckpts=2))
# FewShotFoldCheckHook refuses folds that contradict a base learner's classes
# (training episodes of another fold, test episodes of a base class)
custom_hooks = [
    dict(type='RandomStateHook'),
    dict(type='StrictLoadHook'),
    dict(type='FewShotFoldCheckHook')
]
