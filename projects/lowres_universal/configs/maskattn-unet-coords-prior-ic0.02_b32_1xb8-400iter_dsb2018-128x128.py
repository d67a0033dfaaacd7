# Learning-curve variant (projects/lowres_universal): the two heads with the
# coordinate input of the embedding head (embed_coords, our addition, not
# in the paper), lambda = 0.02, and the classifier's bias initialised to
# the log class frequencies of the training pixels (class_prior, our
# addition, not in the paper; see
# maskattn-unet-prior-ic0.02_b32_1xb8-400iter_dsb2018-128x128.py). With the
# prior alone the semantic head learns but L_IC stays at chance; with
# coordinates alone L_IC learns but the semantic head stays at background.
_base_ = './maskattn-unet-prior-ic0.02_b32_1xb8-400iter_dsb2018-128x128.py'
custom_imports = dict(imports=['mmseg_maskattn'], allow_failed_imports=False)
default_scope = 'mmseg'
model = dict(decode_head=dict(embed_coords=True))
