# HDMNet on CamVid fold 0, 1-shot, with the optional BAM-style base-learner
# ensemble (HDMNet, Peng et al., CVPR 2023, https://arxiv.org/abs/2303.14652;
# BAM, Lang et al., CVPR 2022, https://arxiv.org/abs/2203.07615). Backbone
# and base learner come from one PSPNet trained first on the fold's base
# classes plus background (novel classes relabelled background): its
# ResNetV1c-18 is HDMNet's frozen backbone and its PSPHead the frozen base
# learner, which reads layer4 (in_index=2 of HDMNet's layer2-4 features).
# The base learner's 1 - p(background) marks base-class pixels as episode
# background in the final prediction (see HDMNet's docstring).
#   python tools/train.py configs/hdmnet/pspnet_r18-d8_1xb8-500iter_camvid-fold0-basebg-120x160.py
#   python tools/train.py configs/hdmnet/hdmnet_r18-pspbasebg-ens_1xb4-300iter_camvid-fold0-1shot-120x160.py
# Another checkpoint: --cfg-options model.backbone.init_cfg.checkpoint=PATH
# model.base_learner.init_cfg.checkpoint=PATH
_base_ = './hdmnet_r18-pspbase_1xb4-300iter_camvid-fold0-1shot-120x160.py'
custom_imports = dict(imports=['mmseg_maskattn'], allow_failed_imports=False)
default_scope = 'mmseg'
base_checkpoint = ('work_dirs/pspnet_r18-d8_1xb8-500iter_camvid-fold0-basebg-'
                   '120x160/iter_500.pth')
model = dict(
    backbone=dict(init_cfg=dict(checkpoint=base_checkpoint)),
    # two priors: the base learner's PSP features and layer4
    decode_head=dict(num_priors=2),
    # CamVid class ids of the base learner's channels 1..N-1 (Pavement .. Bicyclist),
    # in the order of the basebg PSPNet's class list
    base_learner_classes=[4, 5, 6, 7, 8, 9, 10],
    base_learner=dict(
        type='PSPHead',
        in_channels=512,
        in_index=2,
        channels=128,
        pool_scales=(1, 2, 3, 6),
        dropout_ratio=0.1,
        num_classes=8,  # background + 7 base classes
        norm_cfg=dict(type='BN', requires_grad=True),
        align_corners=False,
        init_cfg=dict(
            type='Pretrained', checkpoint=base_checkpoint,
            prefix='decode_head.')))
