"""The MaskAttn-UNet paper's datasets: class counts and thing ids of every
config come from the dataset's metainfo (the dataset bases), and the three
models of the paper's table exist for each data set."""
from pathlib import Path

import pytest
from mmengine.config import Config
from mmseg.registry import DATASETS

import mmseg_maskattn  # noqa: F401

ROOT = Path(__file__).resolve().parents[2]
DATASETS_OF = {
    'coco-panoptic': 'CocoPanopticSegDataset',
    'ade20k-panoptic': 'ADE20KPanopticSegDataset',
    'cityscapes-panoptic': 'CityscapesPanopticSegDataset',
}
MODELS = ('maskattn-unet_b64', 'maskattn-unet_b32', 'unet-s5-d16_fcn',
          'mask2former_r50')


def _config(model: str, data: str) -> Config:
    return Config.fromfile(
        str(ROOT / 'configs/maskattn_unet' /
            f'{model}_1xb8-160k_{data}-128x128.py'))


@pytest.mark.parametrize('data', sorted(DATASETS_OF))
@pytest.mark.parametrize('model', MODELS)
def test_classes_and_things_follow_the_dataset(model, data):
    cfg = _config(model, data)
    meta = DATASETS.get(DATASETS_OF[data]).METAINFO
    classes = list(meta['classes'])
    things = [classes.index(name) for name in meta['thing_classes']]
    head = cfg.model.decode_head
    assert cfg.train_dataloader.dataset.type == DATASETS_OF[data]
    assert head.num_classes == len(classes)
    assert list(cfg.model.get('thing_classes') or head.thing_classes) == things
    if 'loss_cls' in head:  # Mask2Former: 0.1 for "no object"
        assert head.loss_cls.class_weight == [1.0] * len(classes) + [0.1]
    if 'auxiliary_head' in cfg.model:
        assert cfg.model.auxiliary_head.num_classes == len(classes)
    metrics = [m['type'] for m in cfg.test_evaluator]
    assert metrics == ['IoUMetric', 'PanopticQualityMetric', 'MaskAPMetric']


@pytest.mark.parametrize('data', sorted(DATASETS_OF))
def test_b64_is_the_paper_size_of_b32(data):
    b32 = _config('maskattn-unet_b32', data)
    b64 = _config('maskattn-unet_b64', data)
    assert (b32.model.backbone.base_channels,
            b64.model.backbone.base_channels) == (32, 64)
    b64.model.backbone.base_channels = 32
    b64.model.decode_head.in_channels = b64.model.decode_head.channels = 32
    assert b64.model == b32.model
