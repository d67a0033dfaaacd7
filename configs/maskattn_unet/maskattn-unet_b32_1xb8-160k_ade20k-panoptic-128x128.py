# MaskAttn-UNet b32 (10.8M parameters) on ADE20K panoptic (150 classes, 100
# things; data/ade/ADEChallengeData2016) at 128x128, the paper's setting (Cheng
# et al., arXiv 2503.10686): mIoU, PQ and mask AP. Trained from scratch with
# our schedule (configs/_base_/schedules/maskattn_unet_adamw_160k.py). The
# class count and thing ids come from the dataset base. No class_prior: measure
# one with
#   python tools/analysis_tools/class_frequency.py CONFIG
# if the semantic head stays at the most frequent class (see the README).
_base_ = [
    '../_base_/models/maskattn_unet.py',
    '../_base_/datasets/ade20k_panoptic_128x128.py',
    'mmseg::_base_/default_runtime.py',
    '../_base_/cpu_iter_runtime.py',
    '../_base_/schedules/maskattn_unet_adamw_160k.py',
]
custom_imports = dict(imports=['mmseg_maskattn'], allow_failed_imports=False)
default_scope = 'mmseg'
model = dict(
    thing_classes={{_base_.panoptic_thing_classes}},
    decode_head=dict(num_classes={{_base_.panoptic_num_classes}}))
val_evaluator = [
    dict(type='IoUMetric', iou_metrics=['mIoU']),
    dict(type='PanopticQualityMetric'),
    dict(type='MaskAPMetric')
]
test_evaluator = val_evaluator
default_hooks = dict(checkpoint=dict(interval=16000))
