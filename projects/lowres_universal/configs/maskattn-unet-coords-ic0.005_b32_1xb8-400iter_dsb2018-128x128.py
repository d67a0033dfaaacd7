# Learning-curve variant (projects/lowres_universal/run_curve.py): the two
# heads with the coordinate input of maskattn-unet-coords-ic0.02_*, with
# lambda = 0.005. With these heads the gradient norm of L_IC on the U-Net
# body is about 90x that of L_CE at initialisation (loss_gradients.py), so
# lambda = 0.005 leaves L_IC about half of L_CE there; the embedding head's
# own layers learn at Adam's step size whatever lambda is.
_base_ = './maskattn-unet-coords-ic0.02_b32_1xb8-400iter_dsb2018-128x128.py'
custom_imports = dict(imports=['mmseg_maskattn'], allow_failed_imports=False)
default_scope = 'mmseg'
model = dict(decode_head=dict(loss_instance=dict(loss_weight=0.005)))
