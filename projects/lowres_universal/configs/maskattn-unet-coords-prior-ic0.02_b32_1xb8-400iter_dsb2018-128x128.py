# Learning-curve variant (projects/lowres_universal/run_curve.py --set
# prior): the two heads with the coordinate input of the embedding head
# (embed_coords, our addition, not in the paper), lambda = 0.02, and the
# classifier's bias initialised to the log class frequencies of the
# training pixels (class_prior, our addition, not in the paper; measured
# with tools/analysis_tools/class_frequency.py, see
# maskattn-unet-prior-ic0.02_b32_1xb8-400iter_dsb2018-128x128.py).
_base_ = './maskattn-unet-prior-ic0.02_b32_1xb8-400iter_dsb2018-128x128.py'
custom_imports = dict(imports=['mmseg_maskattn'], allow_failed_imports=False)
default_scope = 'mmseg'
model = dict(decode_head=dict(embed_coords=True))
