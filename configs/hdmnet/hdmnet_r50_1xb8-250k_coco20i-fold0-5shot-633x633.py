# HDMNet, ResNet-50, COCO-20i fold 0, 5-shot (schedule: see fold 0).
_base_ = './hdmnet_r50_1xb8-250k_coco20i-fold0-1shot-633x633.py'
fold, shot = 0, 5
base_checkpoint = 'checkpoints/bam_pspnet_r50_coco20i-fold0.pth'
model = dict(
    data_preprocessor=dict(shot=shot),
    backbone=dict(init_cfg=dict(checkpoint=base_checkpoint)),
    base_learner_classes=
    [2, 3, 4, 6, 7, 8, 10, 11, 12, 14, 15, 16, 18, 19, 20, 22, 23, 24, 26, 27,
     28, 30, 31, 32, 34, 35, 36, 38, 39, 40, 42, 43, 44, 46, 47, 48, 50, 51,
     52, 54, 55, 56, 58, 59, 60, 62, 63, 64, 66, 67, 68, 70, 71, 72, 74, 75,
     76, 78, 79, 80],
    base_learner=dict(init_cfg=dict(checkpoint=base_checkpoint)))
train_dataloader = dict(dataset=dict(fold=fold, shot=shot))
val_dataloader = dict(dataset=dict(fold=fold, shot=shot))
test_dataloader = val_dataloader
