# U-MixFormer-B0 with the training time of SegFormer-B0's 1000 iterations:
# on the study machine SegFormer-B0 took ~1.5x longer per iteration, so
# this run gets 1500 iterations (same data, recipe and seed).
_base_ = '../../../configs/umixformer/umixformer_mit-b0_1xb8-1k_camvid-180x240.py'
custom_imports = dict(imports=['mmseg_maskattn'], allow_failed_imports=False)
default_scope = 'mmseg'
param_scheduler = [
    dict(type='LinearLR', start_factor=1e-3, by_epoch=False, begin=0, end=100),
    dict(
        type='PolyLR',
        eta_min=0.0,
        power=1.0,
        begin=100,
        end=1500,
        by_epoch=False)
]
train_cfg = dict(type='IterBasedTrainLoop', max_iters=1500, val_interval=1500)
