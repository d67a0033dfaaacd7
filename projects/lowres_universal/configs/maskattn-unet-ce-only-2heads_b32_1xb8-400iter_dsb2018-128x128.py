# Learning-curve control (projects/lowres_universal/run_curve.py): the
# paper's two heads (the embedding head has its own 3x3 conv) with the
# instance contrastive loss off (lambda = 0), cross-entropy only, on the
# 400-iteration schedule. It tells whether the background plateau of the
# two-head runs comes from L_IC at all.
_base_ = './maskattn-unet_b32_1xb8-400iter_dsb2018-128x128.py'
custom_imports = dict(imports=['mmseg_maskattn'], allow_failed_imports=False)
default_scope = 'mmseg'
model = dict(
    decode_head=dict(embed_convs=1, loss_instance=dict(loss_weight=0.0)))
