# Generated toy data with semantic + instance + panoptic ground truth, at the
# native 64x64 (no resize): 4 classes, 0 background (stuff), 1 rectangle,
# 2 ellipse, 3 triangle (things, several instances each). Smoke tests of the
# MaskAttn-UNet pipelines (Cheng et al., arXiv 2503.10686,
# https://arxiv.org/abs/2503.10686).
#
# Create it (deterministic, a second run with the same arguments is a no-op):
#   python tools/gen_toy_data.py --out data/toy --num-train 48 --num-val 12 \
#       --size 64 --seed 0
#
#   data/toy
#   ├── img_dir/{train,val}/*.png    RGB images
#   ├── ann_dir/{train,val}/*.png    uint8 class ids, 0 = background
#   └── panoptic/{train,val}/*.png   uint16 segment ids (background has one)
#
# `LoadInstanceAnnotations(semantic_from='file')` reads the semantic map from
# ann_dir and the segment ids from panoptic/, and sets the ids of stuff
# pixels (the background segment) to 0, so 0 = no instance.
#
# Another location: `--cfg-options train_dataloader.dataset.data_root=DIR
# val_dataloader.dataset.data_root=DIR test_dataloader.dataset.data_root=DIR`.
#
# `ToyPanopticDataset` and the transforms are registered by `mmseg_maskattn`:
# configs that inherit this file need `custom_imports =
# dict(imports=['mmseg_maskattn'], allow_failed_imports=False)` and
# `default_scope = 'mmseg'`.
dataset_type = 'ToyPanopticDataset'
data_root = 'data/toy'
crop_size = (64, 64)  # (h, w), the generated image size
train_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='LoadInstanceAnnotations', semantic_from='file'),
    dict(type='RandomFlip', prob=0.5),
    dict(type='PackPanopticSegInputs')
]
test_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='LoadInstanceAnnotations', semantic_from='file'),
    dict(type='PackPanopticSegInputs')
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
            img_path='img_dir/train',
            seg_map_path='ann_dir/train',
            inst_map_path='panoptic/train'),
        pipeline=train_pipeline))
val_dataloader = dict(
    batch_size=1,
    num_workers=2,
    persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(
        type=dataset_type,
        data_root=data_root,
        data_prefix=dict(
            img_path='img_dir/val',
            seg_map_path='ann_dir/val',
            inst_map_path='panoptic/val'),
        pipeline=test_pipeline))
test_dataloader = val_dataloader

val_evaluator = [
    dict(type='IoUMetric', iou_metrics=['mIoU']),
    dict(type='PanopticQualityMetric'),
    dict(type='MaskAPMetric')
]
test_evaluator = val_evaluator
