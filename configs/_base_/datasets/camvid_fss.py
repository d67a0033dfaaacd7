# Few-shot segmentation episodes on CamVid (SegNet split), small enough for
# CPU runs: 120x160 (h, w) images, the 11 classes split into 3 contiguous
# folds (0-3, 4-7, 8-10), testing on the val split (101 images).
# CamVid has no background class and nearly every image holds nearly every
# class, so training keeps images with novel classes and their pixels are
# background (PFENet convention, novel_in_train='background'; BAM/HDMNet's
# 'drop' would leave almost no image). min_pixels is 1024 (at the label
# file's 360x480) so that thin classes (Pole) have enough val images for
# 5-shot. Void (11) is 255 in the masks and ignored.
#
# Data: data/camvid as in configs/_base_/datasets/camvid.py.
# Fold, shot, data preprocessor and MultiSeedTestLoop: see the comment of
# configs/_base_/datasets/pascal5i.py.
dataset_type = 'CamVidDataset'
data_root = 'data/camvid'
fold = 0
shot = 1
img_scale = (160, 120)  # (w, h)
crop_size = (120, 160)  # (h, w)
num_train_episodes = 100000
train_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='LoadAnnotations'),
    dict(
        type='RandomResize',
        scale=img_scale,
        ratio_range=(1.0, 1.5),
        keep_ratio=True),
    dict(type='RandomCrop', crop_size=crop_size),
    dict(type='RandomFlip', prob=0.5),
]
test_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='Resize', scale=img_scale, keep_ratio=True),
    dict(type='LoadAnnotations'),
]
# split_rule='interleaved' (COCO-20i style, fold i = class ids i, i+3, ...)
# mixes large and small classes in every fold; 'contiguous' puts the four
# large ones (Sky .. Road) in fold 0
fss_settings = dict(
    type='EpisodicDataset',
    split_rule='contiguous',
    num_folds=3,
    ignore_classes=[],
    min_pixels=1024,
    novel_in_train='background',
    # a thin or corner class (1024 pixels of the 360x480 label) is often cut
    # out by a random crop of a rescaled image: re-crop up to 100 times (an
    # episode that succeeds earlier is unchanged; the default 10 stopped a
    # 180x240 run at iteration 200 on a support without Sky)
    support_retries=100)
train_dataloader = dict(
    batch_size=4,
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
            data_root=data_root,
            data_prefix=dict(img_path='train', seg_map_path='trainannot'),
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
            data_root=data_root,
            data_prefix=dict(img_path='val', seg_map_path='valannot'),
            pipeline=test_pipeline)))
test_dataloader = val_dataloader

val_evaluator = dict(type='FewShotIoUMetric')
test_evaluator = val_evaluator
