# COCO-20i few-shot segmentation with the settings of HDMNet (Peng et al.,
# CVPR 2023, https://arxiv.org/abs/2303.14652), following BAM and PFENet:
# the 80 COCO 2014 categories in 4 interleaved folds (fold i novel = class
# ids i+1, i+5, ..., i+77, 1-based in category-id order), background (0)
# never an episode class, >= 2 * 32 * 32 pixels per class and image,
# training images holding a novel class dropped, 633x633 training crops,
# 1000 test episodes per seed at the original label size.
#
# Data: COCO 2014 images and 80-class semantic label PNGs made with
#   python tools/dataset_converters/coco_instances_to_semantic.py \
#       data/coco/annotations/instances_train2014.json \
#       data/coco/annotations/semantic/train2014
# (same for val2014): 0 = background, 1..80 = categories, uint8 PNGs named
# like the images.
#   data/coco
#   ├── train2014/*.jpg    val2014/*.jpg
#   └── annotations/semantic/{train2014,val2014}/*.png
# Scanning 82783 training labels at start-up is slow; build the fold lists
# once and set `fold_list_file` (see tools/dataset_converters/
# build_fss_folds.py):
#   python tools/dataset_converters/build_fss_folds.py \
#       configs/_base_/datasets/coco20i.py --loader train_dataloader \
#       --out data/coco/fss/coco20i_train.json --threads 2
#
# Fold, shot, data preprocessor and MultiSeedTestLoop: see the comment of
# configs/_base_/datasets/pascal5i.py (crop_size here is 633x633).
dataset_type = 'BaseSegDataset'
data_root = 'data/coco'
fold = 0
shot = 1
crop_size = (633, 633)  # (h, w)
num_train_episodes = 1000000
coco20i_classes = ('background', 'person', 'bicycle', 'car', 'motorcycle',
                   'airplane', 'bus', 'train', 'truck', 'boat',
                   'traffic light', 'fire hydrant', 'stop sign',
                   'parking meter', 'bench', 'bird', 'cat', 'dog', 'horse',
                   'sheep', 'cow', 'elephant', 'bear', 'zebra', 'giraffe',
                   'backpack', 'umbrella', 'handbag', 'tie', 'suitcase',
                   'frisbee', 'skis', 'snowboard', 'sports ball', 'kite',
                   'baseball bat', 'baseball glove', 'skateboard', 'surfboard',
                   'tennis racket', 'bottle', 'wine glass', 'cup', 'fork',
                   'knife', 'spoon', 'bowl', 'banana', 'apple', 'sandwich',
                   'orange', 'broccoli', 'carrot', 'hot dog', 'pizza', 'donut',
                   'cake', 'chair', 'couch', 'potted plant', 'bed',
                   'dining table', 'toilet', 'tv', 'laptop', 'mouse', 'remote',
                   'keyboard', 'cell phone', 'microwave', 'oven', 'toaster',
                   'sink', 'refrigerator', 'book', 'clock', 'vase', 'scissors',
                   'teddy bear', 'hair drier', 'toothbrush')
train_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='LoadAnnotations'),
    dict(
        type='RandomResize',
        scale=(640, 640),
        ratio_range=(0.9, 1.1),
        keep_ratio=True),
    dict(type='RandomRotate', prob=0.5, degree=10, pad_val=0, seg_pad_val=255),
    dict(type='RandomFlip', prob=0.5),
    dict(type='RandomCrop', crop_size=crop_size),
]
test_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='Resize', scale=crop_size, keep_ratio=True),
    dict(type='LoadAnnotations'),
]
fss_settings = dict(
    type='EpisodicDataset',
    split_rule='coco',
    num_folds=4,
    ignore_classes=[0],
    min_pixels=2048,
    novel_in_train='drop')
train_dataloader = dict(
    batch_size=8,
    num_workers=2,
    persistent_workers=True,
    sampler=dict(type='InfiniteSampler', shuffle=True),
    dataset=dict(
        **fss_settings,
        mode='train',
        fold=fold,
        shot=shot,
        num_episodes=num_train_episodes,
        seed=0,
        dataset=dict(
            type=dataset_type,
            metainfo=dict(classes=coco20i_classes),
            img_suffix='.jpg',
            seg_map_suffix='.png',
            data_root=data_root,
            data_prefix=dict(
                img_path='train2014',
                seg_map_path='annotations/semantic/train2014'),
            pipeline=train_pipeline)))
val_dataloader = dict(
    batch_size=1,
    num_workers=2,
    persistent_workers=False,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(
        **fss_settings,
        mode='test',
        fold=fold,
        shot=shot,
        num_episodes=1000,
        seed=321,
        dataset=dict(
            type=dataset_type,
            metainfo=dict(classes=coco20i_classes),
            img_suffix='.jpg',
            seg_map_suffix='.png',
            data_root=data_root,
            data_prefix=dict(
                img_path='val2014',
                seg_map_path='annotations/semantic/val2014'),
            pipeline=test_pipeline)))
test_dataloader = val_dataloader

val_evaluator = dict(type='FewShotIoUMetric')
test_evaluator = val_evaluator
