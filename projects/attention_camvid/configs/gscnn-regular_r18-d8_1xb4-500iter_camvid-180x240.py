# The paper's baseline for Gated-SCNN: its regular stream alone (the same
# backbone, ASPP and decoder, no shape stream, no edge losses, no dual-task
# regulariser), trained like the GSCNN config beside it.
_base_ = './_base_/r18_camvid.py'
norm_cfg = dict(type='BN', requires_grad=True)
model = dict(
    decode_head=dict(
        type='GSCNNHead',
        in_channels=[64, 128, 256, 512],
        in_index=[0, 1, 2, 3],
        channels=128,
        with_shape_stream=False,
        shape_channels=(64, 32, 16, 8),
        dilations=(1, 12, 24, 36),
        low_level_channels=48,
        dropout_ratio=0.0,
        num_classes=11,
        norm_cfg=norm_cfg,
        align_corners=False,
        loss_decode=dict(
            type='CrossEntropyLoss', use_sigmoid=False, loss_weight=1.0),
        loss_edge=None,
        loss_edge_attention=None,
        loss_dual_task=None))
