"""Correlation distillation loss of HDMNet (Peng et al., CVPR 2023, arXiv
2303.14652) against values computed by hand."""
from math import log

import pytest
import torch
from mmengine.registry import init_default_scope
from mmseg.registry import MODELS

from mmseg_maskattn.models.losses import (CorrelationDistillationLoss,
                                          correlation_distillation_loss)

init_default_scope('mmseg')


def _t(values):
    return torch.tensor(values, dtype=torch.double)


def test_float_teacher_hand_case():
    # s = softmax(0, ln 3) = (1/4, 3/4); t = (1/2, 1/2)
    student = _t([[[0.0, log(3.0)]]])
    teacher = _t([[[0.0, 0.0]]])
    loss = correlation_distillation_loss(student, teacher)
    expected = 0.5 * log(0.5 / 0.25) + 0.5 * log(0.5 / 0.75)
    assert loss.item() == pytest.approx(expected)
    # (B, 1, h, w) inputs are accepted
    loss4 = correlation_distillation_loss(student[:, None], teacher[:, None])
    assert loss4.item() == pytest.approx(expected)


def test_temperature_softens_both():
    student = _t([[[0.0, 2.0]]])
    teacher = _t([[[1.0, 0.0]]])
    loss = correlation_distillation_loss(student, teacher, temperature=2.0)
    s = torch.softmax(_t([0.0, 1.0]), 0)
    t = torch.softmax(_t([0.5, 0.0]), 0)
    assert loss.item() == pytest.approx((t * (t / s).log()).sum().item())


def test_label_teacher_is_the_foreground_fraction_per_cell():
    # 2x4 labels on a 1x2 student grid: left cell 3/4 foreground, right cell
    # 1/4 foreground (two ignored pixels count as unlabelled, not fg)
    labels = torch.tensor([[[1, 1, 1, 255], [1, 0, 255, 0]]])
    student = _t([[[0.0, 0.0]]])
    loss = correlation_distillation_loss(student, labels)
    t = [0.75 / 1.0, 0.25 / 1.0]
    expected = t[0] * log(t[0] / 0.5) + t[1] * log(t[1] / 0.5)
    assert loss.item() == pytest.approx(expected)


def test_ignored_cells_leave_the_student_softmax():
    # middle cell fully ignored: the student's high logit there is excluded
    labels = torch.tensor([[[1, 255, 1], [0, 255, 0]]])
    student = _t([[[0.0, 5.0, 0.0]]])
    loss = correlation_distillation_loss(student, labels)
    assert loss.item() == pytest.approx(0.0, abs=1e-12)
    labels_kept = torch.tensor([[[1, 0, 1], [0, 0, 0]]])
    assert correlation_distillation_loss(student, labels_kept).item() > 1


def test_images_without_foreground_are_skipped_by_the_mean():
    labels = torch.tensor([[[1, 0]], [[0, 0]]])
    student = _t([[[0.0, log(3.0)]], [[7.0, -2.0]]])
    per_image = correlation_distillation_loss(
        student, labels, reduction='none')
    # image 0: t = (1, 0), s = (1/4, 3/4) -> log 4; image 1: no target
    torch.testing.assert_close(per_image, _t([log(4.0), 0.0]))
    mean = correlation_distillation_loss(student, labels)
    assert mean.item() == pytest.approx(log(4.0))


def test_reductions_and_avg_factor():
    torch.manual_seed(0)
    student = torch.randn(3, 4, 4, dtype=torch.double)
    teacher = torch.randn(3, 4, 4, dtype=torch.double)
    none = correlation_distillation_loss(student, teacher, reduction='none')
    assert none.shape == (3, )
    assert (none >= 0).all()
    total = correlation_distillation_loss(student, teacher, reduction='sum')
    assert total.item() == pytest.approx(none.sum().item())
    mean = correlation_distillation_loss(student, teacher)
    assert mean.item() == pytest.approx(none.mean().item())
    avg = correlation_distillation_loss(student, teacher, avg_factor=6)
    assert avg.item() == pytest.approx(none.sum().item() / 6)
    with pytest.raises(ValueError, match='avg_factor'):
        correlation_distillation_loss(
            student, teacher, reduction='sum', avg_factor=2)


def test_teacher_is_resized_and_detached():
    student = torch.randn(2, 4, 4, requires_grad=True)
    teacher = torch.randn(2, 1, 2, 2, requires_grad=True)
    loss = correlation_distillation_loss(student, teacher)
    loss.backward()
    assert teacher.grad is None
    assert student.grad is not None and torch.isfinite(student.grad).all()
    same = correlation_distillation_loss(student, teacher.detach())
    assert same.item() == pytest.approx(loss.item())


def test_identical_maps_give_zero():
    x = torch.randn(2, 3, 3)
    assert correlation_distillation_loss(x, x.clone()).abs().item() < 1e-6


def test_bad_arguments():
    x = torch.randn(2, 3, 3)
    with pytest.raises(ValueError, match='temperature'):
        correlation_distillation_loss(x, x, temperature=0)
    with pytest.raises(ValueError, match='reduction'):
        correlation_distillation_loss(x, x, reduction='avg')
    with pytest.raises(ValueError, match='student'):
        correlation_distillation_loss(torch.randn(2, 9), x)
    with pytest.raises(ValueError, match='teacher'):
        correlation_distillation_loss(x, torch.randn(3, 3, 3))


def test_module_honours_options():
    module = MODELS.build(
        dict(
            type='CorrelationDistillationLoss',
            loss_weight=0.5,
            loss_name='loss_cdl'))
    assert isinstance(module, CorrelationDistillationLoss)
    assert module.loss_name == 'loss_cdl'
    student = _t([[[0.0, log(3.0)]]])
    teacher = _t([[[0.0, 0.0]]])
    expected = 0.5 * (0.5 * log(2.0) + 0.5 * log(2.0 / 3.0))
    assert module(student, teacher).item() == pytest.approx(expected)
    assert module(
        student, teacher, reduction_override='none').shape == (1, )
    assert module(student, teacher, avg_factor=2).item() == pytest.approx(
        expected / 2)
    labels = torch.tensor([[[1, 7]]])
    # ignore_index is honoured: 7 is unlabelled for this module
    module_7 = CorrelationDistillationLoss(ignore_index=7)
    assert module_7(_t([[[0.0, 9.0]]]), labels).item() == pytest.approx(
        0.0, abs=1e-12)
    with pytest.raises(ValueError, match='reduction'):
        CorrelationDistillationLoss(reduction='avg')
