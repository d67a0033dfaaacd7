# Baseline of the study: mmseg's SegFormer-B0 (MiT-B0 + SegformerHead), with
# everything else (data, schedule, seed) inherited from the U-MixFormer-B0
# CamVid config.
_base_ = '../../../configs/umixformer/umixformer_mit-b0_1xb8-1k_camvid-180x240.py'
custom_imports = dict(imports=['mmseg_maskattn'], allow_failed_imports=False)
default_scope = 'mmseg'
norm_cfg = dict(type='SyncBN', requires_grad=True)
model = dict(
    decode_head=dict(
        _delete_=True,
        type='SegformerHead',
        in_channels=[32, 64, 160, 256],
        in_index=[0, 1, 2, 3],
        channels=256,
        dropout_ratio=0.1,
        num_classes=11,
        norm_cfg=norm_cfg,
        align_corners=False,
        loss_decode=dict(
            type='CrossEntropyLoss', use_sigmoid=False, loss_weight=1.0)))
