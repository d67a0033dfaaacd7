"""Embedding and component grouping on hand-made maps."""
import pytest
import torch

from mmseg_maskattn.models.utils import (component_instances,
                                         group_embeddings, group_things)


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


def test_connectivity_splits_apart_objects_with_one_embedding():
    # two blobs with the same embedding, a gap of background between them
    assign = torch.tensor([[1, 1, 0, 1], [1, 1, 0, 1], [0, 0, 0, 1]])
    emb = _embeddings(assign, [[0, 1], [1, 0]])
    mask = assign > 0
    merged = group_embeddings(emb, mask, threshold=0.7, min_area=1)
    assert merged[mask].unique().tolist() == [1]
    split = group_embeddings(emb, mask, threshold=0.7, min_area=1,
                             connectivity=8)
    left, right = split[:2, :2].unique(), split[:, 3].unique()
    assert left.numel() == 1 and right.numel() == 1 and left != right
    assert set(split.unique().tolist()) == {0, 1, 2}


def test_connectivity_keeps_the_embedding_split_of_touching_objects():
    # one connected component, two embeddings
    assign = torch.tensor([[1, 1, 2, 2], [1, 1, 2, 2]])
    emb = _embeddings(assign, [[0, 0], [1, 0], [0, 1]])
    labels = group_embeddings(emb, assign > 0, threshold=0.7, min_area=2,
                              connectivity=4)
    assert labels[assign == 1].unique().numel() == 1
    assert labels[assign == 2].unique().numel() == 1
    assert labels[0, 0] != labels[0, 3] and labels.min() > 0


def test_connectivity_component_without_a_large_group_stays_whole():
    # 4 pixels, 4 directions: no group reaches min_area 2, the component
    # (4 pixels) does; the lone pixel (1 < min_area) is dropped
    assign = torch.tensor([[1, 2, 0, 0], [3, 4, 0, 5]])
    emb = _embeddings(assign, torch.eye(6)[:, 1:].tolist())
    mask = assign > 0
    assert not group_embeddings(emb, mask, threshold=0.7, min_area=2).any()
    labels = group_embeddings(emb, mask, threshold=0.7, min_area=2,
                              connectivity=4)
    assert (labels[:, :2] == 1).all() and labels[1, 3] == 0


def test_connectivity_4_vs_8_and_bad_value():
    # two pixels touching at a corner, one embedding
    mask = torch.tensor([[True, False], [False, True]])
    emb = torch.ones(2, 2, 2)
    four = group_embeddings(emb, mask, min_area=1, connectivity=4)
    eight = group_embeddings(emb, mask, min_area=1, connectivity=8)
    assert four.max() == 2 and eight.max() == 1
    with pytest.raises(ValueError, match='connectivity must be 4, 8'):
        group_embeddings(emb, mask, connectivity=6)


def test_group_things_numbers_instances_class_by_class():
    # class 1: two blobs with one embedding each; class 2: one blob;
    # class 0 (stuff) is not grouped
    sem = torch.tensor([[1, 1, 0, 2], [0, 0, 0, 2], [1, 1, 0, 0]])
    assign = torch.tensor([[1, 1, 0, 3], [0, 0, 0, 3], [2, 2, 0, 0]])
    emb = _embeddings(assign, [[1, 0, 0, 0], [0, 1, 0, 0], [0, 0, 1, 0],
                               [0, 0, 0, 1]])
    inst = group_things(emb, sem, [1, 2], threshold=0.7, min_area=1)
    assert (inst[sem == 0] == 0).all()
    assert set(inst[sem == 1].tolist()) == {1, 2}  # class 1 first
    assert inst[sem == 2].unique().tolist() == [3]
    assert inst[0, 0] != inst[2, 0]


def test_component_instances_by_hand():
    # class 1: a 2-pixel and a 1-pixel component; class 2: one 2-pixel
    # component; min_area 2 drops the single pixel
    sem = torch.tensor([[1, 1, 0, 2], [0, 0, 0, 2], [1, 0, 0, 0]])
    inst = component_instances(sem, [1, 2], connectivity=4, min_area=2)
    expected = torch.tensor([[1, 1, 0, 2], [0, 0, 0, 2], [0, 0, 0, 0]])
    assert torch.equal(inst, expected)
    # without min_area the single pixel is kept: class 1 gets ids 1, 2 in
    # raster order, class 2 comes after them
    inst = component_instances(sem, [1, 2], connectivity=8)
    assert inst[2, 0] == 2 and inst[0, 3] == 3
