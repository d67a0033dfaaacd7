# GPU check of projects/fewshot_camvid (gpu_check.sh): the prototype
# baseline on CamVid fold 1, 1-shot, 240x320 (see fold 0).
#   python tools/train.py projects/fewshot_camvid/configs/prototype-fss_r18-pspbasebg_1xb4-10k_camvid-fold1-1shot-240x320.py
_base_ = './prototype-fss_r18-pspbasebg_1xb4-10k_camvid-fold0-1shot-240x320.py'
custom_imports = dict(imports=['mmseg_maskattn'], allow_failed_imports=False)
default_scope = 'mmseg'
fold = 1
base_checkpoint = ('work_dirs/fewshot_camvid_gpu/pspnet-basebg-fold1/'
                   'iter_2000.pth')
model = dict(backbone=dict(init_cfg=dict(checkpoint=base_checkpoint)))
train_dataloader = dict(dataset=dict(fold=fold))
val_dataloader = dict(dataset=dict(fold=fold))
test_dataloader = dict(dataset=dict(fold=fold))
