# Mask2Former's published optimizer (Cheng et al., CVPR 2022,
# https://arxiv.org/abs/2112.01527): AdamW 1e-4 with weight decay 0.05,
# backbone lr x0.1, no decay on the query and level embeddings and on norms,
# gradient clipping at 0.01, poly decay; over the 160k iterations of batch 8
# of the MaskAttn-UNet schedule (maskattn_unet_adamw_160k.py), so that the
# paper's Mask2Former-R50 rows run as long as its own. Configs that use it
# save a checkpoint at every validation (16k iterations).
embed_multi = dict(lr_mult=1.0, decay_mult=0.0)
optim_wrapper = dict(
    type='OptimWrapper',
    optimizer=dict(
        type='AdamW', lr=0.0001, weight_decay=0.05, eps=1e-8,
        betas=(0.9, 0.999)),
    clip_grad=dict(max_norm=0.01, norm_type=2),
    paramwise_cfg=dict(
        custom_keys={
            'backbone': dict(lr_mult=0.1, decay_mult=1.0),
            'query_embed': embed_multi,
            'query_feat': embed_multi,
            'level_embed': embed_multi,
        },
        norm_decay_mult=0.0))
param_scheduler = [
    dict(
        type='PolyLR',
        eta_min=0,
        power=0.9,
        begin=0,
        end=160000,
        by_epoch=False)
]
train_cfg = dict(
    type='IterBasedTrainLoop', max_iters=160000, val_interval=16000)
