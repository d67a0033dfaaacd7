# FastFCN as published: a plain ResNet-50 (strides 2, no dilation, output
# stride 32) + JPU + EncHead. mmseg's config of the same name keeps the
# dilations (1, 1, 2, 4) of its D8 backbones; the paper's backbone has none.
_base_ = 'mmseg::fastfcn/fastfcn_r50-d32_jpu_enc_4xb2-80k_cityscapes-512x1024.py'
custom_imports = dict(imports=['mmseg_maskattn'], allow_failed_imports=False)
default_scope = 'mmseg'
model = dict(
    backbone=dict(dilations=(1, 1, 1, 1), strides=(1, 2, 2, 2)))
