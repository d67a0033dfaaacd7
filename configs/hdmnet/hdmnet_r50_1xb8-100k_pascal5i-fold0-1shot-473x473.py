# HDMNet, ResNet-50, PASCAL-5i fold 0, 1-shot, batch 8 on one GPU, 473x473.
# Batch: the release's PASCAL config sets 4 episodes per GPU (its train.sh
# launches 1, 2 or 4 GPUs) and notes batch 8 for one GPU, which is ours.
# Schedule: HDMNet trains 200 epochs over the training list of a
# fold (BAM's list: the VOC+SBD images that hold a base class with >= 2048
# pixels and no novel-class pixel, about 4,000 images per fold; the exact
# count of a fold is printed by tools/dataset_converters/build_fss_folds.py):
#   200 epochs x 4,000 images / 8 per batch = 100,000 iterations.
# EpisodicDataset draws a class, then images (not epochs over a list): every
# one of the 100,000 x 8 = 800,000 training episodes is distinct.
# Test: 5 seeds x 1000 episodes at the label size, mean mIoU / FB-IoU.
#   python tools/train.py configs/hdmnet/hdmnet_r50_1xb8-100k_pascal5i-fold0-1shot-473x473.py
#   python tools/test.py configs/hdmnet/hdmnet_r50_1xb8-100k_pascal5i-fold0-1shot-473x473.py work_dirs/.../iter_100000.pth
_base_ = [
    '../_base_/models/hdmnet_r50.py',
    '../_base_/datasets/pascal5i.py',
    'mmseg::_base_/default_runtime.py',
    '../_base_/cpu_iter_runtime.py',
]
custom_imports = dict(imports=['mmseg_maskattn'], allow_failed_imports=False)
default_scope = 'mmseg'
fold, shot = 0, 1
crop_size = (473, 473)
max_iters = 100000
batch_size = 8
# The published model (HDMNet's release): the frozen backbone and the
# base learner are BAM's PSPNet-R50 (deep stem of 128 channels) trained on the
# fold's base classes plus background; its PSP features give the second
# prior and its prediction the base-learner ensemble. Convert BAM's
# checkpoint with
#   python tools/model_converters/hdmnet2mmseg.py BAM_PSPNET.pth \
#       checkpoints/bam_pspnet_r50_pascal5i-fold0.pth --pspnet
# or a released HDMNet checkpoint (backbone and base learner included) with
#   python tools/model_converters/hdmnet2mmseg.py HDMNET.pth hdmnet.pth \
#       --config THIS_CONFIG
# and pass `--cfg-options load_from=hdmnet.pth` to tools/test.py.
base_checkpoint = 'checkpoints/bam_pspnet_r50_pascal5i-fold0.pth'
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
    # class ids of the base learner's channels 1..15 (the fold's base
    # classes in id order; channel 0 is background)
    base_learner_classes=
    [6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20],
    base_learner=dict(
        type='PSPHead',
        in_channels=2048,
        in_index=2,
        channels=512,
        pool_scales=(1, 2, 3, 6),
        dropout_ratio=0.1,
        num_classes=16,
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
    type='IterBasedTrainLoop', max_iters=max_iters, val_interval=5000)
test_cfg = dict(type='MultiSeedTestLoop', seeds=[321, 322, 323, 324, 325])
default_hooks = dict(checkpoint=dict(interval=5000, max_keep_ckpts=2))
# FewShotFoldCheckHook refuses folds that contradict a base learner's classes
# (training episodes of another fold, test episodes of a base class)
custom_hooks = [
    dict(type='RandomStateHook'),
    dict(type='StrictLoadHook'),
    dict(type='FewShotFoldCheckHook')
]
