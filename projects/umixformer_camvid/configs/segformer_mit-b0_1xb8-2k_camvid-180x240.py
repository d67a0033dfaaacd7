# Study config: the SegFormer-B0 baseline at twice the iterations, validated
# every 500 iterations for the learning curve. Warm-up as in the 1k config.
_base_ = './segformer_mit-b0_1xb8-1k_camvid-180x240.py'
custom_imports = dict(imports=['mmseg_maskattn'], allow_failed_imports=False)
default_scope = 'mmseg'
param_scheduler = [
    dict(type='LinearLR', start_factor=1e-3, by_epoch=False, begin=0, end=100),
    dict(
        type='PolyLR',
        eta_min=0.0,
        power=1.0,
        begin=100,
        end=2000,
        by_epoch=False)
]
train_cfg = dict(type='IterBasedTrainLoop', max_iters=2000, val_interval=500)
