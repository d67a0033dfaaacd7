# Prototype baseline (frozen random ResNetV1c-18) on CamVid fold 1, 1-shot,
# CPU schedule (see fold 0, 1-shot).
_base_ = './prototype-fss_r18_1xb4-300iter_camvid-fold0-1shot-120x160.py'
fold, shot = 1, 1
train_dataloader = dict(dataset=dict(fold=fold, shot=shot))
val_dataloader = dict(dataset=dict(fold=fold, shot=shot))
test_dataloader = val_dataloader
