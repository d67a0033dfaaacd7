# HDMNet (Peng et al., CVPR 2023, https://arxiv.org/abs/2303.14652) with a
# frozen dilated ResNetV1c-50 (output stride 8; layer2/3/4 feed the model),
# the FewShotDataPreProcessor of episode batches and the published optimiser:
# AdamW (lr 1e-4, weight decay 0.01), 10x lr on the feature projections and
# merges (down_query, down_supp, query_merge, supp_merge) and on the
# ensemble, poly decay with power 0.9, no warm-up. The meta learner is the
# decode head, HDMNetHead.
# Registered by mmseg_maskattn: configs need
# custom_imports = dict(imports=['mmseg_maskattn'], allow_failed_imports=False)
#
# Model configs re-set fold/shot in the dataloaders and `shot` here (see
# configs/_base_/datasets/pascal5i.py), e.g.
#   model = dict(data_preprocessor=dict(shot=5))
#
# The paper's backbone comes from a PSPNet trained on the base classes of
# each fold (BAM), which also gives the optional base learner; here the
# backbone is ImageNet ResNetV1c-50 and the base learner is off.
data_preprocessor = dict(
    type='FewShotDataPreProcessor',
    mean=[123.675, 116.28, 103.53],
    std=[58.395, 57.12, 57.375],
    bgr_to_rgb=True,
    pad_val=0,
    seg_pad_val=255,
    size=(473, 473),  # (h, w): the training crop
    shot=1)
model = dict(
    type='HDMNet',
    data_preprocessor=data_preprocessor,
    backbone=dict(
        type='ResNetV1c',
        depth=50,
        num_stages=4,
        out_indices=(1, 2, 3),
        dilations=(1, 1, 2, 4),
        strides=(1, 2, 1, 1),
        norm_cfg=dict(type='BN', requires_grad=False),
        norm_eval=True,
        # the release dilates every block of layer3 / layer4, the first too
        contract_dilation=False,
        style='pytorch',
        init_cfg=dict(
            type='Pretrained', checkpoint='open-mmlab://resnet50_v1c')),
    freeze_backbone=True,
    reduce_dim=256,
    proj_dropout=0.5,
    prior_scale=10.0,
    support_mask_mode='nearest',
    decode_head=dict(
        type='HDMNetHead',
        in_channels=64,
        channels=256,
        num_heads=(2, 4, 8),
        sr_ratios=(4, 2, 1),
        depths=(2, 2, 2),
        patch_sizes=(1, 3, 3),
        strides=(1, 2, 2),
        match_heads=2,
        mlp_ratio=4,
        drop_rate=0.1,
        qkv_bias=False,
        temperature=0.1,
        # 2 with a base learner (its PSP features and layer4), 1 without
        num_priors=1,
        support_mask_mode='nearest',
        attn_norm_cfg=dict(type='LN', eps=1e-6),
        norm_cfg=dict(type='BN', requires_grad=True),
        norm_eval=True,
        num_classes=2,
        dropout_ratio=0.0,
        loss_decode=dict(
            type='CrossEntropyLoss',
            avg_non_ignore=True,
            loss_name='loss_meta'),
        # summed over the 3 levels; HDMNet divides the sum by 3
        loss_distill=dict(
            type='CorrelationDistillationLoss', loss_weight=1 / 3)),
    # CE of the base-learner ensemble's output (with a base_learner only)
    loss_decode=dict(
        type='CrossEntropyLoss', avg_non_ignore=True, loss_name='loss_ce'),
    train_cfg=dict(),
    test_cfg=dict(mode='whole'))
# the release's parameter groups: the meta learner's transformer at the base
# lr, the projections, merges and the ensemble at 10x; AdamW decays all
optim_wrapper = dict(
    type='OptimWrapper',
    optimizer=dict(
        type='AdamW', lr=1e-4, betas=(0.9, 0.999), weight_decay=0.01),
    paramwise_cfg=dict(
        custom_keys={
            'down_query.': dict(lr_mult=10.),
            'down_supp.': dict(lr_mult=10.),
            'query_merge.': dict(lr_mult=10.),
            'supp_merge.': dict(lr_mult=10.),
            'ensemble.': dict(lr_mult=10.)
        }))
