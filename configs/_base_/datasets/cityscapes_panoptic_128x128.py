# Cityscapes panoptic (Cordts et al., "The Cityscapes Dataset for Semantic
# Urban Scene Understanding", CVPR 2016, https://www.cityscapes-dataset.com):
# semantic + instance + panoptic ground truth at 128x128, the MaskAttn-UNet
# setting (Cheng et al., arXiv 2503.10686, https://arxiv.org/abs/2503.10686).
# 19 classes (trainIds, as mmseg's CityscapesDataset): 8 things (person,
# rider, car, truck, bus, train, motorcycle, bicycle), 11 stuff.
#
# Data placement: expected under `data/cityscapes` relative to the directory
# you run the tools from (the repository root), as distributed
# (leftImg8bit_trainvaltest.zip, gtFine_trainvaltest.zip); no conversion is
# needed, the `*_gtFine_instanceIds.png` maps are read directly:
#
#   data/cityscapes
#   ├── leftImg8bit/{train,val}/<city>/*_leftImg8bit.png   2975 / 500
#   └── gtFine/{train,val}/<city>/*_gtFine_instanceIds.png
#
# Link an existing copy (`mkdir -p data && ln -s /path/to/cityscapes
# data/cityscapes`) or override `{train,val,test}_dataloader.dataset.data_root`
# with `--cfg-options`.
#
# Ground truth: `LoadCityscapesPanopticAnnotations` reads the 16-bit
# instanceIds map: value < 1000 is a labelId (stuff, or a thing region
# without instance = crowd), value >= 1000 is labelId * 1000 + instance.
# labelIds map to trainIds (others -> 255); thing pixels keep their value as
# instance id, crowd regions are listed in `crowd_instance_ids`, which
# `PackPanopticSegInputs` turns into iscrowd=1 panoptic segments (not in
# `gt_instance_seg`).
#
# Training: the 2048x1024 frames are resized around 256x128 (scale (256, 128),
# ratio 0.5-2.0, aspect kept), then a 128x128 crop, flip, photometric
# distortion, `PadSegFields` (crop smaller than 128x128 at ratio < 1).
# Evaluation at 128x128 (image and ground truth resized to 128x128, aspect
# not kept, `reset_ori_shape=True`).
#
# `CityscapesPanopticSegDataset` and the transforms are registered by
# `mmseg_maskattn`: configs that inherit this file need `custom_imports =
# dict(imports=['mmseg_maskattn'], allow_failed_imports=False)` and
# `default_scope = 'mmseg'`.
# The model's class count and thing class ids, from the dataset's metainfo
# (19 train classes; things: person ... bicycle, ids 11-18); model configs take
# them from _base_, and tests/test_configs checks them against the dataset.
panoptic_num_classes = 19
panoptic_thing_classes = list(range(11, 19))
# Mask2Former's classification weights: 1 per class, 0.1 for "no object".
mask2former_class_weight = [1.0] * panoptic_num_classes + [0.1]
dataset_type = 'CityscapesPanopticSegDataset'
data_root = 'data/cityscapes'
img_scale = (256, 128)  # (w, h): the 2:1 frames at short side 128
crop_size = (128, 128)  # (h, w)
train_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='LoadCityscapesPanopticAnnotations'),
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
    dict(type='LoadCityscapesPanopticAnnotations'),
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
        data_prefix=dict(
            img_path='leftImg8bit/train', inst_map_path='gtFine/train'),
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
            img_path='leftImg8bit/val', inst_map_path='gtFine/val'),
        pipeline=test_pipeline))
test_dataloader = val_dataloader

val_evaluator = [
    dict(type='IoUMetric', iou_metrics=['mIoU']),
    dict(type='PanopticQualityMetric')
]
test_evaluator = val_evaluator
