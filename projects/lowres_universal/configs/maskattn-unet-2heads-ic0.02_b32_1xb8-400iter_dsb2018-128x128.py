# Learning-curve variant (projects/lowres_universal/run_curve.py), the
# ablation of maskattn-unet-coords-ic0.02_*: the paper's two heads (the
# embedding head has its own 3x3 conv) without the coordinate input,
# lambda = 0.02, on the 400-iteration schedule.
_base_ = './maskattn-unet_b32_1xb8-400iter_dsb2018-128x128.py'
custom_imports = dict(imports=['mmseg_maskattn'], allow_failed_imports=False)
default_scope = 'mmseg'
model = dict(
    decode_head=dict(
        embed_convs=1,
        embed_coords=False,
        loss_instance=dict(loss_weight=0.02)))
