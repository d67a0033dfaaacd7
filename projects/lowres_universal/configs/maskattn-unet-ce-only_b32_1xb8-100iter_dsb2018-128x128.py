# Ablation of the study: MaskAttn-UNet (b32) with the instance contrastive
# loss switched off (lambda = 0), cross-entropy only, same 100-iteration
# budget. It tells whether L_IC slows down the semantic branch early on.
_base_ = './maskattn-unet_b32_1xb8-100iter_dsb2018-128x128.py'
custom_imports = dict(imports=['mmseg_maskattn'], allow_failed_imports=False)
default_scope = 'mmseg'
model = dict(decode_head=dict(loss_instance=dict(loss_weight=0.0)))
