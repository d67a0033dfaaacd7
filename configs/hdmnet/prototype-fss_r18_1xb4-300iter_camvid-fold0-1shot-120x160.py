# Prototype baseline (PrototypeFSS: cosine to masked-average prototypes,
# PANet's classifier) with the data, backbone (frozen random ResNetV1c-18,
# layer2 + layer3), schedule and test protocol of the HDMNet CamVid config,
# for comparisons on CPU (e.g. tools/analysis_tools/benchmark_fss.py).
#   python tools/train.py configs/hdmnet/prototype-fss_r18_1xb4-300iter_camvid-fold0-1shot-120x160.py
_base_ = './hdmnet_r18_1xb4-300iter_camvid-fold0-1shot-120x160.py'
model = dict(
    _delete_=True,
    type='PrototypeFSS',
    data_preprocessor={{_base_.model.data_preprocessor}},
    backbone=dict(
        type='ResNetV1c',
        depth=18,
        num_stages=3,
        out_indices=(1, 2),
        dilations=(1, 1, 2),
        strides=(1, 2, 1),
        norm_cfg=dict(type='BN', requires_grad=False),
        norm_eval=True,
        contract_dilation=True,
        style='pytorch',
        init_cfg=None),
    freeze_backbone=True,
    decode_head=dict(
        type='PrototypeHead',
        in_channels=128 + 256,  # layer2 + layer3 of ResNet-18
        channels=256,
        scale=20.0,
        learn_scale=True,
        loss_decode=dict(
            type='CrossEntropyLoss', avg_non_ignore=True,
            loss_name='loss_ce')),
    train_cfg=dict(),
    test_cfg=dict(mode='whole'))
optim_wrapper = dict(
    _delete_=True,
    type='OptimWrapper',
    optimizer=dict(
        type='AdamW', lr=1e-3, betas=(0.9, 0.999), weight_decay=0.01))
