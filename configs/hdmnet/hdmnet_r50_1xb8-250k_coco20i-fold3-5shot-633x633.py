# HDMNet, ResNet-50, COCO-20i fold 3, 5-shot (schedule: see fold 0).
_base_ = './hdmnet_r50_1xb8-250k_coco20i-fold0-1shot-633x633.py'
fold, shot = 3, 5
base_checkpoint = 'checkpoints/bam_pspnet_r50_coco20i-fold3.pth'
model = dict(
    data_preprocessor=dict(shot=shot),
    backbone=dict(init_cfg=dict(checkpoint=base_checkpoint)),
    base_learner_classes=
    [1, 2, 3, 5, 6, 7, 9, 10, 11, 13, 14, 15, 17, 18, 19, 21, 22, 23, 25, 26,
     27, 29, 30, 31, 33, 34, 35, 37, 38, 39, 41, 42, 43, 45, 46, 47, 49, 50,
     51, 53, 54, 55, 57, 58, 59, 61, 62, 63, 65, 66, 67, 69, 70, 71, 73, 74,
     75, 77, 78, 79],
    base_learner=dict(init_cfg=dict(checkpoint=base_checkpoint)))
train_dataloader = dict(dataset=dict(fold=fold, shot=shot))
val_dataloader = dict(dataset=dict(fold=fold, shot=shot))
test_dataloader = val_dataloader
