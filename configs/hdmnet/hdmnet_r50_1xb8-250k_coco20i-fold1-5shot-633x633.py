# HDMNet, ResNet-50, COCO-20i fold 1, 5-shot (schedule: see fold 0).
_base_ = './hdmnet_r50_1xb8-250k_coco20i-fold0-1shot-633x633.py'
fold, shot = 1, 5
base_checkpoint = 'checkpoints/bam_pspnet_r50_coco20i-fold1.pth'
model = dict(
    data_preprocessor=dict(shot=shot),
    backbone=dict(init_cfg=dict(checkpoint=base_checkpoint)),
    base_learner_classes=
    [1, 3, 4, 5, 7, 8, 9, 11, 12, 13, 15, 16, 17, 19, 20, 21, 23, 24, 25, 27,
     28, 29, 31, 32, 33, 35, 36, 37, 39, 40, 41, 43, 44, 45, 47, 48, 49, 51,
     52, 53, 55, 56, 57, 59, 60, 61, 63, 64, 65, 67, 68, 69, 71, 72, 73, 75,
     76, 77, 79, 80],
    base_learner=dict(init_cfg=dict(checkpoint=base_checkpoint)))
train_dataloader = dict(dataset=dict(fold=fold, shot=shot))
val_dataloader = dict(dataset=dict(fold=fold, shot=shot))
test_dataloader = val_dataloader
