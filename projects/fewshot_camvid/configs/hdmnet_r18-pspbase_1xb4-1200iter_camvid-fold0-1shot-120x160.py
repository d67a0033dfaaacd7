# Longer schedule for the collapse study of projects/fewshot_camvid (HDMNet,
# Peng et al., CVPR 2023, https://arxiv.org/abs/2303.14652): the fold-0
# 1-shot config on the base-trained backbone, 1200 iterations of batch 4
# (4x the study's 300) with a checkpoint every 300, so that fg_ranking.py can
# follow the model out of (or stuck in) the all-background prior.
#   python tools/train.py projects/fewshot_camvid/configs/hdmnet_r18-pspbase_1xb4-1200iter_camvid-fold0-1shot-120x160.py \
#       --cfg-options model.backbone.init_cfg.checkpoint=work_dirs/fewshot_camvid_pspbase/pspnet-base-fold0/iter_500.pth
_base_ = ('../../../configs/hdmnet/'
          'hdmnet_r18-pspbase_1xb4-300iter_camvid-fold0-1shot-120x160.py')
custom_imports = dict(imports=['mmseg_maskattn'], allow_failed_imports=False)
default_scope = 'mmseg'
max_iters = 1200
batch_size = 4
train_dataloader = dict(dataset=dict(num_episodes=max_iters * batch_size))
param_scheduler = [
    dict(
        type='PolyLR',
        eta_min=0.0,
        power=0.9,
        begin=0,
        end=max_iters,
        by_epoch=False)
]
train_cfg = dict(
    type='IterBasedTrainLoop', max_iters=max_iters, val_interval=max_iters)
default_hooks = dict(checkpoint=dict(interval=300))
