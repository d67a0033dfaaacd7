"""FewShotIoUMetric on hand-computed episodes.

Three episodes, two classes (maps are single rows, 255 = ignored)::

    E1 class 1  gt   1 1 1 0 0 0 255 255   fg I=2 U=4   bg I=2 U=4
                pred 1 1 0 1 0 0 1   0
    E2 class 1  gt   1 1 0 0               fg I=2 U=4   bg I=0 U=2
                pred 1 1 1 1
    E3 class 2  gt   0 0 1 1               fg I=2 U=2   bg I=2 U=2
                pred 0 0 1 1

IoU(class 1) = (2 + 2) / (4 + 4) = 0.5, IoU(class 2) = 2 / 2 = 1, so
mIoU = 75 %. Foreground IoU = 6 / 10, background IoU = 4 / 8, so
FB-IoU = (0.6 + 0.5) / 2 = 55 %.
"""
import pytest
import torch
from mmengine.evaluator import Evaluator
from mmengine.structures import PixelData
from mmseg.registry import METRICS
from mmseg.structures import SegDataSample

import mmseg_maskattn  # noqa: F401
from mmseg_maskattn.evaluation import FewShotIoUMetric

EPISODES = [
    (1, [1, 1, 1, 0, 0, 0, 255, 255], [1, 1, 0, 1, 0, 0, 1, 0]),
    (1, [1, 1, 0, 0], [1, 1, 1, 1]),
    (2, [0, 0, 1, 1], [0, 0, 1, 1]),
]


def sample(class_id, gt, pred, episode=0):
    s = SegDataSample(
        metainfo=dict(
            class_id=class_id, episode=episode, img_path=f'q{episode}.png'))
    s.gt_sem_seg = PixelData(data=torch.tensor(gt)[None, None])
    s.pred_sem_seg = PixelData(data=torch.tensor(pred)[None, None])
    return s


def test_hand_computed_episodes():
    metric = METRICS.build(dict(type='FewShotIoUMetric'))
    assert isinstance(metric, FewShotIoUMetric)
    metric.dataset_meta = dict(classes=('background', 'cat', 'dog'))
    for i, (c, gt, pred) in enumerate(EPISODES):
        metric.process({}, [sample(c, gt, pred, i)])
    assert metric.results[0] == (1, 2, 4, 2, 4)
    result = metric.evaluate(3)
    assert result['mIoU'] == pytest.approx(75.0)
    assert result['FB-IoU'] == pytest.approx(55.0)


def test_through_evaluator_dicts():
    evaluator = Evaluator(FewShotIoUMetric(prefix='fss'))
    evaluator.dataset_meta = dict(classes=('background', 'cat', 'dog'))
    evaluator.process(
        [sample(c, gt, p, i) for i, (c, gt, p) in enumerate(EPISODES)])
    result = evaluator.evaluate(3)
    assert result == pytest.approx({'fss/mIoU': 75.0, 'fss/FB-IoU': 55.0})


def test_empty_union_class_counts_as_zero():
    metric = FewShotIoUMetric()
    metric.process({}, [sample(1, [0, 0], [0, 0]), sample(2, [1, 0], [1, 0])])
    result = metric.evaluate(2)
    assert result['mIoU'] == pytest.approx(50.0)  # (0 + 1) / 2
    # fg 1 / 1, bg (2 + 1) / (2 + 1)
    assert result['FB-IoU'] == pytest.approx(100.0)


@pytest.mark.parametrize('gt, pred, match', [
    ([1, 0, 1], [1, 0], r"episode 4, img_path 'q4.png'.*\(1, 2\) but "
     r'gt_sem_seg \(1, 3\)'),
    ([1, 0], [1, 2], 'pred_sem_seg must be binary'),
    ([1, 7], [1, 0], 'gt_sem_seg must hold 0, 1 or 255'),
])
def test_bad_episodes(gt, pred, match):
    with pytest.raises(ValueError, match=match):
        FewShotIoUMetric().process({}, [sample(1, gt, pred, episode=4)])


def test_missing_class_id():
    s = sample(1, [1], [1])
    del s.class_id
    with pytest.raises(ValueError, match="no metainfo 'class_id'"):
        FewShotIoUMetric().process({}, [s])
