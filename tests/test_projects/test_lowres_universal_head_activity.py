"""projects/lowres_universal/head_activity.py against hand-computed
values."""
import pytest
import torch

from ._script import load_script


def _case():
    # 1 image, 2 channels, 1x3 pixels: fg, bg, ignored
    feats = torch.tensor([[[[0., 2., 5.]], [[1., 0., 5.]]]])  # (1, 2, 1, 3)
    weight = torch.tensor([[1., 1.], [3., -1.]])  # (K=2, C=2)
    bias = torch.tensor([0.5, 0.])
    labels = torch.tensor([[[1, 0, 255]]])
    return feats, weight, bias, labels


def test_head_activity_hand_computed():
    study = load_script('lowres_universal/head_activity.py')
    r = study.head_activity(*_case())
    # w = w_fg - w_bg = (2, -2), b = -0.5
    assert r['positive_channels'] == 1 and r['channels'] == 2
    # fg pixel: features (0, 1) -> 1 of 2 active; bg pixel (2, 0) -> 1 of 2
    assert r['active_fg'] == pytest.approx(0.5)
    assert r['active_bg'] == pytest.approx(0.5)
    # fg margin: -0.5 + 2*0 - 2*1 = -2.5; bg: -0.5 + 4 = 3.5; ignored
    # pixel: -0.5 + 10 - 10 = -0.5; the max is over all pixels
    assert r['margin_fg'] == pytest.approx(-2.5)
    assert r['margin_max'] == pytest.approx(3.5)
    assert r['bias_diff'] == pytest.approx(-0.5)


def test_head_activity_bad_input():
    study = load_script('lowres_universal/head_activity.py')
    feats, weight, bias, labels = _case()
    with pytest.raises(ValueError, match='differ'):
        study.head_activity(feats, weight, bias, labels[:, :, :2])
    with pytest.raises(ValueError, match='foreground and background'):
        study.head_activity(feats, weight, bias, torch.zeros_like(labels))


def test_checkpoint_without_config_is_named(tmp_path):
    study = load_script('lowres_universal/head_activity.py')
    path = tmp_path / 'plain.pth'
    torch.save({'state_dict': {}}, path)
    with pytest.raises(KeyError, match='plain.pth'):
        study.checkpoint_config(str(path))
