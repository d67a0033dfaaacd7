# CamVid (SegNet version): 11 classes, 480x360 (W x H) RGB PNGs.
#
# Data placement: the dataset is expected under `data/camvid` relative to the
# directory you run the tools from (the repository root):
#
#   data/camvid
#   ├── train        367 images   ├── trainannot   label PNGs, same names
#   └── val          101 images   └── valannot
#
# Label ids 0-10 are the classes; 11 (Unlabelled, void) is mapped to 255 by
# `CamVidDataset` and ignored by the loss and by IoUMetric.
#
# Link an existing copy instead of copying it, e.g.
#   mkdir -p data && ln -s /path/to/camvid data/camvid
# (in this project's CI layout: `ln -s ../../shared/data/camvid data/camvid`),
# or point a run at another folder without editing configs:
#   python tools/train.py CONFIG --cfg-options \
#       train_dataloader.dataset.data_root=/path/to/camvid \
#       val_dataloader.dataset.data_root=/path/to/camvid \
#       test_dataloader.dataset.data_root=/path/to/camvid
#
# `CamVidDataset` is registered by `mmseg_maskattn`: configs that inherit
# this file need `custom_imports = dict(imports=['mmseg_maskattn'],
# allow_failed_imports=False)` and `default_scope = 'mmseg'`.
dataset_type = 'CamVidDataset'
data_root = 'data/camvid'
img_scale = (480, 360)  # (w, h)
crop_size = (360, 480)  # (h, w)
train_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='LoadAnnotations'),
    dict(
        type='RandomResize',
        scale=img_scale,
        ratio_range=(0.5, 2.0),
        keep_ratio=True),
    dict(type='RandomCrop', crop_size=crop_size, cat_max_ratio=0.75),
    dict(type='RandomFlip', prob=0.5),
    dict(type='PhotoMetricDistortion'),
    dict(type='PackSegInputs')
]
test_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='Resize', scale=img_scale, keep_ratio=True),
    # Loaded after Resize: metrics compare with the full-size label.
    dict(type='LoadAnnotations'),
    dict(type='PackSegInputs')
]
train_dataloader = dict(
    batch_size=4,
    num_workers=2,
    persistent_workers=True,
    sampler=dict(type='InfiniteSampler', shuffle=True),
    dataset=dict(
        type=dataset_type,
        data_root=data_root,
        data_prefix=dict(img_path='train', seg_map_path='trainannot'),
        pipeline=train_pipeline))
val_dataloader = dict(
    batch_size=1,
    num_workers=2,
    persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(
        type=dataset_type,
        data_root=data_root,
        data_prefix=dict(img_path='val', seg_map_path='valannot'),
        pipeline=test_pipeline))
test_dataloader = val_dataloader

val_evaluator = dict(type='IoUMetric', iou_metrics=['mIoU'])
test_evaluator = val_evaluator
