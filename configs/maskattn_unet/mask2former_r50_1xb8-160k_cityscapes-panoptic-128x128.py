# Mask2Former-R50 baseline of the MaskAttn-UNet paper's table, trained on
# panoptic targets (mmdet's head through Mask2FormerPanopticHead) on Cityscapes
# panoptic (19 classes, 8 things; data/cityscapes) at 128x128, with
# Mask2Former's published optimizer (AdamW 1e-4, backbone lr x0.1, clip 0.01)
# over the same 160k iterations of batch 8.
_base_ = [
    '../_base_/models/mask2former_r50_panoptic.py',
    '../_base_/datasets/cityscapes_panoptic_128x128.py',
    'mmseg::_base_/default_runtime.py',
    '../_base_/cpu_iter_runtime.py',
    '../_base_/schedules/maskattn_unet_adamw_160k.py',
]
custom_imports = dict(imports=['mmseg_maskattn'], allow_failed_imports=False)
default_scope = 'mmseg'
model = dict(
    decode_head=dict(
        num_classes={{_base_.panoptic_num_classes}},
        thing_classes={{_base_.panoptic_thing_classes}},
        loss_cls=dict(class_weight={{_base_.mask2former_class_weight}})))
embed_multi = dict(lr_mult=1.0, decay_mult=0.0)
optim_wrapper = dict(
    _delete_=True,
    type='OptimWrapper',
    optimizer=dict(
        type='AdamW', lr=0.0001, weight_decay=0.05, eps=1e-8,
        betas=(0.9, 0.999)),
    clip_grad=dict(max_norm=0.01, norm_type=2),
    paramwise_cfg=dict(
        custom_keys={
            'backbone': dict(lr_mult=0.1, decay_mult=1.0),
            'query_embed': embed_multi,
            'query_feat': embed_multi,
            'level_embed': embed_multi,
        },
        norm_decay_mult=0.0))
param_scheduler = [
    dict(
        type='PolyLR',
        eta_min=0,
        power=0.9,
        begin=0,
        end=160000,
        by_epoch=False)
]
val_evaluator = [
    dict(type='IoUMetric', iou_metrics=['mIoU']),
    dict(type='PanopticQualityMetric'),
    dict(type='MaskAPMetric')
]
test_evaluator = val_evaluator
default_hooks = dict(checkpoint=dict(interval=16000))
