# HDMNet, ResNet-50, COCO-20i fold 2, 1-shot (schedule: see fold 0).
_base_ = './hdmnet_r50_1xb8-250k_coco20i-fold0-1shot-633x633.py'
fold, shot = 2, 1
model = dict(data_preprocessor=dict(shot=shot))
train_dataloader = dict(dataset=dict(fold=fold, shot=shot))
val_dataloader = dict(dataset=dict(fold=fold, shot=shot))
test_dataloader = val_dataloader
