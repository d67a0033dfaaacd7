"""Fixtures of the command-line tool tests."""
from pathlib import Path

import pytest

HDMNET_TINY = '''
_base_ = {bases!r}
custom_imports = dict(imports=['mmseg_maskattn'], allow_failed_imports=False)
default_scope = 'mmseg'
data_root = {data_root!r}
fold, shot = 0, {shot}
model = dict(
    data_preprocessor=dict(size=(64, 64), shot=shot),
    backbone=dict(
        depth=18, base_channels=8, stem_channels=8, init_cfg=None),
    reduce_dim=16,
    decode_head=dict(in_channels=16, channels=32))
loader = dict(num_workers=0, persistent_workers=False)
train_dataloader = dict(
    **loader,
    batch_size=2,
    dataset=dict(fold=fold, shot=shot, num_episodes=8,
                 dataset=dict(data_root=data_root)))
val_dataloader = dict(
    **loader,
    dataset=dict(fold=fold, shot=shot, num_episodes=6,
                 dataset=dict(data_root=data_root)))
test_dataloader = val_dataloader
optim_wrapper = dict(optimizer=dict(lr=1e-3))
param_scheduler = [
    dict(type='PolyLR', power=0.9, begin=0, end=4, by_epoch=False)]
train_cfg = dict(type='IterBasedTrainLoop', max_iters=4, val_interval=4)
test_cfg = dict(type='MultiSeedTestLoop', seeds={seeds!r})
default_hooks = dict(
    logger=dict(interval=1), checkpoint=dict(interval=4),
    visualization=dict(draw=False))
'''


@pytest.fixture
def hdmnet_tiny_config(repo_root, tmp_path):
    """Factory of tiny HDMNet configs for toy few-shot episodes.

    A ResNetV1c-18 with 8 base channels and a 16-wide head, built from the
    repository's HDMNet model base and toy FSS dataset base, 4 training
    iterations, tested with ``MultiSeedTestLoop``.

    Returns:
        Callable[[Path, int, Sequence[int]], Path]: ``(data_root, shot,
        seeds)`` -> the config written to ``tmp_path``.
    """
    bases = [
        str(repo_root / 'configs/_base_/models/hdmnet_r50.py'),
        str(repo_root / 'configs/_base_/datasets/toy_fss.py'),
        'mmseg::_base_/default_runtime.py',
        str(repo_root / 'configs/_base_/cpu_iter_runtime.py'),
    ]

    def write(data_root: Path, shot: int, seeds) -> Path:
        path = tmp_path / f'hdmnet_tiny_{shot}shot.py'
        path.write_text(
            HDMNET_TINY.format(
                bases=bases,
                data_root=str(data_root),
                shot=shot,
                seeds=list(seeds)))
        return path

    return write
