# Baseline of the MaskAttn-UNet comparison (Cheng et al., arXiv 2503.10686):
# mmseg's plain U-Net (Ronneberger et al. 2015; S5-D16, FCN head, auxiliary
# FCN head) on DSB2018 at 128x128, with the same data pipeline and schedule
# as maskattn-unet_b32_1xb8-20k_dsb2018-128x128.py. It is a semantic model;
# `CCPanopticSegmentor` reads it as panoptic: each 8-connected component of
# the predicted nucleus class is an instance (components under 8 pixels are
# dropped, as `grouping_cfg.min_area` of the MaskAttn-UNet config), scored
# by its mean softmax probability. It is evaluated like MaskAttn-UNet, with
# the evaluators of the dataset config: mIoU (IoUMetric), PQ
# (PanopticQualityMetric) and COCO mask AP (MaskAPMetric).
_base_ = [
    'mmseg::_base_/models/fcn_unet_s5-d16.py',
    '../_base_/datasets/dsb2018_panoptic_128x128.py',
    'mmseg::_base_/default_runtime.py',
    '../_base_/cpu_iter_runtime.py',
]
custom_imports = dict(imports=['mmseg_maskattn'], allow_failed_imports=False)
default_scope = 'mmseg'
model = dict(
    type='CCPanopticSegmentor',
    thing_classes=[1],
    connectivity=8,
    min_area=8,
    data_preprocessor=dict(size=(128, 128)),
    decode_head=dict(num_classes=2),
    auxiliary_head=dict(num_classes=2),
    test_cfg=dict(mode='whole'))
optim_wrapper = dict(
    type='OptimWrapper',
    optimizer=dict(type='AdamW', lr=0.001, betas=(0.9, 0.999),
                   weight_decay=0.01))
param_scheduler = [
    dict(type='LinearLR', start_factor=1e-3, by_epoch=False, begin=0,
         end=500),
    dict(
        type='PolyLR',
        eta_min=0.0,
        power=0.9,
        begin=500,
        end=20000,
        by_epoch=False)
]
train_cfg = dict(type='IterBasedTrainLoop', max_iters=20000, val_interval=2000)
default_hooks = dict(checkpoint=dict(interval=2000))
