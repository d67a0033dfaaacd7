"""Edge-thresholded cross-entropy against hand-computed values."""
import math

import pytest
import torch

from mmseg_maskattn.models.losses import (EdgeAttentionLoss,
                                          edge_attention_loss)


def _case():
    # 1 x 4 image, 2 classes; logits give p(class 1) = 0.5, 0.5, e/(1+e),
    # 1/(1+e) at the four pixels
    seg = torch.tensor([[[[0., 0., 0., 1.]], [[0., 0., 1., 0.]]]])
    label = torch.tensor([[[0, 1, 1, 255]]])
    # edge probabilities: 0.5, 0.9, 0.95, 0.99 (logit = log(p / (1 - p)))
    probs = torch.tensor([0.5, 0.9, 0.95, 0.99])
    edge = torch.log(probs / (1 - probs)).reshape(1, 1, 1, 4)
    return seg, label, edge


def test_by_hand():
    seg, label, edge = _case()
    # kept: pixels 1 and 2 (edge > 0.8, label valid); pixel 0 is below the
    # threshold, pixel 3 is ignored
    ce1 = math.log(2)  # p = 0.5 for label 1
    ce2 = -math.log(math.e / (1 + math.e))
    loss = edge_attention_loss(seg, label, edge)
    assert loss.item() == pytest.approx((ce1 + ce2) / 2, rel=1e-6)
    none = edge_attention_loss(seg, label, edge, reduction='none')
    torch.testing.assert_close(none[0, 0],
                               torch.tensor([0., ce1, ce2, 0.]))
    assert edge_attention_loss(seg, label, edge, reduction='sum').item() == \
        pytest.approx(ce1 + ce2, rel=1e-6)
    assert edge_attention_loss(seg, label, edge, avg_factor=4).item() == \
        pytest.approx((ce1 + ce2) / 4, rel=1e-6)
    # a lower threshold also keeps pixel 0
    loss = edge_attention_loss(seg, label, edge, threshold=0.4)
    assert loss.item() == pytest.approx((math.log(2) + ce1 + ce2) / 3,
                                        rel=1e-6)


def test_module_arguments_and_gradients():
    seg, label, edge = _case()
    seg.requires_grad_(True)
    edge.requires_grad_(True)
    module = EdgeAttentionLoss(loss_weight=2.0, loss_name='loss_ea')
    loss = module(seg, label, edge)
    assert loss.item() == pytest.approx(
        2 * edge_attention_loss(seg, label, edge).item())
    loss.backward()
    assert seg.grad.abs().sum() > 0
    assert edge.grad is None  # the edge map only selects pixels
    assert module.loss_name == 'loss_ea'
    # ignore_index override: with label 1 ignored nothing is kept
    assert module(seg, torch.tensor([[[0, 1, 1, 1]]]), edge,
                  ignore_index=1).item() == 0.0
    # and 255 is then a label out of range, named
    with pytest.raises(ValueError, match=r'labels \[255\]'):
        module(seg, label, edge, ignore_index=1)
    assert module(seg, label, edge,
                  reduction_override='sum').item() == pytest.approx(
                      2 * edge_attention_loss(seg, label, edge,
                                              reduction='sum').item())


@pytest.mark.parametrize('kwargs,text', [(dict(threshold=1.0), 'threshold'),
                                         (dict(reduction='max'),
                                          'reduction')])
def test_bad_options(kwargs, text):
    with pytest.raises(ValueError, match=text):
        EdgeAttentionLoss(**kwargs)


def test_edge_map_of_the_wrong_size_is_named():
    seg, label, _ = _case()
    with pytest.raises(ValueError,
                       match=r'edge_logits must be \(1, 1, 1, 4\)'):
        edge_attention_loss(seg, label, torch.zeros(1, 1, 2, 8))
