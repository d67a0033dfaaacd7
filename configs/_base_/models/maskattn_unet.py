# MaskAttn-UNet (Cheng et al., arXiv 2503.10686): a U-Net with a mask
# attention module at every scale of encoder and decoder, a semantic head and
# an L2-normalised instance-embedding head; loss = CE + lambda * L_IC.
# Registered by mmseg_maskattn: configs need
# custom_imports = dict(imports=['mmseg_maskattn'], allow_failed_imports=False)
norm_cfg = dict(type='SyncBN', requires_grad=True)
data_preprocessor = dict(
    type='SegDataPreProcessor',
    mean=[123.675, 116.28, 103.53],
    std=[58.395, 57.12, 57.375],
    bgr_to_rgb=True,
    pad_val=0,
    seg_pad_val=255,
    size_divisor=16)
model = dict(
    type='MaskAttnUNetSegmentor',
    data_preprocessor=data_preprocessor,
    thing_classes=[1],
    grouping_cfg=dict(threshold=0.7, min_area=8, max_instances=128),
    backbone=dict(
        type='MaskAttnUNet',
        in_channels=3,
        base_channels=32,
        num_stages=5,
        num_convs=2,
        attn_stages=(0, 1, 2, 3, 4),
        num_heads=4,
        mask_mode='hard',
        kv_pool=(8, 4, 2, 1, 1),
        mlp_ratio=2,
        norm_cfg=norm_cfg),
    decode_head=dict(
        type='MaskAttnUNetHead',
        in_channels=32,
        in_index=0,
        channels=32,
        num_classes=2,
        embed_dims=16,
        embed_convs=1,
        embed_coords=False,
        dropout_ratio=0.1,
        norm_cfg=norm_cfg,
        align_corners=False,
        loss_decode=dict(
            type='CrossEntropyLoss', use_sigmoid=False, loss_weight=1.0),
        # lambda = 0.02 is ours (the paper gives no value): with lambda = 1
        # the semantic branch stayed at background on DSB2018, with 0.02 it
        # learns (projects/lowres_universal)
        loss_instance=dict(
            type='InstanceContrastiveLoss',
            num_samples=256,
            temperature=0.1,
            loss_weight=0.02)),
    train_cfg=dict(),
    test_cfg=dict(mode='whole'))
