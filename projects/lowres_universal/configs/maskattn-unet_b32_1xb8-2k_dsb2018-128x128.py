# GPU schedule of the DSB2018 comparison (gpu_check.sh): MaskAttn-UNet b32 (the
# DSB2018 config: class prior, grouping within components, lambda 0.02). 2000
# iterations of batch 8 from scratch, 100 warm-up iterations, then poly decay;
# the optimizer of the full config.
_base_ = '../../../configs/maskattn_unet/maskattn-unet_b32_1xb8-20k_dsb2018-128x128.py'
custom_imports = dict(imports=['mmseg_maskattn'], allow_failed_imports=False)
default_scope = 'mmseg'
param_scheduler = [
    dict(type='LinearLR', start_factor=1e-2, by_epoch=False, begin=0,
         end=100),
    dict(
        type='PolyLR',
        eta_min=0.0,
        power=0.9,
        begin=100,
        end=2000,
        by_epoch=False)
]
train_cfg = dict(type='IterBasedTrainLoop', max_iters=2000, val_interval=2000)
default_hooks = dict(
    checkpoint=dict(interval=2000), logger=dict(interval=100))
