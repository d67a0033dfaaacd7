"""The FastFCN configs build the paper's plain backbone: no dilated conv,
output stride 32, and JPU brings the last three stages back to 1/8."""
from pathlib import Path

import pytest
import torch
from mmengine.config import Config
from mmengine.registry import init_default_scope
from mmseg.registry import MODELS

import mmseg_maskattn  # noqa: F401

CONFIGS = sorted(
    (Path(__file__).resolve().parents[2] / 'configs' / 'fastfcn').glob(
        '*.py'))


def test_every_head_and_dataset():
    assert len(CONFIGS) == 6


@pytest.mark.parametrize('path', CONFIGS, ids=lambda p: p.name)
def test_plain_backbone_and_jpu(path):
    init_default_scope('mmseg')
    cfg = Config.fromfile(str(path))
    cfg.model.pretrained = None
    cfg.model.backbone.depth = 18  # the layout, not the width, is tested
    cfg.model.neck.in_channels = (128, 256, 512)
    model = MODELS.build(cfg.model).eval()
    dilated = [
        name for name, m in model.backbone.named_modules()
        if isinstance(m, torch.nn.Conv2d) and m.dilation != (1, 1)
    ]
    assert dilated == []
    with torch.no_grad():
        stages = model.backbone(torch.randn(1, 3, 64, 64))
        outs = model.neck(stages)
    # stages 2-4 at 1/8, 1/16, 1/32 (plain strides) ...
    assert [s.shape[-1] for s in stages] == [8, 4, 2]
    # ... and JPU's output at 1/8
    assert outs[-1].shape[-2:] == (8, 8)
