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
