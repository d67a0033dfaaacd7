# DSB2018 nuclei (2018 Data Science Bowl, stage 1 train): semantic +
# instance + panoptic ground truth at 128x128, the MaskAttn-UNet setting
# (Cheng et al., arXiv 2503.10686, https://arxiv.org/abs/2503.10686).
# Classes: 0 background (stuff), 1 nucleus (thing, one instance per id).
#
# Data placement: expected under `data/dsb2018` relative to the directory you
# run the tools from (the repository root):
#
#   data/dsb2018
#   ├── images/<id>.png      664 RGB or grayscale PNGs, 256x256 .. 1388x1040
#   ├── instances/<id>.png   uint16 ids, 0 = background, k = k-th nucleus
#   ├── train.txt            531 ids
#   └── val.txt              133 ids
#
# Link an existing copy instead of copying it, e.g.
#   mkdir -p data && ln -s /path/to/dsb2018 data/dsb2018
# (in this project's CI layout: `ln -s ../../shared/data/dsb2018
# data/dsb2018`), or point a run at another folder without editing configs:
#   python tools/train.py CONFIG --cfg-options \
#       train_dataloader.dataset.data_root=/path/to/dsb2018 \
#       val_dataloader.dataset.data_root=/path/to/dsb2018 \
#       test_dataloader.dataset.data_root=/path/to/dsb2018
#
# Ground truth: `LoadInstanceAnnotations` reads the uint16 instance PNG
# unchanged and derives the semantic map from it (0 -> background, else
# nucleus); both follow the image through the geometric transforms (nearest
# interpolation). `PackPanopticSegInputs` packs `gt_sem_seg`,
# `gt_instance_seg` (0 = no instance, instances 1..K after the transforms)
# and `gt_panoptic_seg` (ids + segments_info, read by PanopticQualityMetric
# and MaskAPMetric).
#
# Training: RandomResize around 128x128 (ratio 0.5-2.0, aspect kept), then a
# 128x128 crop. Below ratio 1 the crop is smaller than 128x128; `PadSegFields`
# pads image (0), semantic map (255, ignored) and instance map (0) to
# 128x128, since the data preprocessor pads only images and `gt_sem_seg`.
# `cat_max_ratio` is not used: background covers > 75% of ~80% of the
# images, so its 10 crop retries would mostly fail.
#
# Evaluation at 128x128: image and ground truth are resized to 128x128
# (ground truth with nearest interpolation, aspect not kept) and compared
# there. `reset_ori_shape=True` sets `ori_shape` to 128x128, since mmseg's
# segmentors resize their predictions to `ori_shape`. (mmseg's usual
# alternative, evaluation at the file size, loads the ground truth after
# `Resize` and keeps the default `reset_ori_shape=False`.)
#
# `DSB2018Dataset` and the transforms are registered by `mmseg_maskattn`:
# configs that inherit this file need `custom_imports =
# dict(imports=['mmseg_maskattn'], allow_failed_imports=False)` and
# `default_scope = 'mmseg'`.
dataset_type = 'DSB2018Dataset'
data_root = 'data/dsb2018'
img_scale = (128, 128)  # (w, h)
crop_size = (128, 128)  # (h, w)
train_pipeline = [
    dict(type='LoadImageFromFile'),  # grayscale PNGs load as 3 channels
    dict(type='LoadInstanceAnnotations', semantic_from='instances'),
    dict(
        type='RandomResize',
        scale=img_scale,
        ratio_range=(0.5, 2.0),
        keep_ratio=True),
    dict(type='RandomCrop', crop_size=crop_size),
    dict(type='RandomFlip', prob=0.5),
    dict(type='PhotoMetricDistortion'),
    dict(type='PadSegFields', size=crop_size),
    dict(type='PackPanopticSegInputs')
]
test_pipeline = [
    dict(type='LoadImageFromFile'),
    # Loaded before Resize: the ground truth is evaluated at 128x128.
    dict(type='LoadInstanceAnnotations', semantic_from='instances'),
    dict(type='Resize', scale=img_scale, keep_ratio=False),
    dict(type='PackPanopticSegInputs', reset_ori_shape=True)
]
train_dataloader = dict(
    batch_size=8,
    num_workers=2,
    persistent_workers=True,
    sampler=dict(type='InfiniteSampler', shuffle=True),
    dataset=dict(
        type=dataset_type,
        data_root=data_root,
        ann_file='train.txt',
        data_prefix=dict(img_path='images', inst_map_path='instances'),
        pipeline=train_pipeline))
val_dataloader = dict(
    batch_size=1,
    num_workers=2,
    persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(
        type=dataset_type,
        data_root=data_root,
        ann_file='val.txt',
        data_prefix=dict(img_path='images', inst_map_path='instances'),
        pipeline=test_pipeline))
test_dataloader = val_dataloader

val_evaluator = [
    dict(type='IoUMetric', iou_metrics=['mIoU']),
    dict(type='PanopticQualityMetric'),
    dict(type='MaskAPMetric')
]
test_evaluator = val_evaluator
