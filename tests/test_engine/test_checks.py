"""A decode head whose in_channels do not match the backbone is rejected
right after the model is built, naming the key."""
import pytest
from mmengine.config import Config
from mmengine.model import revert_sync_batchnorm
from mmengine.registry import init_default_scope
from mmseg.registry import MODELS

import mmseg_maskattn  # noqa: F401
from mmseg_maskattn.engine import (check_decode_head_channels,
                                   enforce_strict_load)

from ..test_tools._runner_utils import REPO_ROOT, TOY_CONFIG, run


def _model(**head):
    init_default_scope('mmseg')
    cfg = Config.fromfile(str(TOY_CONFIG))
    cfg.model.decode_head.update(head)
    return revert_sync_batchnorm(MODELS.build(cfg.model))


def test_matching_channels_pass():
    model = _model()
    check_decode_head_channels(model)
    assert model.training


def test_wrong_width_names_in_channels():
    with pytest.raises(ValueError,
                       match=r'decode_head.in_channels\[2\]=150 .* 160'):
        check_decode_head_channels(_model(in_channels=[32, 64, 150, 256]))


def test_wrong_index_names_in_index():
    with pytest.raises(ValueError, match=r'decode_head.in_index\[3\]=4'):
        check_decode_head_channels(_model(in_index=[0, 1, 2, 4]))


def test_head_without_channel_attributes_is_left_alone(
        tiny_resnet_cfg, m2f_head_cfg):
    """Mask2Former heads keep no in_channels / in_index: nothing to check."""
    model = MODELS.build(
        dict(
            type='Mask2FormerPanopticSegmentor',
            backbone=tiny_resnet_cfg,
            decode_head=m2f_head_cfg))
    assert not hasattr(model.decode_head, 'in_index')
    check_decode_head_channels(model)


def test_head_of_merged_features_is_left_alone(tiny_resnet_cfg):
    """HDMNet's head reads the segmentor's merged episode features (16
    channels here), not the backbone's outputs."""
    backbone = dict(tiny_resnet_cfg, out_indices=(1, 2, 3),
                    dilations=(1, 1, 2, 4), strides=(1, 2, 1, 1))
    model = MODELS.build(
        dict(
            type='HDMNet',
            backbone=backbone,
            reduce_dim=8,
            decode_head=dict(type='HDMNetHead', in_channels=16,
                             channels=16, num_priors=1)))
    assert model.decode_head.in_channels == 16
    check_decode_head_channels(model)


def test_train_tool_fails_before_training(tmp_path):
    proc = run([
        str(REPO_ROOT / 'tools/train.py'),
        str(TOY_CONFIG), '--work-dir',
        str(tmp_path), '--cfg-options',
        'model.decode_head.in_channels=[32,64,150,256]'
    ],
               check=False)
    assert proc.returncode != 0
    assert 'decode_head.in_channels[2]=150' in proc.stderr
    assert 'Iter(train)' not in proc.stdout + proc.stderr


def test_jpu_output_width_names_in_channels():
    """FastFCN: the head reads the JPU's output, 4 x mid_channels wide."""
    init_default_scope('mmseg')
    cfg = Config.fromfile(
        str(REPO_ROOT / 'projects/attention_camvid/configs/'
            'fastfcn-jpu-psp_r18-d32_1xb4-500iter_camvid-180x240.py'))
    cfg.model.decode_head.in_channels = 256
    model = MODELS.build(cfg.model)
    with pytest.raises(ValueError,
                       match=r'decode_head.in_channels\[0\]=256 .* 512'):
        check_decode_head_channels(model)


def test_test_tool_fails_before_testing(tmp_path):
    # the check runs before the checkpoint is read: an empty file will do
    ckpt = tmp_path / 'iter_1.pth'
    ckpt.touch()
    proc = run([
        str(REPO_ROOT / 'tools/test.py'),
        str(TOY_CONFIG),
        str(ckpt), '--work-dir',
        str(tmp_path), '--cfg-options',
        'model.decode_head.in_index=[0,1,2,4]'
    ],
               check=False)
    assert proc.returncode != 0
    assert 'decode_head.in_index[3]=4' in proc.stderr


def test_enforce_strict_load_adds_keeps_or_removes_the_hook():
    cfg = Config(dict(custom_hooks=[dict(type='RandomStateHook')]))
    enforce_strict_load(cfg)
    assert cfg.custom_hooks == [
        dict(type='RandomStateHook'), dict(type='StrictLoadHook')]
    # a config's own StrictLoadHook (and its options) is kept
    own = dict(type='StrictLoadHook', ignore_prefixes=['decode_head.'])
    cfg = Config(dict(custom_hooks=[own]))
    enforce_strict_load(cfg)
    assert cfg.custom_hooks == [own]
    # --allow-partial: mmengine's non-strict load
    enforce_strict_load(cfg, allow_partial=True)
    assert cfg.custom_hooks == []
    cfg = Config(dict())
    enforce_strict_load(cfg)
    assert cfg.custom_hooks == [dict(type='StrictLoadHook')]
