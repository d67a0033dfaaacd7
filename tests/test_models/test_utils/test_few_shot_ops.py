"""Feature operations of the few-shot segmentors."""
import pytest
import torch

from mmseg_maskattn.models.utils import (gram_distance,
                                         masked_average_pooling, prior_map)


def test_masked_average_pooling():
    feats = torch.arange(8.).reshape(1, 2, 2, 2)
    mask = torch.tensor([[[[1., 0.], [0., 1.]]]])
    torch.testing.assert_close(
        masked_average_pooling(feats, mask), torch.tensor([[1.5, 5.5]]))
    # an all-zero mask gives a zero prototype, not NaN
    assert masked_average_pooling(feats, torch.zeros_like(mask)).eq(0).all()
    # the release's denominator: area + 5e-4
    torch.testing.assert_close(
        masked_average_pooling(feats, mask, area_eps=5e-4),
        torch.tensor([[3.0 / 2.0005, 11.0 / 2.0005]]))


def test_prior_map():
    torch.manual_seed(0)
    query = torch.randn(2, 4, 3, 3)
    support = torch.randn(4, 4, 3, 3)
    mask = (torch.rand(4, 1, 3, 3) > 0.3).float()
    prior = prior_map(query, support, mask)
    assert prior.shape == (2, 1, 3, 3)
    assert prior.min() >= 0 and prior.max() <= 1
    # K = 2 identical shots give the 1-shot prior
    twice = prior_map(query, support[::2].repeat_interleave(2, 0),
                      mask[::2].repeat_interleave(2, 0))
    torch.testing.assert_close(twice, prior_map(query, support[::2],
                                                mask[::2]))
    # a query position equal to a masked support feature gets the top score
    query[0, :, 0, 0] = support[0, :, 1, 1] * 3
    mask[0, 0, 1, 1] = 1
    k1 = prior_map(query[:1], support[:1], mask[:1])
    assert k1[0, 0, 0, 0] == pytest.approx(1.0)


def test_prior_map_without_normalisation_is_the_best_cosine():
    """HDMNet's release: the highest cosine to a masked support position,
    not min-max normalised, averaged over the shots."""
    query = torch.tensor([[[[1.0, 0.0]], [[0.0, 1.0]]]])  # (1, 2, 1, 2)
    # shot 0: positions (1, 0) and (1, 1) (the second masked out);
    # shot 1: positions (-1, 0) and (0.6, 0.8)
    support = torch.tensor([[[[1.0, 1.0]], [[0.0, 1.0]]],
                            [[[-1.0, 0.6]], [[0.0, 0.8]]]])
    mask = torch.tensor([[[[1.0, 0.0]]], [[[1.0, 1.0]]]])
    prior = prior_map(query, support, mask, normalize=False)
    # query (1, 0): shot 0 -> 1, shot 1 -> max(-1, 0.6) = 0.6
    # query (0, 1): shot 0 -> max(0, 0 (masked)) = 0, shot 1 -> 0.8
    torch.testing.assert_close(prior, torch.tensor([[[[0.8, 0.4]]]]))
    # PFENet's min-max per shot: shot 0 (1, 0) -> (1, 0), shot 1
    # (0.6, 0.8) -> (0, 1)
    normalised = prior_map(query, support, mask)
    torch.testing.assert_close(normalised, torch.tensor([[[[0.5, 0.5]]]]),
                               atol=1e-6, rtol=0)


def test_gram_distance():
    torch.manual_seed(0)
    query = torch.randn(2, 4, 3, 3)
    support = torch.randn(4, 4, 3, 3)
    dist = gram_distance(query, support)
    assert dist.shape == (2, 1, 1, 1) and (dist > 0).all()
    # identical scenes have distance 0
    same = gram_distance(query, query.repeat_interleave(2, 0))
    torch.testing.assert_close(same, torch.zeros(2, 1, 1, 1))
