# Study config: U-MixFormer-B0 on CamVid without stochastic depth in the head
# (as the study's no-stochastic-depth row) at twice the iterations, validated
# every 500 iterations for the learning curve. Warm-up as in the 1k config.
_base_ = '../../../configs/umixformer/umixformer_mit-b0_1xb8-1k_camvid-180x240.py'
custom_imports = dict(imports=['mmseg_maskattn'], allow_failed_imports=False)
default_scope = 'mmseg'
model = dict(decode_head=dict(drop_path_rate=0.0))
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
