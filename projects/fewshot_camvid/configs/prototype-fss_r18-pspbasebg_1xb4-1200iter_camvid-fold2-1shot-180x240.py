# The prototype baseline of the CamVid study, fold 2, 1-shot (see fold 0).
#   python tools/train.py projects/fewshot_camvid/configs/prototype-fss_r18-pspbasebg_1xb4-1200iter_camvid-fold2-1shot-180x240.py
_base_ = './prototype-fss_r18-pspbasebg_1xb4-1200iter_camvid-fold0-1shot-180x240.py'
custom_imports = dict(imports=['mmseg_maskattn'], allow_failed_imports=False)
default_scope = 'mmseg'
fold = 2
model = dict(
    backbone=dict(
        init_cfg=dict(
            checkpoint='work_dirs/fewshot_camvid_published/'
            'pspnet-basebg-fold2/iter_1000.pth')))
train_dataloader = dict(dataset=dict(fold=fold))
val_dataloader = dict(dataset=dict(fold=fold))
test_dataloader = val_dataloader
