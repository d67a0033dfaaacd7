# Mask2Former-R50 with mmseg's own (semantic) Mask2FormerHead on DSB2018 at
# 128x128: one target mask per class present, as mmseg trains it. Its
# panoptic and instance reading comes from connected components of the
# predicted nucleus pixels (CCPanopticSegmentor), as for the U-Net baseline,
# so it is evaluated with mIoU, PQ and mask AP like the others. The
# panoptic Mask2Former (one target per nucleus) is
# mask2former_r50_1xb8-20k_dsb2018-128x128.py; both share architecture,
# data pipeline and schedule.
_base_ = ['./mask2former_r50_1xb8-20k_dsb2018-128x128.py']
custom_imports = dict(imports=['mmseg_maskattn'], allow_failed_imports=False)
default_scope = 'mmseg'
model = dict(
    _delete_=True,
    type='CCPanopticSegmentor',
    thing_classes=[1],
    connectivity=8,
    min_area=8,
    data_preprocessor={{_base_.data_preprocessor}},
    backbone={{_base_.model.backbone}},
    decode_head={{_base_.mask2former_head}},
    train_cfg=dict(),
    test_cfg=dict(mode='whole'))
