# Mask2Former-R50 baseline of the MaskAttn-UNet paper's table, trained on
# panoptic targets (mmdet's head through Mask2FormerPanopticHead) on COCO
# panoptic 2017 (133 classes, 80 things; data/coco) at 128x128, with
# Mask2Former's published optimizer (AdamW 1e-4, backbone lr x0.1, clip 0.01)
# over the same 160k iterations of batch 8.
_base_ = [
    '../_base_/models/mask2former_r50_panoptic.py',
    '../_base_/datasets/coco_panoptic_128x128.py',
    'mmseg::_base_/default_runtime.py',
    '../_base_/cpu_iter_runtime.py',
    '../_base_/schedules/mask2former_adamw_160k.py',
]
custom_imports = dict(imports=['mmseg_maskattn'], allow_failed_imports=False)
default_scope = 'mmseg'
model = dict(
    decode_head=dict(
        num_classes={{_base_.panoptic_num_classes}},
        thing_classes={{_base_.panoptic_thing_classes}},
        loss_cls=dict(class_weight={{_base_.mask2former_class_weight}})))
val_evaluator = [
    dict(type='IoUMetric', iou_metrics=['mIoU']),
    dict(type='PanopticQualityMetric'),
    dict(type='MaskAPMetric')
]
test_evaluator = val_evaluator
default_hooks = dict(checkpoint=dict(interval=16000))
