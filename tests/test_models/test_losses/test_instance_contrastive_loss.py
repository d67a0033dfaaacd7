"""Instance contrastive loss of MaskAttn-UNet (Cheng et al., arXiv
2503.10686) against values computed by hand."""
import math
from math import exp, log

import pytest
import torch
from mmengine.registry import init_default_scope
from mmseg.registry import MODELS

from mmseg_maskattn.models.losses import (InstanceContrastiveLoss,
                                          instance_contrastive_loss)

init_default_scope('mmseg')

TAU = 0.5


def _embeddings(vectors, h, w):
    """(H*W, D) vectors in pixel order -> (1, D, H, W)."""
    t = torch.tensor(vectors, dtype=torch.double)
    return t.T.reshape(1, -1, h, w).contiguous()


def _ic(emb, ids, **kw):
    kw.setdefault('num_samples', 64)
    kw.setdefault('temperature', TAU)
    return instance_contrastive_loss(emb, ids, **kw)


# case 1: 2x2 image, instance 1 = pixels 0, 1 and instance 2 = pixels 2, 3;
# (3, 4) checks the normalisation: it becomes (0.6, 0.8)
CASE1 = _embeddings([[1, 0], [3, 4], [0, 1], [-1, 0]], 2, 2)
CASE1_IDS = torch.tensor([[[1, 1], [2, 2]]])
# anchor: -log(exp(e_a.e_p / tau) / sum over the 3 other pixels), tau = 0.5
CASE1_LOSSES = [
    -log(exp(0.6 / TAU) / (exp(0.6 / TAU) + exp(0 / TAU) + exp(-1 / TAU))),
    -log(exp(0.6 / TAU) / (exp(0.6 / TAU) + exp(0.8 / TAU) +
                           exp(-0.6 / TAU))),
    -log(exp(0 / TAU) / (exp(0 / TAU) + exp(0 / TAU) + exp(0.8 / TAU))),
    -log(exp(0 / TAU) / (exp(0 / TAU) + exp(-1 / TAU) + exp(-0.6 / TAU))),
]
CASE1_LOSS = sum(CASE1_LOSSES) / 4

# case 2: 1x6 image, instance 1 = pixels 0-2 (|P| = 2), instance 2 = pixel 3
# alone (|P| = 0: not an anchor, but in N of the others), background pixel
# 4 and ignored pixel 5 (in no P or N)
CASE2 = _embeddings(
    [[1, 0], [0, 1], [0.6, 0.8], [0.8, -0.6], [-1, 0], [0, -1]], 1, 6)
CASE2_IDS = torch.tensor([[[1, 1, 1, 2, 0, 255]]])
_D0 = exp(0 / TAU) + exp(0.6 / TAU) + exp(0.8 / TAU)  # P = {1, 2}, N = {3}
_D1 = exp(0 / TAU) + exp(0.8 / TAU) + exp(-0.6 / TAU)  # P = {0, 2}, N = {3}
_D2 = exp(0.6 / TAU) + exp(0.8 / TAU) + exp(0 / TAU)  # P = {0, 1}, N = {3}
CASE2_LOSSES = [
    ((log(_D0) - 0 / TAU) + (log(_D0) - 0.6 / TAU)) / 2,
    ((log(_D1) - 0 / TAU) + (log(_D1) - 0.8 / TAU)) / 2,
    ((log(_D2) - 0.6 / TAU) + (log(_D2) - 0.8 / TAU)) / 2,
]


def test_hand_computed_two_instances():
    loss = _ic(CASE1, CASE1_IDS, num_samples=4)
    assert loss.item() == pytest.approx(CASE1_LOSS, rel=1e-12)
    per_anchor = _ic(CASE1, CASE1_IDS, reduction='none')
    torch.testing.assert_close(per_anchor,
                               torch.tensor([CASE1_LOSSES],
                                            dtype=torch.double))


def test_hand_computed_background_ignored_and_single_pixel_instance():
    mean = _ic(CASE2, CASE2_IDS)
    assert mean.item() == pytest.approx(sum(CASE2_LOSSES) / 3, rel=1e-12)
    total = _ic(CASE2, CASE2_IDS, reduction='sum')
    assert total.item() == pytest.approx(sum(CASE2_LOSSES), rel=1e-12)
    per_anchor = _ic(CASE2, CASE2_IDS, reduction='none')
    torch.testing.assert_close(
        per_anchor,
        torch.tensor([CASE2_LOSSES + [0, 0, 0]], dtype=torch.double))


def test_avg_factor():
    loss = _ic(CASE2, CASE2_IDS, avg_factor=2)
    assert loss.item() == pytest.approx(sum(CASE2_LOSSES) / 2, rel=1e-6)
    with pytest.raises(ValueError, match='avg_factor'):
        _ic(CASE2, CASE2_IDS, reduction='sum', avg_factor=2)


def test_ignore_index():
    # the default ignored id is 255; an ignored pixel is in no P or N
    bg = _ic(CASE2, torch.tensor([[[1, 1, 1, 2, 0, 0]]]))
    assert _ic(CASE2, CASE2_IDS).item() == pytest.approx(bg.item())
    # a custom ignored id; 255 is then an ordinary instance
    ids = torch.tensor([[[1, 1, 1, 2, 0, -1]]])
    assert _ic(CASE2, ids, ignore_index=-1).item() == pytest.approx(
        sum(CASE2_LOSSES) / 3)
    assert _ic(CASE2, CASE2_IDS, ignore_index=-1).item() != pytest.approx(
        sum(CASE2_LOSSES) / 3)


def test_image_without_instances_contributes_nothing():
    emb = torch.cat([CASE1, torch.randn_like(CASE1)])
    for empty in (0, 255):
        ids = torch.cat([CASE1_IDS, torch.full_like(CASE1_IDS, empty)])
        assert _ic(emb, ids).item() == pytest.approx(CASE1_LOSS)
        per_anchor = _ic(emb, ids, reduction='none')
        assert (per_anchor[1] == 0).all()


@pytest.mark.parametrize('ids', [
    torch.zeros(2, 3, 3, dtype=torch.long),
    torch.full((2, 3, 3), 255),
    torch.arange(18).reshape(2, 3, 3) + 1,  # single-pixel instances only
])
def test_batch_without_anchors_is_zero_with_gradient(ids):
    emb = torch.randn(2, 4, 3, 3, requires_grad=True)
    loss = _ic(emb, ids)
    assert loss.item() == 0 and loss.requires_grad
    loss.backward()
    assert torch.isfinite(emb.grad).all()


def test_gradient_is_finite():
    torch.manual_seed(0)
    emb = torch.randn(2, 8, 12, 12)
    emb[0, :, :3] = 0  # zero embeddings: normalisation must stay finite
    emb[1, :, :, :4] = emb[1, :, :1, :1]  # identical embeddings
    emb.requires_grad_(True)
    ids = torch.randint(0, 4, (2, 12, 12))
    ids[0, 0] = 255
    loss = _ic(emb, ids, num_samples=50, temperature=0.01)
    assert torch.isfinite(loss) and loss > 0
    loss.backward()
    assert torch.isfinite(emb.grad).all() and emb.grad.abs().sum() > 0


def test_sampling_is_deterministic_with_a_seeded_generator():
    torch.manual_seed(0)
    emb = torch.randn(2, 8, 16, 16)
    ids = torch.randint(0, 5, (2, 16, 16))

    def seeded(seed):
        gen = torch.Generator().manual_seed(seed)
        return _ic(emb, ids, num_samples=32, generator=gen)

    assert seeded(0).item() == seeded(0).item()
    assert seeded(0).item() != seeded(1).item()
    # when every instance pixel is sampled the generator does not matter
    everything = [
        _ic(emb, ids, num_samples=256,
            generator=torch.Generator().manual_seed(s)).item()
        for s in (0, 1)
    ]
    assert everything[0] == pytest.approx(everything[1], rel=1e-12)


def test_samples_instance_pixels_only():
    """With as many samples as instance pixels, all and only those are
    drawn, whatever the generator."""
    emb = torch.randn(1, 2, 8, 8, dtype=torch.double)
    ids = torch.zeros(1, 8, 8, dtype=torch.long)
    ids[0, 1, 2] = ids[0, 5, 5] = 3
    ids[0, 7, 0] = ids[0, 0, 7] = 9
    picked = [(1, 2), (5, 5), (7, 0), (0, 7)]
    small = torch.stack([emb[0, :, i, j] for i, j in picked], -1)
    expected = _ic(small.reshape(1, 2, 2, 2),
                   torch.tensor([[[3, 3], [9, 9]]]), num_samples=4)
    for seed in range(3):
        gen = torch.Generator().manual_seed(seed)
        loss = _ic(emb, ids, num_samples=4, generator=gen)
        assert loss.item() == pytest.approx(expected.item(), rel=1e-12)


def test_module_weight_reduction_and_name():
    loss = InstanceContrastiveLoss(
        num_samples=8, temperature=TAU, loss_weight=2.0)
    assert loss.loss_name == 'loss_ic'
    assert loss(CASE1, CASE1_IDS).item() == pytest.approx(2 * CASE1_LOSS)
    assert loss(CASE2, CASE2_IDS, reduction_override='sum').item() == (
        pytest.approx(2 * sum(CASE2_LOSSES)))
    assert loss(CASE2, CASE2_IDS, avg_factor=4).item() == pytest.approx(
        2 * sum(CASE2_LOSSES) / 4, rel=1e-6)
    assert loss(CASE1, CASE1_IDS, reduction_override='none').shape == (1, 4)
    built = MODELS.build(
        dict(
            type='InstanceContrastiveLoss',
            num_samples=8,
            temperature=TAU,
            reduction='sum',
            ignore_index=-1,
            loss_name='loss_inst'))
    assert built.loss_name == 'loss_inst'
    ids = torch.tensor([[[1, 1, 1, 2, 0, -1]]])
    assert built(CASE2, ids).item() == pytest.approx(sum(CASE2_LOSSES))


def test_shape_mismatch_names_both_shapes():
    emb = torch.randn(2, 4, 5, 6)
    with pytest.raises(ValueError) as err:
        _ic(emb, torch.zeros(2, 6, 5, dtype=torch.long))
    assert '(2, 6, 5)' in str(err.value) and '(2, 4, 5, 6)' in str(err.value)
    assert 'instance_ids' in str(err.value)
    with pytest.raises(ValueError, match='embeddings'):
        _ic(torch.randn(2, 4, 5), torch.zeros(2, 4, 5, dtype=torch.long))
    with pytest.raises(ValueError, match='instance_ids'):
        _ic(emb, torch.zeros(2, 5, 6))


@pytest.mark.parametrize('kw,key', [
    (dict(temperature=0.0), 'temperature'),
    (dict(temperature=-0.1), 'temperature'),
    (dict(temperature=math.nan), 'temperature'),
    (dict(num_samples=1), 'num_samples'),
    (dict(num_samples=8.0), 'num_samples'),
    (dict(reduction='avg'), 'reduction'),
])
def test_bad_options_name_the_key(kw, key):
    with pytest.raises(ValueError, match=key):
        _ic(CASE1, CASE1_IDS, **kw)
    module_kw = dict(num_samples=8, temperature=TAU)
    module_kw.update(kw)
    with pytest.raises(ValueError, match=key):
        InstanceContrastiveLoss(**module_kw)
