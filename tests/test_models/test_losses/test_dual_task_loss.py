"""Dual-task loss of Gated-SCNN against hand-computed values; it sends a
gradient to the logits (the release's does not)."""
import pytest
import torch

from mmseg_maskattn.models.losses import (DualTaskLoss, dual_task_loss,
                                          gradient_magnitude)

EPS = 1e-10


def test_gradient_magnitude_by_hand():
    m = torch.tensor([[[[0., 0., 1.]]]])  # 1 x 3 map
    # dx with replicated borders: (0-0)/2, (1-0)/2, (1-0)/2; dy = 0
    expected = torch.sqrt(torch.tensor([[[[0., .25, .25]]]]) + EPS)
    torch.testing.assert_close(gradient_magnitude(m), expected)


def test_uniform_prediction_by_hand():
    # labels [0, 0, 1]: both one-hot maps have gradient [0, .5, .5]; the
    # uniform prediction (zero logits, no noise) has none, so each pixel's
    # loss is the mean over the 2 classes of [0, .5, .5] (minus sqrt(eps))
    logits = torch.zeros(1, 2, 1, 3)
    label = torch.tensor([[[0, 0, 1]]])
    loss = dual_task_loss(logits, label, gumbel_noise=torch.zeros_like(logits))
    tiny = EPS**0.5
    per_pixel = torch.tensor([0., .5 - tiny, .5 - tiny])
    # tiny: sqrt(0.25 + eps) - sqrt(eps) ~ 0.5 - 1e-5
    torch.testing.assert_close(loss, per_pixel.mean(), rtol=0, atol=1e-6)
    none = dual_task_loss(logits, label, reduction='none',
                          gumbel_noise=torch.zeros_like(logits))
    torch.testing.assert_close(none[0, 0], per_pixel, rtol=0, atol=1e-6)
    summed = dual_task_loss(logits, label, reduction='sum',
                            gumbel_noise=torch.zeros_like(logits))
    torch.testing.assert_close(summed, per_pixel.sum(), rtol=0, atol=1e-6)
    avg = dual_task_loss(logits, label, avg_factor=6.0,
                         gumbel_noise=torch.zeros_like(logits))
    torch.testing.assert_close(avg, per_pixel.sum() / 6, rtol=0, atol=1e-6)


def test_perfect_prediction_is_zero_and_ignore_is_left_out():
    label = torch.tensor([[[0, 0, 1, 1], [0, 0, 1, 1]]])
    logits = torch.nn.functional.one_hot(label, 2).permute(0, 3, 1, 2) * 50.
    noise = torch.zeros_like(logits)
    assert dual_task_loss(logits, label, gumbel_noise=noise) < 1e-6
    # an ignored column: it and its neighbours are left out
    ignored = label.clone()
    ignored[..., 3] = 255
    none = dual_task_loss(torch.zeros(1, 2, 2, 4), ignored, reduction='none',
                          gumbel_noise=torch.zeros(1, 2, 2, 4))
    assert torch.all(none[..., 2:] == 0)
    assert torch.all(none[..., 1] > 0.2)


def test_gradient_reaches_the_logits():
    torch.manual_seed(0)
    logits = torch.randn(2, 3, 8, 8, requires_grad=True)
    label = torch.randint(0, 3, (2, 8, 8))
    label[0, :2] = 255
    DualTaskLoss(loss_weight=2.0)(logits, label).backward()
    assert torch.isfinite(logits.grad).all()
    assert logits.grad.abs().sum() > 0


def test_module_honours_its_arguments():
    logits = torch.zeros(1, 2, 1, 3)
    label = torch.tensor([[[0, 0, 1]]])
    noise = torch.zeros_like(logits)
    base = dual_task_loss(logits, label, gumbel_noise=noise)
    loss = DualTaskLoss(loss_weight=3.0)
    torch.testing.assert_close(loss(logits, label, gumbel_noise=noise),
                               3 * base)
    torch.testing.assert_close(
        loss(logits, label, reduction_override='sum', gumbel_noise=noise),
        3 * dual_task_loss(logits, label, reduction='sum',
                           gumbel_noise=noise))
    torch.testing.assert_close(
        loss(logits, label, avg_factor=2.0, gumbel_noise=noise),
        3 * dual_task_loss(logits, label, avg_factor=2.0,
                           gumbel_noise=noise))
    # ignore_index: label 1 ignored leaves only pixel 0 (its neighbour 1 is
    # valid, 2 is ignored -> pixel 1 left out)
    custom = DualTaskLoss(ignore_index=1)(logits, label, gumbel_noise=noise)
    assert custom.item() == pytest.approx(0.0, abs=1e-6)
    assert DualTaskLoss(loss_name='loss_dt').loss_name == 'loss_dt'


@pytest.mark.parametrize('kwargs,text', [(dict(tau=0), 'tau'),
                                         (dict(reduction='max'),
                                          'reduction')])
def test_bad_options(kwargs, text):
    with pytest.raises(ValueError, match=text):
        DualTaskLoss(**kwargs)


def test_bad_inputs_name_the_value():
    with pytest.raises(ValueError, match=r'labels \[5\]'):
        dual_task_loss(torch.zeros(1, 2, 2, 2), torch.full((1, 2, 2), 5))
    with pytest.raises(ValueError, match='does not match'):
        dual_task_loss(torch.zeros(1, 2, 2, 2), torch.zeros(1, 4, 4).long())
