# The schedule of the MaskAttn-UNet and U-Net configs on COCO, ADE20K and
# Cityscapes panoptic at 128x128. The paper (Cheng et al., arXiv 2503.10686)
# gives no schedule; this one is ours: AdamW 1e-3 with weight decay 0.01,
# 1500 iterations of linear warm-up, then poly decay over 160k iterations of
# batch 8 (the DSB2018 configs' optimizer, for a larger data set). Configs
# that use it save a checkpoint at every validation (16k iterations).
optim_wrapper = dict(
    type='OptimWrapper',
    optimizer=dict(type='AdamW', lr=0.001, betas=(0.9, 0.999),
                   weight_decay=0.01))
param_scheduler = [
    dict(type='LinearLR', start_factor=1e-3, by_epoch=False, begin=0,
         end=1500),
    dict(
        type='PolyLR',
        eta_min=0.0,
        power=0.9,
        begin=1500,
        end=160000,
        by_epoch=False)
]
train_cfg = dict(
    type='IterBasedTrainLoop', max_iters=160000, val_interval=16000)
