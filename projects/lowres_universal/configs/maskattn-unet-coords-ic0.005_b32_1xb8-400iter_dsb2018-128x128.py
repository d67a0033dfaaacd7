# Learning-curve variant (projects/lowres_universal/run_curve.py):
# MaskAttn-UNet (b32) whose embedding head has its own 3x3 conv (the paper's
# two heads) and reads (x, y) coordinate channels (embed_coords, our
# addition, not in the paper), with lambda = 0.005, on the 400-iteration
# schedule. At initialisation the gradient norm of L_IC on the U-Net body
# is about 90x that of L_CE with this head (loss_gradients.py), so
# lambda = 0.005 leaves L_IC about half of L_CE there; the embedding head's
# own layers learn at Adam's step size whatever lambda is.
_base_ = './maskattn-unet_b32_1xb8-400iter_dsb2018-128x128.py'
custom_imports = dict(imports=['mmseg_maskattn'], allow_failed_imports=False)
default_scope = 'mmseg'
model = dict(
    decode_head=dict(
        embed_convs=1,
        embed_coords=True,
        loss_instance=dict(loss_weight=0.005)))
