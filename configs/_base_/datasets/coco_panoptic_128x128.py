# COCO panoptic 2017 (Kirillov et al., "Panoptic Segmentation", CVPR 2019,
# https://cocodataset.org/#panoptic-2017): semantic + instance + panoptic
# ground truth at 128x128, the MaskAttn-UNet setting (Cheng et al., arXiv
# 2503.10686, https://arxiv.org/abs/2503.10686). 133 classes in the order of
# mmdet's CocoPanopticDataset: 80 things, then 53 stuff.
#
# Data placement: expected under `data/coco` relative to the directory you
# run the tools from (the repository root), as distributed by COCO
# (train2017.zip, val2017.zip, panoptic_annotations_trainval2017.zip with the
# PNG zips inside it unpacked next to their json):
#
#   data/coco
#   ├── train2017/*.jpg                           118287 images
#   ├── val2017/*.jpg                             5000 images
#   └── annotations
#       ├── panoptic_train2017.json
#       ├── panoptic_train2017/*.png              RGB-encoded segment ids
#       ├── panoptic_val2017.json
#       └── panoptic_val2017/*.png
#
# Link an existing copy (`mkdir -p data && ln -s /path/to/coco data/coco`) or
# override `{train,val,test}_dataloader.dataset.data_root` with
# `--cfg-options`.
#
# Ground truth: `LoadPanopticAnnotations` decodes the PNG (id = R + 256 G +
# 256^2 B) with the segments_info of the json: class index per pixel
# (unlabelled -> 255), segment id on thing pixels, and the ids of the crowd
# (iscrowd=1) segments. `PackPanopticSegInputs` packs `gt_sem_seg`,
# `gt_instance_seg` (non-crowd instances 1..K) and `gt_panoptic_seg` (crowd
# segments iscrowd=1, ignored by PanopticQualityMetric as in COCO's PQ).
#
# Training: RandomResize of the short side around 128 (scale (512, 128),
# ratio 0.5-2.0, aspect kept), 128x128 crop, flip, photometric distortion;
# `PadSegFields` pads image (0), semantic map (255) and instance map (0) to
# 128x128 when the crop is smaller (ratio < 1).
# Evaluation at 128x128: image and ground truth resized to 128x128 (nearest
# for the maps, aspect not kept); `reset_ori_shape=True` makes the segmentor
# predict at that size.
#
# `CocoPanopticSegDataset` and the transforms are registered by
# `mmseg_maskattn`: configs that inherit this file need `custom_imports =
# dict(imports=['mmseg_maskattn'], allow_failed_imports=False)` and
# `default_scope = 'mmseg'`.
# The model's class count and thing class ids, from the dataset's metainfo
# (80 things (ids 0-79), then 53 stuff); model configs take
# them from _base_, and tests/test_configs checks them against the dataset.
panoptic_num_classes = 133
panoptic_thing_classes = list(range(80))
# Mask2Former's classification weights: 1 per class, 0.1 for "no object".
mask2former_class_weight = [1.0] * panoptic_num_classes + [0.1]
dataset_type = 'CocoPanopticSegDataset'
data_root = 'data/coco'
img_scale = (512, 128)  # (w, h): short side 128 at ratio 1
crop_size = (128, 128)  # (h, w)
train_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='LoadPanopticAnnotations'),
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
    dict(type='LoadPanopticAnnotations'),
    dict(type='Resize', scale=(128, 128), keep_ratio=False),
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
        ann_file='annotations/panoptic_train2017.json',
        data_prefix=dict(
            img_path='train2017',
            pan_map_path='annotations/panoptic_train2017'),
        pipeline=train_pipeline))
val_dataloader = dict(
    batch_size=1,
    num_workers=2,
    persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(
        type=dataset_type,
        data_root=data_root,
        ann_file='annotations/panoptic_val2017.json',
        data_prefix=dict(
            img_path='val2017', pan_map_path='annotations/panoptic_val2017'),
        pipeline=test_pipeline))
test_dataloader = val_dataloader

val_evaluator = [
    dict(type='IoUMetric', iou_metrics=['mIoU']),
    dict(type='PanopticQualityMetric')
]
test_evaluator = val_evaluator
