# ADE20K panoptic (Zhou et al., "Scene Parsing through ADE20K Dataset", CVPR
# 2017, https://groups.csail.mit.edu/vision/datasets/ADE20K/): semantic +
# instance + panoptic ground truth at 128x128, the MaskAttn-UNet setting
# (Cheng et al., arXiv 2503.10686, https://arxiv.org/abs/2503.10686). 150
# classes (SceneParse150 order, labels as mmseg's ADE20KDataset): 100 things,
# 50 stuff.
#
# Data placement: expected under `data/ade/ADEChallengeData2016` relative to
# the directory you run the tools from (the repository root): the
# ADEChallengeData2016 release plus its COCO-panoptic conversion
# (detectron2/Mask2Former `datasets/prepare_ade20k_pan_seg.py`, or mmdet
# `tools/dataset_converters/ade20k2coco.py`; both need
# `annotations_instance/` from the ADE20K instance release):
#
#   data/ade/ADEChallengeData2016
#   ├── images/training/*.jpg                 20210 images
#   ├── images/validation/*.jpg               2000 images
#   ├── ade20k_panoptic_train.json
#   ├── ade20k_panoptic_train/*.png           RGB-encoded segment ids
#   ├── ade20k_panoptic_val.json
#   └── ade20k_panoptic_val/*.png
#
# Link an existing copy (`mkdir -p data/ade && ln -s /path/to/
# ADEChallengeData2016 data/ade/ADEChallengeData2016`) or override
# `{train,val,test}_dataloader.dataset.data_root` with `--cfg-options`.
#
# Ground truth: `LoadPanopticAnnotations` decodes the PNG with the
# segments_info of the json (json category id = class index); see
# `coco_panoptic_128x128.py` for the packed maps. Training: RandomResize of
# the short side around 128 (scale (512, 128), ratio 0.5-2.0), 128x128 crop,
# flip, photometric distortion, `PadSegFields`. Evaluation at 128x128 (image
# and ground truth resized to 128x128, `reset_ori_shape=True`).
#
# `ADE20KPanopticSegDataset` and the transforms are registered by
# `mmseg_maskattn`: configs that inherit this file need `custom_imports =
# dict(imports=['mmseg_maskattn'], allow_failed_imports=False)` and
# `default_scope = 'mmseg'`.
# The model's class count and thing class ids, from the dataset's metainfo
# (100 things among the 150 classes, in ADE20K's order); model configs take
# them from _base_, and tests/test_configs checks them against the dataset.
panoptic_num_classes = 150
panoptic_thing_classes = [
    7, 8, 10, 12, 14, 15, 18, 19, 20, 22, 23, 24, 27, 30, 31, 32, 33, 35, 36,
    37, 38, 39, 41, 42, 43, 44, 45, 47, 49, 50, 53, 55, 56, 57, 58, 62, 64,
    65, 66, 67, 69, 70, 71, 72, 73, 74, 75, 76, 78, 80, 81, 82, 83, 85, 86,
    87, 88, 89, 90, 92, 93, 95, 97, 98, 102, 103, 104, 107, 108, 110, 111,
    112, 115, 116, 118, 119, 120, 121, 123, 124, 125, 126, 127, 129, 130, 132,
    133, 134, 135, 136, 137, 138, 139, 142, 143, 144, 146, 147, 148, 149
]
# Mask2Former's classification weights: 1 per class, 0.1 for "no object".
mask2former_class_weight = [1.0] * panoptic_num_classes + [0.1]
dataset_type = 'ADE20KPanopticSegDataset'
data_root = 'data/ade/ADEChallengeData2016'
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
        ann_file='ade20k_panoptic_train.json',
        data_prefix=dict(
            img_path='images/training', pan_map_path='ade20k_panoptic_train'),
        pipeline=train_pipeline))
val_dataloader = dict(
    batch_size=1,
    num_workers=2,
    persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(
        type=dataset_type,
        data_root=data_root,
        ann_file='ade20k_panoptic_val.json',
        data_prefix=dict(
            img_path='images/validation', pan_map_path='ade20k_panoptic_val'),
        pipeline=test_pipeline))
test_dataloader = val_dataloader

val_evaluator = [
    dict(type='IoUMetric', iou_metrics=['mIoU']),
    dict(type='PanopticQualityMetric')
]
test_evaluator = val_evaluator
