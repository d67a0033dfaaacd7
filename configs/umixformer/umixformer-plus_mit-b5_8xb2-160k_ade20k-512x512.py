_base_ = './umixformer_mit-b5_8xb2-160k_ade20k-512x512.py'
custom_imports = dict(imports=['mmseg_maskattn'], allow_failed_imports=False)
default_scope = 'mmseg'
norm_cfg = dict(type='SyncBN', requires_grad=True)
# U-MixFormer+: the outputs of every 6th stage-3 block of MiT-B5
# (6 maps of width 320 at 1/16) join the key/value mix, pooled 2x.
model = dict(
    backbone=dict(type='MixVisionTransformerPlus', extra_stage=2, extra_interval=6),
    decode_head=dict(
        _delete_=True,
        type='UMixFormerHead',
        in_channels=[64, 128, 320, 512, 320, 320, 320, 320, 320, 320],
        in_index=[0, 1, 2, 3, 4, 5, 6, 7, 8, 9],
        channels=768,
        num_heads=(8, 5, 2, 1),
        pool_ratios=(1, 2, 4, 8),
        extra_pool_ratio=2,
        mlp_ratio=4,
        drop_path_rate=0.1,
        dropout_ratio=0.1,
        num_classes=150,
        norm_cfg=norm_cfg,
        align_corners=False,
        loss_decode=dict(
            type='CrossEntropyLoss', use_sigmoid=False, loss_weight=1.0)))
