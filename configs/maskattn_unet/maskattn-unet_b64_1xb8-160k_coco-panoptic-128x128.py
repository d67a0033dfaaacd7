# MaskAttn-UNet at the paper's size (base width 64, 43.0M parameters; the paper
# reports 46M) on COCO panoptic 2017 (133 classes, 80 things; data/coco) at
# 128x128. Same data, schedule and evaluation as the b32 config.
_base_ = ['./maskattn-unet_b32_1xb8-160k_coco-panoptic-128x128.py']
custom_imports = dict(imports=['mmseg_maskattn'], allow_failed_imports=False)
default_scope = 'mmseg'
model = dict(
    backbone=dict(base_channels=64),
    decode_head=dict(in_channels=64, channels=64))
