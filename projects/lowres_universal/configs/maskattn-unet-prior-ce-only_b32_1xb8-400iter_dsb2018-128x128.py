# Learning-curve control (projects/lowres_universal/run_curve.py --set
# prior): the paper's two heads (no coordinate input), cross-entropy only
# (lambda = 0), and the classifier's bias initialised to the log class
# frequencies of the training pixels (class_prior, our addition, not in the
# paper). It tells what the prior does without L_IC. The
# frequencies were measured with
#   python tools/analysis_tools/class_frequency.py \
#       configs/maskattn_unet/maskattn-unet_b32_1xb8-20k_dsb2018-128x128.py
# (background 0.8626, nucleus 0.1374 over one pass of the training
# pipeline). Without it every two-head run stayed at background: the
# classifier fitted the 86% background with its weights, the semantic
# head's ReLU features went off on nucleus pixels and their gradient
# stopped (see the README of this project).
_base_ = './maskattn-unet_b32_1xb8-400iter_dsb2018-128x128.py'
custom_imports = dict(imports=['mmseg_maskattn'], allow_failed_imports=False)
default_scope = 'mmseg'
model = dict(
    decode_head=dict(
        embed_convs=1,
        class_prior=(0.8626, 0.1374),
        loss_instance=dict(loss_weight=0.0)))
