# MaskAttn-UNet (base width 16) trained from scratch on the generated toy
# data (64x64; background = stuff, rectangle/ellipse/triangle = things):
# semantic, instance and panoptic outputs, evaluated with mIoU and PQ.
#   python tools/gen_toy_data.py --out data/toy
#   python tools/train.py configs/maskattn_unet/maskattn-unet_b16_1xb4-300iter_toy-64x64.py
_base_ = [
    '../_base_/models/maskattn_unet.py',
    '../_base_/datasets/toy_panoptic.py',
    'mmseg::_base_/default_runtime.py',
    '../_base_/cpu_iter_runtime.py',
]
custom_imports = dict(imports=['mmseg_maskattn'], allow_failed_imports=False)
default_scope = 'mmseg'
model = dict(
    thing_classes=[1, 2, 3],
    grouping_cfg=dict(threshold=0.7, min_area=4, max_instances=32),
    backbone=dict(base_channels=16, kv_pool=(4, 2, 1, 1, 1)),
    # lambda = 1 (not the default 0.02): the toy shapes learn with it, and
    # the README's smoke row was measured so
    decode_head=dict(
        in_channels=16,
        channels=16,
        num_classes=4,
        loss_instance=dict(loss_weight=1.0)))
optim_wrapper = dict(
    type='OptimWrapper',
    optimizer=dict(type='AdamW', lr=0.001, betas=(0.9, 0.999),
                   weight_decay=0.01))
param_scheduler = [
    dict(type='LinearLR', start_factor=1e-3, by_epoch=False, begin=0, end=30),
    dict(
        type='PolyLR',
        eta_min=0.0,
        power=0.9,
        begin=30,
        end=300,
        by_epoch=False)
]
train_cfg = dict(type='IterBasedTrainLoop', max_iters=300, val_interval=300)
default_hooks = dict(
    logger=dict(interval=25),
    checkpoint=dict(interval=100),
    visualization=dict(interval=1))
