# Mask2Former (Cheng et al., CVPR 2022, https://arxiv.org/abs/2112.01527)
# with a ResNet-50 backbone, trained on panoptic targets in mmseg: mmdet's
# Mask2Former head (MSDeformAttn pixel decoder, 9-layer masked-attention
# transformer decoder, 100 queries, Hungarian matching, CE + mask BCE + dice
# on 12544 sampled points) through mmseg's Mask2FormerHead, with one target
# per thing instance and per stuff class (Mask2FormerPanopticHead), and
# semantic / panoptic / instance inference (Mask2FormerPanopticSegmentor).
# Hyper-parameters are the published ones (mmseg's mask2former_r50 configs).
# Set for 2 classes (DSB2018: background, nucleus); for another data set,
# override decode_head.num_classes, decode_head.loss_cls.class_weight
# (num_classes ones and 0.1 for "no object") and decode_head.thing_classes.
# Registered by mmseg_maskattn: configs need
# custom_imports = dict(imports=['mmseg_maskattn'], allow_failed_imports=False)
num_classes = 2
thing_classes = [1]
data_preprocessor = dict(
    type='SegDataPreProcessor',
    mean=[123.675, 116.28, 103.53],
    std=[58.395, 57.12, 57.375],
    bgr_to_rgb=True,
    pad_val=0,
    seg_pad_val=255,
    size_divisor=32)
# mmseg's (semantic) Mask2FormerHead: configs of semantic models use it as
# is; the panoptic model below swaps in Mask2FormerPanopticHead
mask2former_head = dict(
    type='Mask2FormerHead',
    in_channels=[256, 512, 1024, 2048],
    feat_channels=256,
    out_channels=256,
    num_classes=num_classes,
    num_queries=100,
    num_transformer_feat_level=3,
    align_corners=False,
    pixel_decoder=dict(
        type='mmdet.MSDeformAttnPixelDecoder',
        num_outs=3,
        norm_cfg=dict(type='GN', num_groups=32),
        act_cfg=dict(type='ReLU'),
        encoder=dict(
            num_layers=6,
            layer_cfg=dict(
                self_attn_cfg=dict(
                    embed_dims=256,
                    num_heads=8,
                    num_levels=3,
                    num_points=4,
                    im2col_step=64,
                    dropout=0.0,
                    batch_first=True,
                    norm_cfg=None,
                    init_cfg=None),
                ffn_cfg=dict(
                    embed_dims=256,
                    feedforward_channels=1024,
                    num_fcs=2,
                    ffn_drop=0.0,
                    act_cfg=dict(type='ReLU', inplace=True))),
            init_cfg=None),
        positional_encoding=dict(num_feats=128, normalize=True),
        init_cfg=None),
    enforce_decoder_input_project=False,
    positional_encoding=dict(num_feats=128, normalize=True),
    transformer_decoder=dict(
        return_intermediate=True,
        num_layers=9,
        layer_cfg=dict(
            self_attn_cfg=dict(
                embed_dims=256,
                num_heads=8,
                attn_drop=0.0,
                proj_drop=0.0,
                dropout_layer=None,
                batch_first=True),
            cross_attn_cfg=dict(
                embed_dims=256,
                num_heads=8,
                attn_drop=0.0,
                proj_drop=0.0,
                dropout_layer=None,
                batch_first=True),
            ffn_cfg=dict(
                embed_dims=256,
                feedforward_channels=2048,
                num_fcs=2,
                act_cfg=dict(type='ReLU', inplace=True),
                ffn_drop=0.0,
                dropout_layer=None,
                add_identity=True)),
        init_cfg=None),
    loss_cls=dict(
        type='mmdet.CrossEntropyLoss',
        use_sigmoid=False,
        loss_weight=2.0,
        reduction='mean',
        class_weight=[1.0] * num_classes + [0.1]),
    loss_mask=dict(
        type='mmdet.CrossEntropyLoss',
        use_sigmoid=True,
        reduction='mean',
        loss_weight=5.0),
    loss_dice=dict(
        type='mmdet.DiceLoss',
        use_sigmoid=True,
        activate=True,
        reduction='mean',
        naive_dice=True,
        eps=1.0,
        loss_weight=5.0),
    train_cfg=dict(
        num_points=12544,
        oversample_ratio=3.0,
        importance_sample_ratio=0.75,
        assigner=dict(
            type='mmdet.HungarianAssigner',
            match_costs=[
                dict(type='mmdet.ClassificationCost', weight=2.0),
                dict(
                    type='mmdet.CrossEntropyLossCost',
                    weight=5.0,
                    use_sigmoid=True),
                dict(
                    type='mmdet.DiceCost',
                    weight=5.0,
                    pred_act=True,
                    eps=1.0)
            ]),
        sampler=dict(type='mmdet.MaskPseudoSampler')))
model = dict(
    type='Mask2FormerPanopticSegmentor',
    data_preprocessor=data_preprocessor,
    object_mask_thr=0.8,
    overlap_thr=0.8,
    max_per_image=100,
    backbone=dict(
        type='ResNet',
        depth=50,
        deep_stem=False,
        num_stages=4,
        out_indices=(0, 1, 2, 3),
        frozen_stages=-1,
        norm_cfg=dict(type='SyncBN', requires_grad=False),
        style='pytorch',
        init_cfg=dict(type='Pretrained', checkpoint='torchvision://resnet50')),
    decode_head=dict(
        mask2former_head,
        type='Mask2FormerPanopticHead',
        thing_classes=thing_classes),
    train_cfg=dict(),
    test_cfg=dict(mode='whole'))
