# U-Net baseline of the MaskAttn-UNet paper's table: mmseg's U-Net (S5-D16, FCN
# head + auxiliary FCN) on ADE20K panoptic (150 classes, 100 things;
# data/ade/ADEChallengeData2016) at 128x128, read as panoptic by connected
# components of the thing classes (CCPanopticSegmentor). Same data, schedule
# and evaluation as the MaskAttn-UNet configs.
_base_ = [
    'mmseg::_base_/models/fcn_unet_s5-d16.py',
    '../_base_/datasets/ade20k_panoptic_128x128.py',
    'mmseg::_base_/default_runtime.py',
    '../_base_/cpu_iter_runtime.py',
    '../_base_/schedules/maskattn_unet_adamw_160k.py',
]
custom_imports = dict(imports=['mmseg_maskattn'], allow_failed_imports=False)
default_scope = 'mmseg'
model = dict(
    type='CCPanopticSegmentor',
    thing_classes={{_base_.panoptic_thing_classes}},
    connectivity=8,
    min_area=8,
    data_preprocessor=dict(size=(128, 128)),
    decode_head=dict(num_classes={{_base_.panoptic_num_classes}}),
    auxiliary_head=dict(num_classes={{_base_.panoptic_num_classes}}),
    test_cfg=dict(mode='whole'))
val_evaluator = [
    dict(type='IoUMetric', iou_metrics=['mIoU']),
    dict(type='PanopticQualityMetric'),
    dict(type='MaskAPMetric')
]
test_evaluator = val_evaluator
default_hooks = dict(checkpoint=dict(interval=16000))
