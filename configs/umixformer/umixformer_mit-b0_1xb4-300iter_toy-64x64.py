# U-MixFormer-B0 trained from scratch on the generated toy data (64x64,
# 4 classes) for a short CPU schedule: the model of `make demo`.
#   python tools/gen_toy_data.py --out data/toy
#   python tools/train.py \
#       configs/umixformer/umixformer_mit-b0_1xb4-300iter_toy-64x64.py
_base_ = [
    'mmseg::_base_/models/segformer_mit-b0.py',
    '../_base_/datasets/toy.py',
    'mmseg::_base_/default_runtime.py',
    '../_base_/cpu_iter_runtime.py',
]
custom_imports = dict(imports=['mmseg_maskattn'], allow_failed_imports=False)
default_scope = 'mmseg'
crop_size = (64, 64)
norm_cfg = dict(type='BN', requires_grad=True)
model = dict(
    data_preprocessor=dict(size=crop_size),
    backbone=dict(init_cfg=None),
    decode_head=dict(
        _delete_=True,
        type='UMixFormerHead',
        in_channels=[32, 64, 160, 256],
        in_index=[0, 1, 2, 3],
        channels=128,
        num_heads=(8, 5, 2, 1),
        pool_ratios=(1, 2, 4, 8),
        mlp_ratio=4,
        drop_path_rate=0.1,
        dropout_ratio=0.1,
        num_classes=4,
        norm_cfg=norm_cfg,
        align_corners=False,
        loss_decode=dict(
            type='CrossEntropyLoss', use_sigmoid=False, loss_weight=1.0)))

# The published recipe (AdamW, head lr x10, no decay on norms, linear warm-up
# then poly) with a learning rate and warm-up scaled to a 300-iteration run
# from scratch.
optim_wrapper = dict(
    type='OptimWrapper',
    optimizer=dict(
        type='AdamW', lr=0.0003, betas=(0.9, 0.999), weight_decay=0.01),
    paramwise_cfg=dict(
        custom_keys={
            'pos_block': dict(decay_mult=0.),
            'norm': dict(decay_mult=0.),
            'head': dict(lr_mult=10.)
        }))
param_scheduler = [
    dict(type='LinearLR', start_factor=1e-3, by_epoch=False, begin=0, end=30),
    dict(
        type='PolyLR',
        eta_min=0.0,
        power=1.0,
        begin=30,
        end=300,
        by_epoch=False)
]
train_cfg = dict(type='IterBasedTrainLoop', max_iters=300, val_interval=300)
default_hooks = dict(
    logger=dict(interval=25),
    checkpoint=dict(interval=100),
    visualization=dict(interval=1))
