# Few-shot segmentation episodes on the generated toy data (64x64, classes
# background / rectangle / ellipse / triangle), for smoke tests on CPU:
# background (0) is never an episode class, the 3 shapes form 3 folds of
# one class each. Every toy image holds every shape, so training keeps them
# and novel-class pixels are background (novel_in_train='background').
# min_pixels is 64 (toy objects are small). 100 test episodes per seed.
#
# Create the data first (see configs/_base_/datasets/toy.py):
#   python tools/gen_toy_data.py --out data/toy
# Fold, shot, data preprocessor and MultiSeedTestLoop: see the comment of
# configs/_base_/datasets/pascal5i.py.
dataset_type = 'ToySegDataset'
data_root = 'data/toy'
fold = 0
shot = 1
crop_size = (64, 64)  # (h, w)
num_train_episodes = 10000
train_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='LoadAnnotations'),
    dict(type='RandomFlip', prob=0.5),
]
test_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='LoadAnnotations'),
]
fss_settings = dict(
    type='EpisodicDataset',
    split_rule='contiguous',
    num_folds=3,
    ignore_classes=[0],
    min_pixels=64,
    novel_in_train='background')
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
            data_prefix=dict(
                img_path='img_dir/train', seg_map_path='ann_dir/train'),
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
        num_episodes=100,
        seed=321,
        dataset=dict(
            type=dataset_type,
            data_root=data_root,
            data_prefix=dict(
                img_path='img_dir/val', seg_map_path='ann_dir/val'),
            pipeline=test_pipeline)))
test_dataloader = val_dataloader

val_evaluator = dict(type='FewShotIoUMetric')
test_evaluator = val_evaluator
