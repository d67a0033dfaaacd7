"""projects/lowres_universal/loss_gradients.py: per-loss gradient norms,
against hand-computed values."""
import pytest
import torch
import torch.nn as nn

from ._script import load_script


class _TwoLosses(nn.Module):
    """loss_a = 3 * sum(a) + sum(s); loss_b = sum(b ** 2) + 2 * sum(s)."""

    def __init__(self):
        super().__init__()
        self.a = nn.Linear(2, 2, bias=False)
        self.b = nn.Linear(1, 1, bias=False)
        self.shared = nn.Linear(1, 4, bias=False)
        for p, v in ((self.a.weight, 1.), (self.b.weight, 5.),
                     (self.shared.weight, 0.)):
            nn.init.constant_(p, v)

    def forward(self, inputs, mode):
        assert mode == 'loss'
        s = self.shared.weight.sum()
        return {
            'loss_a': 3 * self.a.weight.sum() + s,
            'acc': torch.tensor(99.),
            'loss_b': self.b.weight.pow(2).sum() + 2 * s,
        }


def test_loss_gradient_norms_hand_computed():
    grads = load_script('lowres_universal/loss_gradients.py').loss_gradient_norms(
        _TwoLosses(), dict(inputs=None), ['a', 'b', 'shared'])
    assert list(grads) == ['loss_a', 'loss_b']  # 'acc' is not a loss
    value_a, norms_a = grads['loss_a']
    assert value_a == pytest.approx(12.)
    # d/da = 3 on 4 weights: norm 6; shared: 1 on 4 weights: norm 2
    assert norms_a == pytest.approx({'a': 6., 'b': 0., 'shared': 2.})
    value_b, norms_b = grads['loss_b']
    assert value_b == pytest.approx(25.)
    # d/db = 2 * 5 = 10; shared: 2 on 4 weights: norm 4
    assert norms_b == pytest.approx({'a': 0., 'b': 10., 'shared': 4.})


def test_loss_gradient_norms_unknown_module_named():
    with pytest.raises(KeyError, match='decode_head.pre'):
        load_script('lowres_universal/loss_gradients.py').loss_gradient_norms(
            _TwoLosses(), dict(inputs=None), ['a', 'decode_head.pre'])
