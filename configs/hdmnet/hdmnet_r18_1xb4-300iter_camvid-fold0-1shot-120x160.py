# HDMNet on CamVid few-shot episodes (3 folds of the 11 classes, see
# configs/_base_/datasets/camvid_fss.py), sized for a CPU: 120x160 episodes,
# batch 4, 300 iterations. The backbone is a ResNetV1c-18 (dilated, output
# stride 8) instead of the paper's ResNet-50, randomly initialised and
# frozen: no pretrained weights are downloaded, and depth 18 is about 2x
# cheaper than depth 50 on CPU. A frozen random backbone gives weak
# features, so the numbers of this config only show that training and the
# multi-seed test run end to end. Learning rate 1e-3 (10x the paper's) for
# the short schedule, poly 0.9 as in the paper. Validation and test use 300
# episodes per seed (the datasets' default is 1000): on a shared 2-core VM one
# 1-shot episode takes about 0.25 s to test, a 5-shot one about 0.65 s, so
# the 5-seed test takes about 6 (1-shot) and 16 (5-shot) minutes; a training
# iteration about 1.0 s (1-shot) and 2.8 s (5-shot) with OMP_NUM_THREADS=1.
#   python tools/train.py configs/hdmnet/hdmnet_r18_1xb4-300iter_camvid-fold0-1shot-120x160.py
#   python tools/test.py configs/hdmnet/hdmnet_r18_1xb4-300iter_camvid-fold0-1shot-120x160.py \
#       work_dirs/hdmnet_r18_1xb4-300iter_camvid-fold0-1shot-120x160/iter_300.pth
_base_ = [
    '../_base_/models/hdmnet_r50.py',
    '../_base_/datasets/camvid_fss.py',
    'mmseg::_base_/default_runtime.py',
    '../_base_/cpu_iter_runtime.py',
]
custom_imports = dict(imports=['mmseg_maskattn'], allow_failed_imports=False)
default_scope = 'mmseg'
fold, shot = 0, 1
crop_size = (120, 160)
max_iters = 300
batch_size = 4
model = dict(
    data_preprocessor=dict(size=crop_size, shot=shot),
    # contract_dilation as mmseg's PSPNet, whose backbone the pspbase
    # configs load (the release's ResNet does not contract)
    backbone=dict(depth=18, contract_dilation=True, init_cfg=None),
    reduce_dim=128)
train_dataloader = dict(
    batch_size=batch_size,
    dataset=dict(
        fold=fold, shot=shot, num_episodes=max_iters * batch_size))
val_dataloader = dict(dataset=dict(fold=fold, shot=shot, num_episodes=300))
test_dataloader = val_dataloader
optim_wrapper = dict(optimizer=dict(lr=1e-3))
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
test_cfg = dict(type='MultiSeedTestLoop', seeds=[321, 322, 323, 324, 325])
default_hooks = dict(
    logger=dict(interval=25), checkpoint=dict(interval=max_iters))
# FewShotFoldCheckHook refuses folds that contradict a base learner's classes
# (training episodes of another fold, test episodes of a base class)
custom_hooks = [
    dict(type='RandomStateHook'),
    dict(type='StrictLoadHook'),
    dict(type='FewShotFoldCheckHook')
]
