"""GSCNN segmentor: Canny edges of the de-normalised image for the head."""
import cv2
import numpy as np
import pytest
import torch
from mmengine.config import ConfigDict
from mmengine.registry import init_default_scope
from mmengine.structures import PixelData
from mmseg.registry import MODELS
from mmseg.structures import SegDataSample

import mmseg_maskattn  # noqa: F401

init_default_scope('mmseg')

BN = dict(type='BN', requires_grad=True)
MEAN = [123.675, 116.28, 103.53]
STD = [58.395, 57.12, 57.375]


def _cfg(**kw):
    return dict(
        type='GSCNN',
        data_preprocessor=dict(
            type='SegDataPreProcessor', mean=MEAN, std=STD, bgr_to_rgb=True,
            pad_val=0, seg_pad_val=255),
        backbone=dict(
            type='ResNetV1c', depth=18, base_channels=8, stem_channels=8,
            dilations=(1, 1, 2, 4), strides=(1, 2, 1, 1), norm_cfg=BN),
        decode_head=dict(
            type='GSCNNHead', in_channels=[8, 16, 32, 64],
            in_index=[0, 1, 2, 3], channels=8, shape_channels=(8, 4, 4, 2),
            dilations=(1, 2), low_level_channels=4, num_classes=3,
            norm_cfg=BN),
        test_cfg=ConfigDict(mode='whole'),
        **kw)


def _image(seed=0, h=48, w=64):
    """An 8-bit image with edges: two rectangles on a noisy background."""
    rng = np.random.default_rng(seed)
    img = rng.integers(100, 110, (h, w, 3), dtype=np.uint8)
    img[8:30, 10:40] = (200, 30, 60)
    img[20:44, 30:60] = (20, 160, 240)
    return img


def _normalised(model, images):
    """The data preprocessor's output for (H, W, 3) uint8 images."""
    data = dict(inputs=[torch.from_numpy(i).permute(2, 0, 1) for i in images])
    return model.data_preprocessor(data, False)['inputs']


def test_image_gradient_is_canny_of_the_original_image():
    model = MODELS.build(_cfg(canny_thresholds=(10, 100)))
    images = [_image(0), _image(1)]
    inputs = _normalised(model, images)
    grad = model.image_gradient(inputs)
    assert grad.shape == (2, 1, 48, 64)
    for g, img in zip(grad, images):
        # the preprocessor flips BGR to RGB; Canny combines the channels'
        # gradients symmetrically, so the order does not matter
        expected = cv2.Canny(np.ascontiguousarray(img[..., ::-1]), 10, 100)
        assert np.array_equal(g[0].numpy(), expected / 255.0)
    assert grad.sum() > 0


def test_thresholds_are_used():
    loose = MODELS.build(_cfg(canny_thresholds=(1, 5)))
    strict = MODELS.build(_cfg(canny_thresholds=(500, 1000)))
    inputs = _normalised(loose, [_image()])
    assert loose.image_gradient(inputs).sum() > strict.image_gradient(
        inputs).sum()


def test_features_end_with_the_image_gradient():
    model = MODELS.build(_cfg())
    inputs = torch.randn(2, 3, 64, 64)
    feats = model.extract_feat(inputs)
    assert [tuple(f.shape[1:]) for f in feats] == [(8, 16, 16), (16, 8, 8),
                                                   (32, 8, 8), (64, 8, 8),
                                                   (1, 64, 64)]
    assert torch.equal(feats[-1], model.image_gradient(inputs))


def test_predict_whole_image():
    model = MODELS.build(_cfg()).eval()
    samples = []
    for _ in range(2):
        s = SegDataSample(
            gt_sem_seg=PixelData(data=torch.randint(0, 3, (1, 64, 64))))
        s.set_metainfo(
            dict(img_shape=(64, 64), pad_shape=(64, 64),
                 ori_shape=(64, 64)))
        samples.append(s)
    with torch.no_grad():
        out = model.predict(torch.randn(2, 3, 64, 64), samples)
    assert out[0].pred_sem_seg.data.shape == (1, 64, 64)
    assert out[0].seg_logits.data.shape == (3, 64, 64)


@pytest.mark.parametrize('thresholds', [(100, 10), (10, ), (-1, 5)])
def test_bad_thresholds(thresholds):
    with pytest.raises(ValueError, match='canny_thresholds'):
        MODELS.build(_cfg(canny_thresholds=thresholds))


def test_bad_images():
    model = MODELS.build(_cfg())
    with pytest.raises(ValueError, match='GSCNN: expected'):
        model.image_gradient(torch.randn(2, 4, 8, 8))
