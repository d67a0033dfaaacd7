_base_ = 'mmseg::segformer/segformer_mit-b1_8xb1-160k_cityscapes-1024x1024.py'
custom_imports = dict(imports=['mmseg_maskattn'], allow_failed_imports=False)
default_scope = 'mmseg'
norm_cfg = dict(type='SyncBN', requires_grad=True)
# Cityscapes variant: keys/values at 1/64, queries pooled 2x before attention;
# slide inference with crop 1024 and stride 768 comes from the base config.
model = dict(
    decode_head=dict(
        _delete_=True,
        type='UMixFormerHead',
        in_channels=[64, 128, 320, 512],
        in_index=[0, 1, 2, 3],
        channels=128,
        num_heads=(8, 5, 2, 1),
        pool_ratios=(2, 4, 8, 16),
        query_pool_ratio=2,
        kv_norm=True,
        mlp_ratio=4,
        drop_path_rate=0.1,
        dropout_ratio=0.1,
        num_classes=19,
        norm_cfg=norm_cfg,
        align_corners=False,
        loss_decode=dict(
            type='CrossEntropyLoss', use_sigmoid=False, loss_weight=1.0)))
# refuse a load_from / --resume checkpoint that leaves weights unloaded
custom_hooks = [dict(type='StrictLoadHook')]
