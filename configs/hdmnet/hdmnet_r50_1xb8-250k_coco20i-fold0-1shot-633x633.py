# HDMNet, ResNet-50, COCO-20i fold 0, 1-shot, batch 8 on one GPU, 633x633.
# Schedule: HDMNet trains 50 epochs of batch 8 over the training list of a
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
model = dict(data_preprocessor=dict(size=crop_size, shot=shot))
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
