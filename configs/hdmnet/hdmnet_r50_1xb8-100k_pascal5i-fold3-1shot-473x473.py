# HDMNet, ResNet-50, PASCAL-5i fold 3, 1-shot (schedule: see fold 0).
_base_ = './hdmnet_r50_1xb8-100k_pascal5i-fold0-1shot-473x473.py'
fold, shot = 3, 1
base_checkpoint = 'checkpoints/bam_pspnet_r50_pascal5i-fold3.pth'
model = dict(
    data_preprocessor=dict(shot=shot),
    backbone=dict(init_cfg=dict(checkpoint=base_checkpoint)),
    base_learner_classes=
    [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15],
    base_learner=dict(init_cfg=dict(checkpoint=base_checkpoint)))
train_dataloader = dict(dataset=dict(fold=fold, shot=shot))
val_dataloader = dict(dataset=dict(fold=fold, shot=shot))
test_dataloader = val_dataloader
