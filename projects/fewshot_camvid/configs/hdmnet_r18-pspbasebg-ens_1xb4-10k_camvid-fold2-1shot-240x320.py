# GPU check of projects/fewshot_camvid (gpu_check.sh): HDMNet as published
# on CamVid fold 2, 1-shot, 240x320 (see fold 0).
#   python tools/train.py projects/fewshot_camvid/configs/hdmnet_r18-pspbasebg-ens_1xb4-10k_camvid-fold2-1shot-240x320.py
_base_ = './hdmnet_r18-pspbasebg-ens_1xb4-10k_camvid-fold0-1shot-240x320.py'
custom_imports = dict(imports=['mmseg_maskattn'], allow_failed_imports=False)
default_scope = 'mmseg'
fold = 2
base_checkpoint = ('work_dirs/fewshot_camvid_gpu/pspnet-basebg-fold2/'
                   'iter_2000.pth')
model = dict(
    backbone=dict(init_cfg=dict(checkpoint=base_checkpoint)),
    base_learner_classes=[0, 1, 2, 3, 4, 5, 6, 7],
    base_learner=dict(
        num_classes=9,  # background + 8 base classes
        init_cfg=dict(checkpoint=base_checkpoint)))
train_dataloader = dict(dataset=dict(fold=fold))
val_dataloader = dict(dataset=dict(fold=fold))
test_dataloader = dict(dataset=dict(fold=fold))
