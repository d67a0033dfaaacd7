# Baseline of the MaskAttn-UNet comparison: mmseg's plain U-Net (S5-D16,
# FCN head, auxiliary FCN head) on DSB2018 at 128x128, with the same data
# pipeline and schedule as maskattn-unet_b32_1xb8-20k_dsb2018-128x128.py.
# It is a semantic model, so it is evaluated with mIoU only; a panoptic
# reading of its output (connected components) is not implemented yet.
_base_ = [
    'mmseg::_base_/models/fcn_unet_s5-d16.py',
    '../_base_/datasets/dsb2018_panoptic_128x128.py',
    'mmseg::_base_/default_runtime.py',
    '../_base_/schedules/cpu_iter_runtime.py',
]
custom_imports = dict(imports=['mmseg_maskattn'], allow_failed_imports=False)
default_scope = 'mmseg'
model = dict(
    data_preprocessor=dict(size=(128, 128)),
    decode_head=dict(num_classes=2),
    auxiliary_head=dict(num_classes=2),
    test_cfg=dict(mode='whole'))
val_evaluator = [dict(type='IoUMetric', iou_metrics=['mIoU'])]
test_evaluator = val_evaluator
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
