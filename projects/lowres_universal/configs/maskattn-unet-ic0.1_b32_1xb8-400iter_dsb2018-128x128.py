# Learning-curve variant (projects/lowres_universal/run_curve.py):
# MaskAttn-UNet (b32) with lambda = 0.1 instead of 1 (L_seg = L_CE +
# lambda * L_IC), on the 400-iteration schedule. At initialisation the
# gradient of L_IC on the U-Net body is about 100x that of L_CE (see
# projects/lowres_universal/README.md); with Adam's per-parameter step
# sizes the embedding branch (conv_embed) learns at the same speed for any
# lambda > 0, while lambda sets the balance of the two losses on the
# shared layers.
_base_ = './maskattn-unet_b32_1xb8-400iter_dsb2018-128x128.py'
custom_imports = dict(imports=['mmseg_maskattn'], allow_failed_imports=False)
default_scope = 'mmseg'
model = dict(decode_head=dict(loss_instance=dict(loss_weight=0.1)))
