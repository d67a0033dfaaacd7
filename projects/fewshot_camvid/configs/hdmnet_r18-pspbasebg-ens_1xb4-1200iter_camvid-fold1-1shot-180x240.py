# HDMNet as published in the CamVid study, fold 1, 1-shot (see fold 0).
#   python tools/train.py projects/fewshot_camvid/configs/pspnet_r18-d8_1xb8-1000iter_camvid-fold1-basebg-180x240.py \
#       --work-dir work_dirs/fewshot_camvid_published/pspnet-basebg-fold1
#   python tools/train.py projects/fewshot_camvid/configs/hdmnet_r18-pspbasebg-ens_1xb4-1200iter_camvid-fold1-1shot-180x240.py
_base_ = './hdmnet_r18-pspbasebg-ens_1xb4-1200iter_camvid-fold0-1shot-180x240.py'
custom_imports = dict(imports=['mmseg_maskattn'], allow_failed_imports=False)
default_scope = 'mmseg'
fold = 1
base_checkpoint = ('work_dirs/fewshot_camvid_published/pspnet-basebg-fold1/'
                   'iter_1000.pth')
model = dict(
    backbone=dict(init_cfg=dict(checkpoint=base_checkpoint)),
    # CamVid class ids of the base learner's channels 1..N-1 (Sky .. Road, Car .. Bicyclist),
    # in the order of the basebg PSPNet's class list
    base_learner_classes=[0, 1, 2, 3, 8, 9, 10],
    base_learner=dict(
        num_classes=8,  # background + 7 base classes
        init_cfg=dict(checkpoint=base_checkpoint)))
train_dataloader = dict(dataset=dict(fold=fold))
val_dataloader = dict(dataset=dict(fold=fold))
test_dataloader = val_dataloader
