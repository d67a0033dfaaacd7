"""DANetHead is mmseg's DAHead with a position attention that never builds
the N x N matrix: mmseg's weights load strictly and give the same three
outputs and losses."""
import pytest
import torch
from mmengine.registry import init_default_scope
from mmengine.structures import PixelData
from mmseg.registry import MODELS
from mmseg.structures import SegDataSample

import mmseg_maskattn  # noqa: F401

init_default_scope('mmseg')

CFG = dict(
    in_channels=24,
    in_index=3,
    channels=16,
    pam_channels=4,
    dropout_ratio=0.1,
    num_classes=5,
    norm_cfg=dict(type='BN'),
    align_corners=False,
    loss_decode=dict(type='CrossEntropyLoss', loss_weight=1.0))


def _pair():
    torch.manual_seed(0)
    ref = MODELS.build(dict(CFG, type='DAHead'))
    ours = MODELS.build(dict(CFG, type='DANetHead', pam_query_block=5))
    with torch.no_grad():  # non-trivial attention and norm statistics
        ref.pam.gamma.scale.fill_(0.8)
        ref.cam.gamma.scale.fill_(0.3)
        for m in ref.modules():
            if isinstance(m, torch.nn.BatchNorm2d):
                m.running_mean.uniform_(-0.5, 0.5)
                m.running_var.uniform_(0.5, 2.0)
    ours.load_state_dict(ref.state_dict(), strict=True)
    return ref, ours


def _feats(h, w):
    return [torch.randn(2, 8, h * 4, w * 4), torch.randn(2, 8, h * 2, w * 2),
            torch.randn(2, 8, h, w), torch.randn(2, 24, h, w)]


@pytest.mark.parametrize('size', [(8, 8), (6, 11), (13, 4)])
def test_outputs_equal_mmseg_dahead(size):
    ref, ours = _pair()
    feats = _feats(*size)
    with torch.no_grad():
        expected = ref.eval()(feats)
        got = ours.eval()(feats)
    assert len(got) == 3
    for a, b in zip(got, expected):
        torch.testing.assert_close(a, b, rtol=1e-5, atol=1e-5)


def test_losses_equal_mmseg_dahead():
    ref, ours = _pair()
    feats = _feats(8, 8)
    samples = []
    for _ in range(2):
        s = SegDataSample(
            gt_sem_seg=PixelData(data=torch.randint(0, 5, (1, 32, 32))))
        s.set_metainfo(dict(img_shape=(32, 32), pad_shape=(32, 32)))
        samples.append(s)
    ref.train()
    ours.train()
    torch.manual_seed(1)
    expected = ref.loss(feats, samples, dict())
    torch.manual_seed(1)  # the same dropout masks
    got = ours.loss(feats, samples, dict())
    assert set(got) == set(expected) == {
        'pam_cam.loss_ce', 'pam_cam.acc_seg', 'pam.loss_ce', 'pam.acc_seg',
        'cam.loss_ce', 'cam.acc_seg'
    }
    for key in got:
        torch.testing.assert_close(got[key], expected[key], rtol=1e-5,
                                   atol=1e-5)


def test_predict_uses_pam_cam():
    _, ours = _pair()
    feats = _feats(8, 8)
    metas = [dict(img_shape=(32, 32), pad_shape=(32, 32))] * 2
    with torch.no_grad():
        logits = ours.eval().predict(feats, metas, dict())
        pam_cam = ours(feats)[0]
    assert logits.shape == (2, 5, 32, 32)
    torch.testing.assert_close(
        logits,
        torch.nn.functional.interpolate(pam_cam, (32, 32), mode='bilinear'))


@pytest.mark.parametrize('update,text', [
    (dict(pam_channels=0), 'pam_channels'),
    (dict(pam_channels='8'), 'pam_channels'),
    (dict(in_channels=[8, 24], in_index=[0, 3],
          input_transform='multiple_select'), 'in_channels'),
    (dict(pam_query_block=0), 'query_block'),
])
def test_bad_config_names_the_key(update, text):
    with pytest.raises(ValueError, match=text):
        MODELS.build(dict(CFG, type='DANetHead', **update))


def test_input_width_mismatch_names_in_channels():
    _, ours = _pair()
    feats = _feats(4, 4)
    feats[3] = torch.randn(2, 20, 4, 4)
    with pytest.raises(ValueError, match='in_channels=24.*20 channels'):
        ours(feats)


def test_config_model_loads_mmseg_danet_strictly(repo_root):
    """Our DANet config builds mmseg's DANet with DANetHead: an mmseg DANet
    state dict loads strictly."""
    from mmengine.config import Config
    name = 'danet_r50-d8_4xb2-80k_cityscapes-512x1024.py'
    ours_cfg = Config.fromfile(str(repo_root / 'configs' / 'danet' / name))
    ref_cfg = Config.fromfile(str(repo_root / 'configs' / 'danet' / name))
    ref_cfg.model.decode_head.type = 'DAHead'  # mmseg's config, as inherited
    models = []
    for cfg in (ref_cfg, ours_cfg):
        cfg.model.pretrained = None
        cfg.model.backbone.depth = 18  # the head is what is compared
        cfg.model.backbone.pop('init_cfg', None)
        cfg.model.decode_head.in_channels = 512
        cfg.model.auxiliary_head.in_channels = 256
        models.append(MODELS.build(cfg.model))
    assert type(models[0].decode_head).__name__ == 'DAHead'
    assert type(models[1].decode_head).__name__ == 'DANetHead'
    models[1].load_state_dict(models[0].state_dict(), strict=True)
