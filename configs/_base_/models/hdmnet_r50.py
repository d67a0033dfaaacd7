# HDMNet (Peng et al., CVPR 2023, https://arxiv.org/abs/2303.14652) with a
# frozen dilated ResNetV1c-50 (output stride 8; layer2/3/4 feed the model),
# the FewShotDataPreProcessor of episode batches and the published optimiser:
# AdamW (lr 1e-4, weight decay 0.01), 10x lr on the feature projections
# (HDMNet's down_query/down_supp/query_merge/supp_merge are `reduce` and
# `embed` here), poly decay with power 0.9, no warm-up.
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
        contract_dilation=True,
        style='pytorch',
        init_cfg=dict(
            type='Pretrained', checkpoint='open-mmlab://resnet50_v1c')),
    freeze_backbone=True,
    reduce_dim=256,
    embed_dims=64,
    num_heads=(2, 4, 8),
    sr_ratios=(4, 2, 1),
    depths=(2, 2, 2),
    mlp_ratio=4,
    temperature=0.1,
    loss_decode=dict(
        type='CrossEntropyLoss', avg_non_ignore=True, loss_name='loss_ce'),
    loss_meta=dict(
        type='CrossEntropyLoss', avg_non_ignore=True, loss_name='loss_meta'),
    # summed over the 3 levels; HDMNet divides the sum by 3
    loss_distill=dict(type='CorrelationDistillationLoss', loss_weight=1 / 3),
    train_cfg=dict(),
    test_cfg=dict(mode='whole'))
optim_wrapper = dict(
    type='OptimWrapper',
    optimizer=dict(
        type='AdamW', lr=1e-4, betas=(0.9, 0.999), weight_decay=0.01),
    paramwise_cfg=dict(custom_keys={
        'reduce.': dict(lr_mult=10.),
        'embed.': dict(lr_mult=10.)
    }))
