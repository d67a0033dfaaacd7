"""Grouping of pixel embeddings and thing regions into instances.

MaskAttn-UNet: A Mask Attention-Driven Framework for Universal
Low-Resolution Image Segmentation (Cheng et al., 2025),
https://arxiv.org/abs/2503.10686
"""
from typing import Optional, Sequence, Tuple

import cv2
import numpy as np
import torch
import torch.nn.functional as F

__all__ = ['component_instances', 'group_embeddings', 'group_things']


def group_embeddings(embeddings: torch.Tensor,
                     mask: torch.Tensor,
                     *,
                     threshold: float = 0.7,
                     min_area: int = 4,
                     max_instances: int = 64,
                     num_seeds: int = 512,
                     connectivity: Optional[int] = None) -> torch.Tensor:
    """Seeded clustering of the embeddings of the pixels in ``mask``.

    Embeddings of one instance are pulled together by the instance
    contrastive loss, so an instance is the set of pixels whose cosine
    similarity to a centre exceeds ``threshold``. Seeds are taken in order
    of *density* (how many of ``num_seeds`` sampled pixels are within the
    threshold), each seed's centre is refined once as the normalised mean of
    its members, and members are removed before the next seed. Every step
    works on all pixels at once; the only loop is over instances.

    With ``connectivity`` (4 or 8; our addition, not in the paper) the
    embeddings only split: each connected component of ``mask`` is grouped
    on its own, so an instance never spans two components, and a component
    in which no group reaches ``min_area`` pixels (but which does itself)
    stays one instance. Touching objects are then separated by their
    embeddings, separate ones by the gap between them.

    Args:
        embeddings (Tensor): (D, H, W) per-pixel embeddings.
        mask (Tensor): (H, W) bool, the pixels to group.
        threshold (float): Cosine similarity to join an instance.
        min_area (int): Smaller groups are dropped (left unassigned).
        max_instances (int): Upper bound on the number of instances.
        num_seeds (int): Pixels sampled (evenly) as seed candidates.
        connectivity (int, optional): Group within the 4- or 8-connected
            components of ``mask`` (None: over the whole mask).

    Returns:
        Tensor: (H, W) long, 0 = not in an instance, 1..K instances.
    """
    if connectivity is not None:
        if connectivity not in (4, 8):
            raise ValueError(f'connectivity must be 4, 8 or None, got '
                             f'{connectivity!r}')
        return _group_components(
            embeddings, mask, connectivity, threshold=threshold,
            min_area=min_area, max_instances=max_instances,
            num_seeds=num_seeds)
    d, h, w = embeddings.shape
    labels = torch.zeros(h * w, dtype=torch.long, device=embeddings.device)
    index = mask.flatten().nonzero().squeeze(1)
    if index.numel() == 0:
        return labels.view(h, w)
    # (D, H, W) -> (N, D), unit length
    emb = F.normalize(embeddings.flatten(1)[:, index].t(), dim=1)
    n = emb.shape[0]
    step = max(1, n // num_seeds)
    seeds = torch.arange(0, n, step, device=emb.device)[:num_seeds]
    density = ((emb[seeds] @ emb[seeds].t()) > threshold).sum(1)
    seeds = seeds[density.argsort(descending=True, stable=True)]
    member_of = torch.zeros(n, dtype=torch.long, device=emb.device)
    free = torch.ones(n, dtype=torch.bool, device=emb.device)
    k = 0
    for seed in seeds.tolist():
        if k >= max_instances:
            break
        if not free[seed]:
            continue
        members = free & (emb @ emb[seed] > threshold)
        centre = F.normalize(emb[members].mean(0), dim=0)
        members = free & (emb @ centre > threshold)
        free[seed] = False
        if int(members.sum()) < min_area:
            continue
        k += 1
        member_of[members] = k
        free &= ~members
    labels[index] = member_of
    return labels.view(h, w)


def group_things(embeddings: torch.Tensor, sem_seg: torch.Tensor,
                 thing_classes: Sequence[int], **grouping) -> torch.Tensor:
    """Instances of every thing class: :func:`group_embeddings` of the
    pixels of each class in turn.

    Args:
        embeddings (Tensor): (D, H, W) per-pixel embeddings.
        sem_seg (Tensor): (H, W) class per pixel.
        thing_classes (Sequence[int]): Class ids to split into instances.
        **grouping: Keyword arguments of :func:`group_embeddings`.

    Returns:
        Tensor: (H, W) long, 0 = no instance; the instances of the first
        thing class come first (1..K1), then those of the next.
    """
    instances = torch.zeros_like(sem_seg, dtype=torch.long)
    offset = 0
    for cls in thing_classes:
        groups = group_embeddings(embeddings, sem_seg == cls, **grouping)
        instances = torch.where(groups > 0, groups + offset, instances)
        offset += int(groups.max())
    return instances


def _connected_components(mask: torch.Tensor,
                          connectivity: int) -> Tuple[int, np.ndarray]:
    """``cv2.connectedComponents`` of a (H, W) bool tensor: the number of
    labels (background 0 included) and the (H, W) int32 label map."""
    return cv2.connectedComponents(
        mask.cpu().numpy().astype(np.uint8),
        connectivity=connectivity,
        ltype=cv2.CV_32S)


def component_instances(sem_seg: torch.Tensor,
                        thing_classes: Sequence[int],
                        *,
                        connectivity: int = 8,
                        min_area: int = 0) -> torch.Tensor:
    """Instances as the connected components of each thing class.

    Args:
        sem_seg (Tensor): (H, W) class per pixel.
        thing_classes (Sequence[int]): Class ids to split.
        connectivity (int): 4 or 8, the pixel neighbourhood.
        min_area (int): Smaller components are dropped (left at 0).

    Returns:
        Tensor: (H, W) long on the device of ``sem_seg``, 0 = no instance,
        instances ``1..K`` ordered by the order of ``thing_classes``, then by
        the first pixel of the component in raster order.
    """
    instances = np.zeros(sem_seg.shape, dtype=np.int64)
    offset = 0
    for cls in thing_classes:
        num, labels = _connected_components(sem_seg == cls, connectivity)
        # keep[k]: component k (0 is the background) is large enough; the
        # kept ones get the ids offset + 1.. in label order, the others 0
        # (the classes' pixels are disjoint: ids just add up)
        keep = np.bincount(labels.ravel(), minlength=num) >= min_area
        keep[0] = False
        new_id = np.where(keep, np.cumsum(keep) + offset, 0)
        instances += new_id[labels]
        offset += int(keep.sum())
    return torch.from_numpy(instances).to(sem_seg.device)


def _group_components(embeddings: torch.Tensor, mask: torch.Tensor,
                      connectivity: int, *, threshold: float, min_area: int,
                      max_instances: int, num_seeds: int) -> torch.Tensor:
    """:func:`group_embeddings` within each connected component of
    ``mask`` (see its ``connectivity``)."""
    num, comps = _connected_components(mask, connectivity)
    comps = torch.from_numpy(comps).to(embeddings.device)
    labels = torch.zeros_like(comps, dtype=torch.long)
    k = 0
    for comp in range(1, num):
        if k >= max_instances:
            break
        region = comps == comp
        if int(region.sum()) < min_area:
            continue
        groups = group_embeddings(
            embeddings, region, threshold=threshold, min_area=min_area,
            max_instances=max_instances - k, num_seeds=num_seeds)
        if int(groups.max()) == 0:
            groups = region.long()
        labels = torch.where(groups > 0, groups + k, labels)
        k += int(groups.max())
    return labels
