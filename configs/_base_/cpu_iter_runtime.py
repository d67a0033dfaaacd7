# Runtime pieces shared by this plugin's iteration-based CPU configs: mmseg's
# usual hooks, RandomStateHook (bit-identical resume), a fixed seed and the
# val/test loops. Configs set train_cfg, the schedule, and override hook
# intervals, e.g. default_hooks = dict(checkpoint=dict(interval=100)).
# StrictLoadHook refuses a load_from / --resume checkpoint that leaves weights
# unloaded. Needs custom_imports = dict(imports=['mmseg_maskattn'], ...).

val_cfg = dict(type='ValLoop')
test_cfg = dict(type='TestLoop')
default_hooks = dict(
    timer=dict(type='IterTimerHook'),
    logger=dict(type='LoggerHook', interval=50, log_metric_by_epoch=False),
    param_scheduler=dict(type='ParamSchedulerHook'),
    checkpoint=dict(type='CheckpointHook', by_epoch=False, interval=1000),
    sampler_seed=dict(type='DistSamplerSeedHook'),
    visualization=dict(type='SegVisualizationHook'))
custom_hooks = [dict(type='RandomStateHook'), dict(type='StrictLoadHook')]
randomness = dict(seed=0)
