# HDMNet, ResNet-50, COCO-20i fold 1, 5-shot (schedule: see fold 0).
_base_ = './hdmnet_r50_1xb8-250k_coco20i-fold1-1shot-633x633.py'
shot = 5
model = dict(data_preprocessor=dict(shot=shot))
train_dataloader = dict(dataset=dict(shot=shot))
val_dataloader = dict(dataset=dict(shot=shot))
test_dataloader = val_dataloader
