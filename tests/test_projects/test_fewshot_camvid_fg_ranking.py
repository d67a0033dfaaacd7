"""projects/fewshot_camvid/fg_ranking.py against hand-computed episodes."""
import pytest
import torch

from ._script import load_script

THRESHOLDS = (0.5, 0.8)


def _episode_one(study):
    # foreground 0.9, 0.6; background 0.7, 0.1; the ignored pixel is left out
    prob = torch.tensor([[0.9, 0.7, 0.6, 0.1, 0.99]])
    label = torch.tensor([[1, 0, 1, 0, 255]])
    return study.episode_scores(prob, label, torch.tensor(THRESHOLDS))


def test_episode_scores_hand_computed():
    study = load_script('fewshot_camvid/fg_ranking.py')
    r = _episode_one(study)
    # ranks 0.1 -> 1, 0.6 -> 2, 0.7 -> 3, 0.9 -> 4: foreground sum 6,
    # (6 - 2 * 3 / 2) / (2 * 2) = 0.75
    assert r['auc'] == pytest.approx(0.75)
    assert r['p_fg'] == pytest.approx(0.75)
    assert r['p_bg'] == pytest.approx(0.4)
    # > 0.5: 0.9, 0.7, 0.6; > 0.8: 0.9
    assert r['predicted'].tolist() == [3, 1]
    assert r['intersection'].tolist() == [2, 1]
    assert r['union'].tolist() == [3, 2]


def test_summarize_hand_computed():
    study = load_script('fewshot_camvid/fg_ranking.py')
    thresholds = torch.tensor(THRESHOLDS)
    two = study.episode_scores(
        torch.tensor([[0.4, 0.1]]), torch.tensor([[1, 0]]), thresholds)
    assert two['auc'] == pytest.approx(1.0)
    r = study.summarize([(3, _episode_one(study)), (5, two)], THRESHOLDS)
    assert r['auc'] == pytest.approx(0.875)
    assert r['p_fg'] == pytest.approx(0.575)
    assert r['p_bg'] == pytest.approx(0.25)
    assert r['any_fg'] == pytest.approx(0.5)  # episode two predicts none
    # class 3: IoU 2/3 at 0.5, 1/2 at 0.8; class 5: 0 at both
    assert r['miou_05'] == pytest.approx(100 / 3)
    assert r['best_threshold'] == pytest.approx(0.5)
    assert r['miou_best'] == pytest.approx(100 / 3)


def test_no_foreground_has_no_auc():
    study = load_script('fewshot_camvid/fg_ranking.py')
    r = study.episode_scores(
        torch.tensor([[0.2, 0.9]]), torch.tensor([[0, 255]]),
        torch.tensor(THRESHOLDS))
    assert r['auc'] is None and r['p_fg'] is None
    assert r['p_bg'] == pytest.approx(0.2)


def test_bad_input_is_named():
    study = load_script('fewshot_camvid/fg_ranking.py')
    t = torch.tensor(THRESHOLDS)
    with pytest.raises(ValueError, match='differ in size'):
        study.episode_scores(torch.zeros(1, 2), torch.zeros(1, 3), t)
    with pytest.raises(ValueError, match=r'label values \[2\]'):
        study.episode_scores(torch.zeros(1, 2), torch.tensor([[2, 0]]), t)
    with pytest.raises(ValueError, match='lack 0.5'):
        study.summarize([(3, study.episode_scores(
            torch.zeros(1, 2), torch.tensor([[1, 0]]),
            torch.tensor([0.3, 0.8])))], (0.3, 0.8))


def test_prior_rows_rank_the_episode_by_the_prior_alone():
    """--priors: p is an HDMNet's layer4 prior, min-max normalised per
    episode and brought to the original image size like a prediction."""
    import sys
    sys.path.insert(0, 'tests/test_models/test_segmentors')
    try:
        import test_hdmnet as tiny
    finally:
        sys.path.pop(0)
    study = load_script('fewshot_camvid/fg_ranking.py')
    model = tiny._build().eval()
    inputs = tiny._inputs(1, 1)
    samples = tiny._samples(1, 1, ori_shape=(32, 32))
    with torch.no_grad():
        probs, out = study.prior_probability(model, inputs, samples,
                                             'prior-layer4')
        prior = model.episode_priors(inputs, samples)[0, -1]
    p = probs[0]
    assert p.shape == (32, 32)
    assert out[0].pred_sem_seg.data.shape == (1, 32, 32)
    assert p.min() >= 0 and p.max() <= 1
    # the highest prior cell is where p is highest (order is kept)
    cell = divmod(int(prior.argmax()), prior.shape[1])
    peak = divmod(int(p.argmax()), p.shape[1])
    assert abs(peak[0] // 4 - cell[0]) <= 1 and abs(peak[1] // 4 -
                                                    cell[1]) <= 1
    with pytest.raises(ValueError, match='prior-psp needs a model with a '
                       'base learner'):
        study.prior_probability(model, inputs, samples, 'prior-psp')


def test_meta_rows_rank_the_meta_learner_before_the_ensemble():
    """--priors on an HDMNet with a base learner: ``meta`` is the softmax
    of the meta learner's logits at the original size; without a base
    learner it is the model's own prediction."""
    import sys
    sys.path.insert(0, 'tests/test_models/test_segmentors')
    try:
        import test_hdmnet as tiny
    finally:
        sys.path.pop(0)
    study = load_script('fewshot_camvid/fg_ranking.py')
    model = tiny._build().eval()
    inputs = tiny._inputs(1, 1)
    samples = tiny._samples(1, 1, ori_shape=(32, 32))
    with torch.no_grad():
        probs, out = study.meta_probability(model, inputs, samples)
        pred = model.predict(inputs, tiny._samples(1, 1, ori_shape=(32, 32)))
    assert probs[0].shape == (32, 32)
    assert out[0].pred_sem_seg.data.shape == (1, 32, 32)
    torch.testing.assert_close(probs[0],
                               pred[0].seg_logits.data.softmax(dim=0)[1])
    ens = tiny._build(**tiny.ENS).eval()
    s = tiny._samples(1, 1, ori_shape=(32, 32))
    s[0].set_metainfo(dict(class_id=2))
    with torch.no_grad():
        probs, _ = study.meta_probability(ens, inputs, s)
        logits = ens.episode_meta_logits(inputs, s)
    # the meta learner's foreground ranking, not the ensemble's
    p = probs[0]
    cell = divmod(int(logits[0].softmax(0)[1].argmax()), logits.shape[-1])
    peak = divmod(int(p.argmax()), p.shape[1])
    assert abs(peak[0] // 4 - cell[0]) <= 1 and abs(peak[1] // 4 -
                                                    cell[1]) <= 1
