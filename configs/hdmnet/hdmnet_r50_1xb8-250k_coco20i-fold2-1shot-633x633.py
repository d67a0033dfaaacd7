# HDMNet, ResNet-50, COCO-20i fold 2, 1-shot (schedule: see fold 0).
_base_ = './hdmnet_r50_1xb8-250k_coco20i-fold0-1shot-633x633.py'
fold, shot = 2, 1
base_checkpoint = 'checkpoints/bam_pspnet_r50_coco20i-fold2.pth'
model = dict(
    data_preprocessor=dict(shot=shot),
    backbone=dict(init_cfg=dict(checkpoint=base_checkpoint)),
    base_learner_classes=
    [1, 2, 4, 5, 6, 8, 9, 10, 12, 13, 14, 16, 17, 18, 20, 21, 22, 24, 25, 26,
     28, 29, 30, 32, 33, 34, 36, 37, 38, 40, 41, 42, 44, 45, 46, 48, 49, 50,
     52, 53, 54, 56, 57, 58, 60, 61, 62, 64, 65, 66, 68, 69, 70, 72, 73, 74,
     76, 77, 78, 80],
    base_learner=dict(init_cfg=dict(checkpoint=base_checkpoint)))
train_dataloader = dict(dataset=dict(fold=fold, shot=shot))
val_dataloader = dict(dataset=dict(fold=fold, shot=shot))
test_dataloader = val_dataloader
