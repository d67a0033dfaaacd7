# CPU study schedule (projects/lowres_universal): 100 iterations of batch 8
# (800 crops, ~1.5 epochs of the 531 training images), 10 warm-up
# iterations, then poly decay; the optimizer of the full config.
_base_ = '../../../configs/maskattn_unet/maskattn-unet_b32_1xb8-20k_dsb2018-128x128.py'
custom_imports = dict(imports=['mmseg_maskattn'], allow_failed_imports=False)
default_scope = 'mmseg'
param_scheduler = [
    dict(type='LinearLR', start_factor=1e-2, by_epoch=False, begin=0, end=10),
    dict(
        type='PolyLR',
        eta_min=0.0,
        power=0.9,
        begin=10,
        end=100,
        by_epoch=False)
]
train_cfg = dict(type='IterBasedTrainLoop', max_iters=100, val_interval=100)
default_hooks = dict(
    checkpoint=dict(interval=100), logger=dict(interval=10))
# The head these runs were made with: the embedding is a second 1x1 output
# of the semantic head's conv (embed_convs=0, one shared head), and the
# classifier's bias starts at 0 (class_prior=None). Instances are grouped
# over the whole nucleus mask (grouping_cfg.connectivity=None).
model = dict(
    # lambda = 1, the package default when these runs were made (now 0.02)
    decode_head=dict(
        embed_convs=0,
        class_prior=None,
        loss_instance=dict(loss_weight=1.0)),
    grouping_cfg=dict(connectivity=None))
