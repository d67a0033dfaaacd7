"""The CamVid few-shot configs with the paper's backbone protocol: the
frozen backbone of HDMNet and of the prototype baseline is loaded from the
checkpoint of the PSPNet trained on the fold's base classes; the BAM-style
ensemble also loads that PSPNet's head as its base learner."""
from pathlib import Path

import pytest
import torch
from mmengine.config import Config
from mmengine.registry import init_default_scope
from mmseg.registry import MODELS

import mmseg_maskattn  # noqa: F401
from mmseg_maskattn.datasets.camvid import CAMVID_CLASSES

HDMNET = Path(__file__).resolve().parents[2] / 'configs' / 'hdmnet'
FOLDS = (0, 1, 2)


def _cfg(name):
    return Config.fromfile(str(HDMNET / name))


@pytest.fixture(scope='module')
def psp_checkpoints(tmp_path_factory):
    """fold -> (checkpoint path, backbone state dict) of a PSPNet built from
    the fold's base-learner config, randomly initialised."""
    init_default_scope('mmseg')
    out = {}
    for fold in FOLDS:
        torch.manual_seed(fold)
        psp = MODELS.build(
            _cfg(f'pspnet_r18-d8_1xb8-500iter_camvid-fold{fold}-base-'
                 '120x160.py').model)
        psp.init_weights()
        path = tmp_path_factory.mktemp(f'psp{fold}') / 'iter_500.pth'
        torch.save({'state_dict': psp.state_dict(), 'meta': {}}, path)
        out[fold] = (path, psp.backbone.state_dict())
    return out


@pytest.mark.parametrize('fold', FOLDS)
def test_pspnet_learns_only_the_base_classes(fold):
    cfg = _cfg(f'pspnet_r18-d8_1xb8-500iter_camvid-fold{fold}-base-'
               '120x160.py')
    base = cfg.train_dataloader.dataset.metainfo['classes']
    novel = _cfg(f'hdmnet_r18_1xb4-300iter_camvid-fold{fold}-1shot-'
                 '120x160.py')
    assert cfg.model.decode_head.num_classes == len(base)
    assert cfg.model.auxiliary_head.num_classes == len(base)
    assert cfg.val_dataloader.dataset.metainfo['classes'] == base
    assert novel.train_dataloader.dataset.fold == fold
    # the PSPNet's classes are the CamVid classes outside fold's contiguous
    # block (4, 4, 3 classes)
    start, stop = [(0, 4), (4, 8), (8, 11)][fold]
    assert tuple(base) == CAMVID_CLASSES[:start] + CAMVID_CLASSES[stop:]


@pytest.mark.parametrize('model', ['hdmnet', 'prototype-fss'])
@pytest.mark.parametrize('fold', FOLDS)
def test_backbone_is_loaded_from_the_fold_pspnet(model, fold,
                                                 psp_checkpoints):
    cfg = _cfg(f'{model}_r18-pspbase_1xb4-300iter_camvid-fold{fold}-1shot-'
               '120x160.py')
    init_cfg = cfg.model.backbone.init_cfg
    assert init_cfg.checkpoint == (
        f'work_dirs/pspnet_r18-d8_1xb8-500iter_camvid-fold{fold}-base-'
        '120x160/iter_500.pth')
    path, expected = psp_checkpoints[fold]
    init_cfg.checkpoint = str(path)
    init_default_scope('mmseg')
    net = MODELS.build(cfg.model)
    net.init_weights()
    got = net.backbone.state_dict()
    assert got, 'empty backbone'
    for key, value in got.items():
        torch.testing.assert_close(value, expected[key], msg=key)
    # still frozen after loading
    assert not any(p.requires_grad for p in net.backbone.parameters())


def test_missing_checkpoint_names_the_file(tmp_path):
    cfg = _cfg('hdmnet_r18-pspbase_1xb4-300iter_camvid-fold1-1shot-'
               '120x160.py')
    missing = tmp_path / 'nowhere' / 'iter_500.pth'
    cfg.model.backbone.init_cfg.checkpoint = str(missing)
    init_default_scope('mmseg')
    net = MODELS.build(cfg.model)
    with pytest.raises(FileNotFoundError, match='nowhere'):
        net.init_weights()


@pytest.mark.parametrize('fold', FOLDS)
def test_background_pspnet_adds_background_to_the_base_classes(fold):
    base = _cfg(f'pspnet_r18-d8_1xb8-500iter_camvid-fold{fold}-base-'
                '120x160.py')
    bg = _cfg(f'pspnet_r18-d8_1xb8-500iter_camvid-fold{fold}-basebg-'
              '120x160.py')
    classes = bg.train_dataloader.dataset.metainfo['classes']
    assert tuple(classes) == ('background', ) + tuple(
        base.train_dataloader.dataset.metainfo['classes'])
    assert bg.val_dataloader.dataset.metainfo['classes'] == classes
    assert bg.model.decode_head.num_classes == len(classes)
    assert bg.model.auxiliary_head.num_classes == len(classes)
    ens = _cfg(f'hdmnet_r18-pspbasebg-ens_1xb4-300iter_camvid-fold{fold}-'
               '1shot-120x160.py')
    assert ens.model.base_learner.num_classes == len(classes)
    # channel i of the base learner is the CamVid class classes[i]
    camvid = list(CAMVID_CLASSES)
    assert list(ens.model.base_learner_classes) == [
        camvid.index(name) for name in classes[1:]
    ]
    path = (f'work_dirs/pspnet_r18-d8_1xb8-500iter_camvid-fold{fold}-basebg-'
            '120x160/iter_500.pth')
    assert ens.model.backbone.init_cfg.checkpoint == path
    assert ens.model.base_learner.init_cfg.checkpoint == path


@pytest.mark.parametrize('fold', [2])
def test_ensemble_loads_backbone_and_base_learner(fold, tmp_path):
    init_default_scope('mmseg')
    torch.manual_seed(0)
    psp = MODELS.build(
        _cfg(f'pspnet_r18-d8_1xb8-500iter_camvid-fold{fold}-basebg-'
             '120x160.py').model)
    psp.init_weights()
    path = tmp_path / 'iter_500.pth'
    torch.save({'state_dict': psp.state_dict(), 'meta': {}}, path)
    cfg = _cfg(f'hdmnet_r18-pspbasebg-ens_1xb4-300iter_camvid-fold{fold}-'
               '1shot-120x160.py')
    cfg.model.backbone.init_cfg.checkpoint = str(path)
    cfg.model.base_learner.init_cfg.checkpoint = str(path)
    net = MODELS.build(cfg.model)
    net.init_weights()
    for mine, theirs in ((net.backbone, psp.backbone),
                         (net.base_learner, psp.decode_head)):
        expected = theirs.state_dict()
        got = mine.state_dict()
        assert got.keys() == expected.keys()
        for key, value in got.items():
            torch.testing.assert_close(value, expected[key], msg=key)
        assert not any(p.requires_grad for p in mine.parameters())
    # the base learner reads layer4 of HDMNet's features and gives the
    # PSPNet's own logits
    net.eval()
    psp.eval()
    image = torch.randn(2, 3, 120, 160)
    with torch.no_grad():
        feats = net.extract_feat(image)
        torch.testing.assert_close(
            net.base_learner(feats), psp.decode_head(psp.extract_feat(image)))
