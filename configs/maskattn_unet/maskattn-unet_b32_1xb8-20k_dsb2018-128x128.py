# MaskAttn-UNet on DSB2018 nuclei at 128x128 (stuff: background, thing:
# nucleus). Place the data under data/dsb2018 (see
# configs/_base_/datasets/dsb2018_panoptic_128x128.py). Trained from scratch;
# the schedule (AdamW 1e-3, poly, 20k iterations of batch 8) is ours.
_base_ = [
    '../_base_/models/maskattn_unet.py',
    '../_base_/datasets/dsb2018_panoptic_128x128.py',
    'mmseg::_base_/default_runtime.py',
    '../_base_/cpu_iter_runtime.py',
]
custom_imports = dict(imports=['mmseg_maskattn'], allow_failed_imports=False)
default_scope = 'mmseg'
# The classifier's bias starts at the log class frequencies of the training
# pixels (our addition, not in the paper; see MaskAttnUNetHead). Without it
# the model stayed at background-only predictions on this data
# (projects/lowres_universal). Measured with
#   python tools/analysis_tools/class_frequency.py \
#       configs/maskattn_unet/maskattn-unet_b32_1xb8-20k_dsb2018-128x128.py
# Instances: the embeddings are grouped within each 8-connected component
# of the nucleus pixels (grouping_cfg.connectivity, our addition, not in the
# paper): in the study, grouping over the whole mask merged the nuclei
# (PQ_th < 1), grouping within components scored as connected components do.
model = dict(
    decode_head=dict(class_prior=(0.8626, 0.1374)),
    grouping_cfg=dict(connectivity=8))
optim_wrapper = dict(
    type='OptimWrapper',
    optimizer=dict(type='AdamW', lr=0.001, betas=(0.9, 0.999),
                   weight_decay=0.01))
param_scheduler = [
    dict(type='LinearLR', start_factor=1e-3, by_epoch=False, begin=0,
         end=500),
    dict(
        type='PolyLR',
        eta_min=0.0,
        power=0.9,
        begin=500,
        end=20000,
        by_epoch=False)
]
train_cfg = dict(type='IterBasedTrainLoop', max_iters=20000, val_interval=2000)
default_hooks = dict(checkpoint=dict(interval=2000))
