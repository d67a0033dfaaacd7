"""Embedding grouping and panoptic assembly on hand-made maps."""
import torch

from mmseg_maskattn.models.utils import assemble_panoptic, group_embeddings


def _embeddings(assign, dirs):
    """(D, H, W) embeddings: pixel with label k gets direction dirs[k]."""
    table = torch.tensor(dirs, dtype=torch.float)
    return table[assign].permute(2, 0, 1)


def test_two_clusters_found_exactly():
    assign = torch.tensor([[0, 1, 1, 0], [0, 1, 1, 0], [0, 2, 2, 2],
                           [0, 0, 2, 2]])
    emb = _embeddings(assign, [[1, 0, 0], [0, 1, 0], [0, 0, 1]])
    labels = group_embeddings(emb, assign > 0, threshold=0.7, min_area=1)
    # every group is one of the two instances, nothing else is labelled
    assert set(labels.unique().tolist()) == {0, 1, 2}
    ones = labels[assign == 1].unique()
    twos = labels[assign == 2].unique()
    assert ones.numel() == 1 and twos.numel() == 1 and ones != twos
    assert (labels[assign == 0] == 0).all()
    # the larger instance (5 pixels) is seeded first
    assert int(twos) == 1 and int(ones) == 2


def test_min_area_and_empty_mask():
    assign = torch.tensor([[1, 1, 1], [1, 0, 2], [0, 0, 0]])
    emb = _embeddings(assign, [[1, 0], [0, 1], [1, 0]])
    labels = group_embeddings(emb, assign > 0, threshold=0.7, min_area=2)
    # instance 2 (one pixel) is too small; it is left unassigned
    assert labels[1, 2] == 0
    assert (labels[assign == 1] == 1).all()
    empty = group_embeddings(emb, torch.zeros(3, 3, dtype=torch.bool))
    assert not empty.any()


def test_max_instances():
    assign = torch.arange(4).view(2, 2)
    emb = _embeddings(assign, [[1., 0, 0, 0], [0, 1, 0, 0], [0, 0, 1, 0],
                               [0, 0, 0, 1]])
    labels = group_embeddings(
        emb, torch.ones(2, 2, dtype=torch.bool), min_area=1, max_instances=3)
    assert labels.max() == 3 and (labels == 0).sum() == 1


def test_assemble_panoptic_by_hand():
    # class 0 = stuff, class 1 = thing; the thing pixel (2, 2) is ungrouped
    sem = torch.tensor([[0, 0, 1], [0, 1, 1], [0, 0, 1]])
    instances = torch.tensor([[0, 0, 1], [0, 1, 1], [0, 0, 0]])
    probs = torch.zeros(2, 3, 3)
    probs[0] = 0.8
    probs[1] = 0.2
    probs[1][sem == 1] = 0.9
    probs[0][sem == 1] = 0.1
    probs[1, 0, 2] = 0.6
    pan, segments = assemble_panoptic(sem, probs, instances, [1])
    assert segments[0] == dict(
        id=1, category_id=0, isthing=False, area=5, score=segments[0]['score'])
    assert abs(segments[0]['score'] - 0.8) < 1e-6
    assert segments[1]['category_id'] == 1 and segments[1]['isthing']
    assert segments[1]['area'] == 3
    assert abs(segments[1]['score'] - (0.6 + 0.9 + 0.9) / 3) < 1e-6
    expected = torch.tensor([[1, 1, 2], [1, 2, 2], [1, 1, 0]])
    assert torch.equal(pan, expected)
