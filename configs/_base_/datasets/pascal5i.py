# PASCAL-5i few-shot segmentation (Shaban et al. 2017) with the settings of
# HDMNet (Peng et al., CVPR 2023, https://arxiv.org/abs/2303.14652), which
# follows BAM (Lang et al., CVPR 2022) and PFENet (Tian et al., TPAMI 2020):
# 20 VOC classes in 4 folds, fold i novel = VOC ids 5i+1..5i+5, background
# (0) never an episode class, a class counts in an image with >= 2 * 32 * 32
# pixels, training images holding a novel class are dropped (BAM/HDMNet),
# 473x473 training crops, testing on 1000 episodes per seed at the original
# label size (MultiSeedTestLoop).
#
# Data: VOC2012 + SBD augmented labels as mmseg's
# tools/dataset_converters/voc_aug.py makes them:
#   data/VOCdevkit/VOC2012
#   ├── JPEGImages
#   ├── SegmentationClass        val labels (palette PNG, 255 = boundary)
#   ├── SegmentationClassAug     train labels (SBD + VOC train)
#   └── ImageSets/Segmentation/{aug.txt (10582), val.txt (1449)}
# Optional start-up cache (skips the label scan):
#   python tools/dataset_converters/build_fss_folds.py \
#       configs/_base_/datasets/pascal5i.py --loader train_dataloader \
#       --out data/VOCdevkit/fss/pascal5i_train.json --threads 2
# then `train_dataloader.dataset.fold_list_file=...` (same for test).
#
# Model configs pick the fold and shot by re-setting them in the datasets
# (mmengine does not re-evaluate base variables), set the episode data
# preprocessor and the multi-seed test loop, e.g.:
#   fold, shot = 1, 5
#   train_dataloader = dict(dataset=dict(fold=fold, shot=shot))
#   val_dataloader = dict(dataset=dict(fold=fold, shot=shot))
#   test_dataloader = val_dataloader
#   data_preprocessor = dict(type='FewShotDataPreProcessor',
#       mean=[123.675, 116.28, 103.53], std=[58.395, 57.12, 57.375],
#       bgr_to_rgb=True, size=crop_size, shot=shot)
#   test_cfg = dict(type='MultiSeedTestLoop',
#                   seeds=[321, 322, 323, 324, 325])
# Needs custom_imports = dict(imports=['mmseg_maskattn'],
# allow_failed_imports=False) and default_scope = 'mmseg'.
dataset_type = 'PascalVOCDataset'
data_root = 'data/VOCdevkit/VOC2012'
fold = 0
shot = 1
crop_size = (473, 473)  # (h, w)
# Every training episode is distinct: at least iterations x batch size.
num_train_episodes = 1000000
# Applied by EpisodicDataset to the query and to every support separately;
# no PackSegInputs (the episode wrapper packs).
train_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='LoadAnnotations'),
    dict(
        type='RandomResize',
        scale=(500, 500),
        ratio_range=(0.9, 1.1),
        keep_ratio=True),
    dict(type='RandomRotate', prob=0.5, degree=10, pad_val=0, seg_pad_val=255),
    dict(type='RandomFlip', prob=0.5),
    dict(type='RandomCrop', crop_size=crop_size),
]
test_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='Resize', scale=crop_size, keep_ratio=True),
    # Loaded after Resize: the query is evaluated at the label file's size;
    # support masks are resized to their image by EpisodicDataset.
    dict(type='LoadAnnotations'),
]
fss_settings = dict(
    type='EpisodicDataset',
    split_rule='pascal',
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
            data_root=data_root,
            data_prefix=dict(
                img_path='JPEGImages', seg_map_path='SegmentationClassAug'),
            ann_file='ImageSets/Segmentation/aug.txt',
            pipeline=train_pipeline)))
# persistent_workers=False: MultiSeedTestLoop changes the episode seed
# between runs, which persistent workers would not see.
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
            data_prefix=dict(
                img_path='JPEGImages', seg_map_path='SegmentationClass'),
            ann_file='ImageSets/Segmentation/val.txt',
            pipeline=test_pipeline)))
test_dataloader = val_dataloader

val_evaluator = dict(type='FewShotIoUMetric')
test_evaluator = val_evaluator
