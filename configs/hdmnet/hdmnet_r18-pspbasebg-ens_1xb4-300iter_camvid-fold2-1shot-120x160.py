# HDMNet on CamVid fold 2, 1-shot, with the BAM-style base-learner ensemble
# (see fold 0): backbone and base learner from the fold's `basebg` PSPNet.
#   python tools/train.py configs/hdmnet/pspnet_r18-d8_1xb8-500iter_camvid-fold2-basebg-120x160.py
#   python tools/train.py configs/hdmnet/hdmnet_r18-pspbasebg-ens_1xb4-300iter_camvid-fold2-1shot-120x160.py
_base_ = './hdmnet_r18-pspbasebg-ens_1xb4-300iter_camvid-fold0-1shot-120x160.py'
custom_imports = dict(imports=['mmseg_maskattn'], allow_failed_imports=False)
default_scope = 'mmseg'
fold = 2
base_checkpoint = ('work_dirs/pspnet_r18-d8_1xb8-500iter_camvid-fold2-basebg-'
                   '120x160/iter_500.pth')
model = dict(
    backbone=dict(init_cfg=dict(checkpoint=base_checkpoint)),
    # CamVid class ids of the base learner's channels 1..N-1 (Sky .. Fence),
    # in the order of the basebg PSPNet's class list
    base_learner_classes=[0, 1, 2, 3, 4, 5, 6, 7],
    base_learner=dict(
        num_classes=9,  # background + 8 base classes
        init_cfg=dict(checkpoint=base_checkpoint)))
train_dataloader = dict(dataset=dict(fold=fold))
val_dataloader = dict(dataset=dict(fold=fold))
test_dataloader = val_dataloader
