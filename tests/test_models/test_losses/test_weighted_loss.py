"""The options every loss module of the package takes from WeightedLoss."""
import pytest
import torch
from mmseg.registry import MODELS

import mmseg_maskattn  # noqa: F401
from mmseg_maskattn.models.losses.weighted_loss import WeightedLoss

# registered type: required options
LOSSES = {
    'CorrelationDistillationLoss': {},
    'DualTaskLoss': {},
    'EdgeAttentionLoss': {},
    'InstanceContrastiveLoss': dict(num_samples=4, temperature=0.5),
}


def test_every_package_loss_is_a_weighted_loss():
    ours = {
        name
        for name, cls in MODELS.module_dict.items()
        if cls.__module__.startswith('mmseg_maskattn.models.losses')
    }
    assert ours == set(LOSSES)
    for name in ours:
        assert issubclass(MODELS.get(name), WeightedLoss)


@pytest.mark.parametrize('name', sorted(LOSSES))
def test_options_are_kept(name):
    loss = MODELS.build(
        dict(type=name, loss_weight=0.25, reduction='sum', ignore_index=7,
             loss_name='loss_x', **LOSSES[name]))
    assert (loss.loss_weight, loss.reduction, loss.ignore_index,
            loss.loss_name) == (0.25, 'sum', 7, 'loss_x')
    assert loss.resolve() == dict(reduction='sum', ignore_index=7)
    assert loss.resolve('none', 3) == dict(reduction='none', ignore_index=3)


@pytest.mark.parametrize('name', sorted(LOSSES))
def test_bad_reduction_names_the_module_and_value(name):
    with pytest.raises(ValueError, match=rf'{name}.*\'avg\''):
        MODELS.build(dict(type=name, reduction='avg', **LOSSES[name]))
    loss = MODELS.build(dict(type=name, **LOSSES[name]))
    with pytest.raises(ValueError, match=rf'{name}.*\'avg\''):
        loss.resolve('avg')


def test_reduction_override_reaches_the_function():
    loss = MODELS.build(dict(type='EdgeAttentionLoss', threshold=0.0))
    logits = torch.zeros(1, 2, 2, 2)
    label = torch.tensor([[[0, 1], [1, 255]]])
    edge = torch.full((1, 1, 2, 2), 5.0)
    per_pixel = loss(logits, label, edge, reduction_override='none')
    assert per_pixel.shape == (1, 2, 2)
    # ln 2 at the three kept pixels, 0 at the ignored one
    assert torch.allclose(
        loss(logits, label, edge, reduction_override='sum'),
        torch.log(torch.tensor(2.0)) * 3)
    assert per_pixel[0, 1, 1] == 0
