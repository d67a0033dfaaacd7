# HDMNet, ResNet-50, PASCAL-5i fold 0, 1-shot, batch 8 on one GPU, 473x473.
# Schedule: HDMNet trains 200 epochs of batch 8 over the training list of a
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
    type='IterBasedTrainLoop', max_iters=max_iters, val_interval=5000)
test_cfg = dict(type='MultiSeedTestLoop', seeds=[321, 322, 323, 324, 325])
default_hooks = dict(checkpoint=dict(interval=5000, max_keep_ckpts=2))
