# Mask2Former-R50 (panoptic) on DSB2018 nuclei at 128x128: the Mask2Former
# baseline of the MaskAttn-UNet comparison (Cheng et al., arXiv 2503.10686).
# mmdet's Mask2Former head trained on panoptic targets (one mask per nucleus
# and one for the stuff class background) through the mmseg data pipeline
# (mmdet's own panoptic dataset and metric need panopticapi), evaluated
# with mIoU, PQ and mask AP like MaskAttn-UNet. Same data pipeline and
# schedule as maskattn-unet_b32_1xb8-20k_dsb2018-128x128.py except the
# optimizer: Mask2Former's published AdamW (lr 1e-4, weight decay 0.05,
# backbone lr x0.1, no weight decay on norms and embeddings).
# The backbone starts from torchvision's ImageNet ResNet-50 (downloaded by
# mmengine); set model.backbone.init_cfg=None to train from scratch.
_base_ = [
    '../_base_/models/mask2former_r50_panoptic.py',
    '../_base_/datasets/dsb2018_panoptic_128x128.py',
    'mmseg::_base_/default_runtime.py',
    '../_base_/cpu_iter_runtime.py',
    # Mask2Former's published optimizer; the schedule is re-set to 20k below
    '../_base_/schedules/mask2former_adamw_160k.py',
]
custom_imports = dict(imports=['mmseg_maskattn'], allow_failed_imports=False)
default_scope = 'mmseg'
param_scheduler = [
    dict(
        type='PolyLR',
        eta_min=0,
        power=0.9,
        begin=0,
        end=20000,
        by_epoch=False)
]
train_cfg = dict(type='IterBasedTrainLoop', max_iters=20000, val_interval=2000)
default_hooks = dict(checkpoint=dict(interval=2000))
