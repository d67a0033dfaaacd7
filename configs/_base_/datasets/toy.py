# Generated toy data: 64x64 RGB images, 4 classes (background, rectangle,
# ellipse, triangle), several instances per object class.
#
# Create it (deterministic, a second run with the same arguments is a no-op):
#   python tools/gen_toy_data.py --out data/toy --num-train 48 --num-val 12 \
#       --size 64 --seed 0
#
#   data/toy
#   ├── img_dir/{train,val}/*.png   RGB images
#   ├── ann_dir/{train,val}/*.png   uint8 class ids, 0 = background
#   └── panoptic/...                panoptic ground truth (not used here)
#
# Another location: `--cfg-options train_dataloader.dataset.data_root=DIR
# val_dataloader.dataset.data_root=DIR test_dataloader.dataset.data_root=DIR`.
#
# `ToySegDataset` is registered by `mmseg_maskattn`: configs that inherit
# this file need `custom_imports = dict(imports=['mmseg_maskattn'],
# allow_failed_imports=False)` and `default_scope = 'mmseg'`.
dataset_type = 'ToySegDataset'
data_root = 'data/toy'
crop_size = (64, 64)  # (h, w), the generated image size
train_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='LoadAnnotations'),
    dict(type='RandomFlip', prob=0.5),
    dict(type='PackSegInputs')
]
test_pipeline = [
    dict(type='LoadImageFromFile'),
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
        data_prefix=dict(
            img_path='img_dir/train', seg_map_path='ann_dir/train'),
        pipeline=train_pipeline))
val_dataloader = dict(
    batch_size=1,
    num_workers=2,
    persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(
        type=dataset_type,
        data_root=data_root,
        data_prefix=dict(img_path='img_dir/val', seg_map_path='ann_dir/val'),
        pipeline=test_pipeline))
test_dataloader = val_dataloader

val_evaluator = dict(type='IoUMetric', iou_metrics=['mIoU'])
test_evaluator = val_evaluator
