"""projects/lowres_universal/grouping_study.py: hand-computed embedding
separation and one run on the toy data."""
import pytest
import torch
from mmengine.config import Config

from ._script import load_script

TOY_CONFIG = 'configs/maskattn_unet/maskattn-unet_b16_1xb4-300iter_toy-64x64.py'


def test_embedding_separation_hand_computed():
    study = load_script('lowres_universal/grouping_study.py')
    # 1x5 pixels, D = 2: instance 1 = (1, 0), (0, 1); instance 2 = (1, 0)
    # twice; the last pixel is no instance
    emb = torch.tensor([[[1., 0., 1., 1., 0.]], [[0., 1., 0., 0., 1.]]])
    inst = torch.tensor([[1, 1, 2, 2, 0]])
    r = study.embedding_separation(emb, inst)
    s = 2**-0.5
    # centre 1 = (s, s): cos s for both pixels; centre 2 = (1, 0): cos 1
    assert r['intra_sum'] == pytest.approx(2 * s + 2)
    assert r['intra_n'] == 4
    # cos(centre 1, centre 2) = s, two ordered pairs
    assert r['inter_sum'] == pytest.approx(2 * s)
    assert r['inter_n'] == 2


def test_embedding_separation_no_instance_and_bad_size():
    study = load_script('lowres_universal/grouping_study.py')
    emb = torch.ones(2, 1, 3)
    assert study.embedding_separation(emb, torch.zeros(1, 3)) == dict(
        intra_sum=0.0, intra_n=0, inter_sum=0.0, inter_n=0)
    with pytest.raises(ValueError, match='differ in size'):
        study.embedding_separation(emb, torch.zeros(1, 2))


def test_study_on_toy_checkpoint(tmp_path, repo_root, toy_data_root):
    study = load_script('lowres_universal/grouping_study.py')
    from mmengine.registry import init_default_scope
    from mmseg.registry import MODELS
    import mmseg_maskattn  # noqa: F401
    init_default_scope('mmseg')
    cfg = Config.fromfile(str(repo_root / TOY_CONFIG))
    cfg.val_dataloader.dataset.data_root = str(toy_data_root)
    torch.manual_seed(0)
    model = MODELS.build(cfg.model)
    path = tmp_path / 'toy.pth'
    torch.save(dict(meta=dict(cfg=cfg.pretty_text),
                    state_dict=model.state_dict()), path)
    rows, true_count, sep = study.study(str(path), [0.7], batch_size=3,
                                        connectivity=8)
    names = [name for name, _, _ in rows]
    within = 'embeddings within 8-connected components'
    assert names == [
        'embeddings, threshold 0.7',
        'embeddings, true semantics, threshold 0.7',
        f'{within}, threshold 0.7', f'{within}, true semantics, threshold 0.7',
        'connected components', 'connected components, true semantics'
    ]
    assert true_count > 0
    # a pixel's cosines to its own instance's mean sum to |sum| >= 0
    assert 0 <= sep['intra'] <= 1 + 1e-6
    assert -1 - 1e-6 <= sep['inter'] <= 1 + 1e-6
    # the true semantic map split into connected components: touching
    # instances of one class merge, so at most the true instances, and most
    # of them are matched
    count = {name: c for name, _, c in rows}
    assert 0 < count['connected components, true semantics'] <= true_count
    oracle = {name: m for name, m, _ in rows}[
        'connected components, true semantics']
    assert 50 < oracle['PQ_th'] <= 100
