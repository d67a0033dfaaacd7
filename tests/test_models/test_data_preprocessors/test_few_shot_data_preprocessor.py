"""FewShotDataPreProcessor: normalisation, padding, metainfo, errors."""
import pytest
import torch
from mmengine.structures import PixelData
from mmseg.registry import MODELS
from mmseg.structures import SegDataSample

import mmseg_maskattn  # noqa: F401
from mmseg_maskattn.models.data_preprocessors import FewShotDataPreProcessor


def episode(shot, h, w, value=10, query_shape=None, gt_shape=None):
    """An episode of ``shot`` supports; ``query_shape`` is its img_shape."""
    inputs = torch.full((shot + 1, 3, h, w), value, dtype=torch.uint8)
    inputs[:, 0] = 1  # B
    inputs[:, 2] = 3  # R
    s = SegDataSample(
        metainfo=dict(
            img_path=f'q{h}x{w}.png',
            img_shape=query_shape or (h, w),
            support_img_shapes=[(h, w)] * shot))
    s.gt_sem_seg = PixelData(
        data=torch.ones((1, ) + (gt_shape or (h, w)), dtype=torch.int64))
    s.gt_support_seg = PixelData(
        data=torch.ones((shot, h, w), dtype=torch.int64))
    return inputs, s


def batch(*episodes):
    return dict(
        inputs=[e[0] for e in episodes], data_samples=[e[1] for e in episodes])


def test_normalise_and_pad_training():
    pre = MODELS.build(
        dict(
            type='FewShotDataPreProcessor',
            mean=[1.0, 2.0, 3.0],
            std=[2.0, 2.0, 2.0],
            bgr_to_rgb=True,
            pad_val=-7,
            seg_pad_val=255))
    assert isinstance(pre, FewShotDataPreProcessor)
    out = pre(batch(episode(2, 4, 5), episode(2, 6, 3)), training=True)
    inputs, samples = out['inputs'], out['data_samples']
    assert inputs.shape == (2, 3, 3, 6, 5) and inputs.dtype == torch.float32
    # BGR (1, 10, 3) -> RGB (3, 10, 1), then (x - mean) / std.
    assert inputs[0, 0, :, 0, 0].tolist() == [1.0, 4.0, -1.0]
    assert (inputs[0, :, :, 4:, :] == -7).all()
    assert (inputs[1, :, :, :, 3:] == -7).all()
    for s, (h, w) in zip(samples, [(4, 5), (6, 3)]):
        assert s.img_shape == (h, w) and s.pad_shape == (6, 5)
        assert s.padding_size == (0, 5 - w, 0, 6 - h)
        for data in (s.gt_sem_seg.data, s.gt_support_seg.data):
            assert data.shape[-2:] == (6, 5)
            assert (data[..., :h, :w] == 1).all()
            assert (data[..., h:, :] == 255).all()
            assert (data[..., :, w:] == 255).all()
    assert samples[0].gt_support_seg.data.shape == (2, 6, 5)


def test_testing_keeps_query_label_and_size_divisor():
    pre = FewShotDataPreProcessor(size_divisor=8)
    out = pre(batch(episode(1, 4, 5, gt_shape=(9, 11))), training=False)
    assert out['inputs'].shape == (1, 2, 3, 8, 8)
    sample = out['data_samples'][0]
    assert sample.gt_sem_seg.shape == (9, 11)  # original label size
    assert sample.gt_support_seg.data.shape == (1, 8, 8)
    assert sample.padding_size == (0, 3, 0, 4)


def test_episode_padding_is_reset_to_pad_val():
    # The dataset padded a (2, 3) query to the (4, 5) episode with 0.
    inputs, s = episode(1, 4, 5, query_shape=(2, 3))
    pre = FewShotDataPreProcessor(mean=[1, 1, 1], std=[1, 1, 1], pad_val=0)
    out = pre(dict(inputs=[inputs], data_samples=[s]))
    x = out['inputs'][0]
    assert (x[0, :, 2:, :] == 0).all() and (x[0, :, :, 3:] == 0).all()
    assert (x[0, 1, :2, :3] == 9).all()  # 10 - 1, unchanged
    assert (x[1, 1] == 9).all()  # the support is entirely valid
    assert out['data_samples'][0].padding_size == (0, 2, 0, 2)
    assert inputs.dtype == torch.uint8 and (inputs[0, 1] == 10).all()


def test_fixed_size():
    pre = FewShotDataPreProcessor(size=(7, 6))
    out = pre(batch(episode(1, 4, 5)), training=True)
    assert out['inputs'].shape == (1, 2, 3, 7, 6)
    with pytest.raises(
            ValueError,
            match=r'\(8, 5\) is larger than the '
            r'padding size \(7, 6\)'):
        pre(batch(episode(1, 8, 5)))


def test_errors():
    pre = FewShotDataPreProcessor()
    with pytest.raises(
            ValueError, match='episode 0 has K=1, episode 1 has '
            'K=5'):
        pre(batch(episode(1, 4, 4), episode(5, 4, 4)))
    with pytest.raises(ValueError, match='K=2 supports.*expects shot=1'):
        FewShotDataPreProcessor(shot=1)(batch(episode(2, 4, 4)))
    with pytest.raises(ValueError, match=r'\(1 \+ K, 3, H, W\)'):
        pre(dict(inputs=[torch.zeros(3, 4, 4, dtype=torch.uint8)]))
    inputs, s = episode(1, 4, 4)
    s.gt_support_seg = PixelData(data=torch.ones(1, 3, 3))
    with pytest.raises(ValueError, match=r'gt_support_seg has size \(3, 3\)'):
        pre(dict(inputs=[inputs], data_samples=[s]))
    with pytest.raises(ValueError, match='mean and std'):
        FewShotDataPreProcessor(mean=[0, 0, 0])
