# HDMNet on CamVid fold 0, 1-shot, with the paper's backbone protocol: the
# frozen ResNetV1c-18 is the backbone of a PSPNet trained on the fold's base
# classes (train it first; tools/train.py writes the checkpoint named here):
#   python tools/train.py configs/hdmnet/pspnet_r18-d8_1xb8-500iter_camvid-fold0-base-120x160.py
#   python tools/train.py configs/hdmnet/hdmnet_r18-pspbase_1xb4-300iter_camvid-fold0-1shot-120x160.py
# Another checkpoint: --cfg-options model.backbone.init_cfg.checkpoint=PATH
_base_ = './hdmnet_r18_1xb4-300iter_camvid-fold0-1shot-120x160.py'
custom_imports = dict(imports=['mmseg_maskattn'], allow_failed_imports=False)
default_scope = 'mmseg'
model = dict(
    backbone=dict(
        init_cfg=dict(
            _delete_=True,
            type='Pretrained',
            checkpoint='work_dirs/pspnet_r18-d8_1xb8-500iter_camvid-fold0-'
            'base-120x160/iter_500.pth',
            prefix='backbone.')))
