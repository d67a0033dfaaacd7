# HDMNet, ResNet-50, PASCAL-5i fold 2, 5-shot (schedule: see fold 0).
_base_ = './hdmnet_r50_1xb8-100k_pascal5i-fold2-1shot-473x473.py'
shot = 5
model = dict(data_preprocessor=dict(shot=shot))
train_dataloader = dict(dataset=dict(shot=shot))
val_dataloader = dict(dataset=dict(shot=shot))
test_dataloader = val_dataloader
