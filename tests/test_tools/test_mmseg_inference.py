"""mmseg's own inference API on a config of this package: ``init_model`` /
``inference_model`` and ``MMSegInferencer`` (the README's Inference
section)."""
import numpy as np
import pytest
import torch
from mmengine.config import Config
from mmengine.registry import init_default_scope
from mmseg.apis import MMSegInferencer, inference_model, init_model
from mmseg.registry import MODELS

import mmseg_maskattn  # noqa: F401

from ._runner_utils import TOY_CONFIG


@pytest.fixture(scope='module')
def checkpoint(tmp_path_factory):
    init_default_scope('mmseg')
    cfg = Config.fromfile(str(TOY_CONFIG))
    torch.manual_seed(0)
    model = MODELS.build(cfg.model)
    model.init_weights()
    path = tmp_path_factory.mktemp('ckpt') / 'toy.pth'
    torch.save(
        dict(state_dict=model.state_dict(),
             meta=dict(dataset_meta=dict(
                 classes=('background', 'rectangle', 'ellipse', 'triangle'),
                 palette=[[0, 0, 0], [255, 0, 0], [0, 255, 0],
                          [0, 0, 255]]))), path)
    return path


def _image():
    rng = np.random.default_rng(0)
    return rng.integers(0, 256, (48, 80, 3), dtype=np.uint8)


def test_init_model_and_inference_model(checkpoint):
    model = init_model(str(TOY_CONFIG), str(checkpoint), device='cpu')
    assert type(model.decode_head).__name__ == 'UMixFormerHead'
    assert model.dataset_meta['classes'][1] == 'rectangle'
    result = inference_model(model, _image())
    pred = result.pred_sem_seg.data
    assert pred.shape == (1, 48, 80)
    assert 0 <= int(pred.min()) and int(pred.max()) < 4


def test_mmseg_inferencer(checkpoint, tmp_path):
    inferencer = MMSegInferencer(
        model=str(TOY_CONFIG), weights=str(checkpoint), device='cpu')
    out = inferencer(_image(), out_dir=str(tmp_path), return_datasamples=False)
    assert out['predictions'].shape == (48, 80)
    assert (tmp_path / 'vis').is_dir() or any(tmp_path.rglob('*.png'))
