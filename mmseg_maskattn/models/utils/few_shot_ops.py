"""Feature operations of the few-shot segmentors.

Masked average pooling (prototypes), the training-free prior of PFENet
(Tian et al., "Prior Guided Feature Enrichment Network for Few-Shot
Segmentation", TPAMI 2020, https://arxiv.org/abs/2008.01449) and the
Gram-matrix scene distance of BAM (Lang et al., "Learning What Not to
Segment", CVPR 2022, https://arxiv.org/abs/2203.07615), as used by
:class:`~mmseg_maskattn.models.segmentors.HDMNet` and
:class:`~mmseg_maskattn.models.segmentors.PrototypeFSS`.
"""
from typing import Optional

import torch
import torch.nn.functional as F

__all__ = ['masked_average_pooling', 'prior_map', 'gram_distance']


def masked_average_pooling(feats: torch.Tensor,
                           mask: torch.Tensor,
                           *,
                           area_eps: Optional[float] = None) -> torch.Tensor:
    """Masked average pooling: the mean feature of the masked positions.

    Args:
        feats (Tensor): Features (N, C, h, w).
        mask (Tensor): Weights in [0, 1] (N, 1, h, w), e.g. the fraction of
            foreground pixels of each feature cell.
        area_eps (float, optional): Added to the mask's area before the
            division (HDMNet's release: 5e-4). None: the area is clamped
            to at least 1e-6.

    Returns:
        Tensor: Prototypes (N, C); zero for an all-zero mask.
    """
    area = mask.sum(dim=(2, 3))  # (N, 1)
    area = area.clamp(min=1e-6) if area_eps is None else area + area_eps
    return (feats * mask).sum(dim=(2, 3)) / area


def prior_map(query_feat: torch.Tensor,
              support_feat: torch.Tensor,
              support_mask: torch.Tensor,
              *,
              normalize: bool = True) -> torch.Tensor:
    """Training-free prior of PFENet-style few-shot segmentors.

    For every query position: the highest cosine similarity to the masked
    support features, min-max normalised per image and shot (PFENet;
    HDMNet's release leaves it out: ``normalize=False``), then averaged
    over the K shots.

    Args:
        query_feat (Tensor): High-level query features (B, C, h, w).
        support_feat (Tensor): High-level support features (B*K, C, h, w).
        support_mask (Tensor): Support foreground weights (B*K, 1, h, w).
        normalize (bool): Min-max normalise each shot's map.

    Returns:
        Tensor: The prior (B, 1, h, w); in [0, 1] with ``normalize``, a
        cosine in [-1, 1] without.
    """
    b, c, h, w = query_feat.shape
    k = support_feat.shape[0] // b
    # (B, C, h, w) -> (B, C, h*w)
    q = F.normalize(query_feat.flatten(2), dim=1)
    # (B*K, C, h, w) -> (B, K, C, h*w); background columns become 0
    s = F.normalize((support_feat * support_mask).flatten(2),
                    dim=1).reshape(b, k, c, h * w)
    sim = torch.einsum('bcq,bkcs->bkqs', q, s)  # (B, K, Nq, Ns)
    prior = sim.amax(dim=-1)  # (B, K, Nq)
    if not normalize:
        return prior.mean(dim=1).reshape(b, 1, h, w)
    low = prior.amin(dim=-1, keepdim=True)
    high = prior.amax(dim=-1, keepdim=True)
    prior = (prior - low) / (high - low + 1e-7)
    return prior.mean(dim=1).reshape(b, 1, h, w)


def gram_distance(query_feat: torch.Tensor,
                   support_feat: torch.Tensor) -> torch.Tensor:
    """BAM's scene-difference estimate: Frobenius norm of the difference of
    the Gram matrices of query and support features, averaged over shots.

    Args:
        query_feat (Tensor): (B, C, h, w).
        support_feat (Tensor): (B*K, C, h, w).

    Returns:
        Tensor: (B, 1, 1, 1).
    """
    b, c = query_feat.shape[:2]
    k = support_feat.shape[0] // b
    # (N, C, h, w) -> (N, C, h*w), unit length per channel
    q = F.normalize(query_feat.flatten(2), dim=2)
    s = F.normalize(support_feat.flatten(2), dim=2)
    gram_q = q @ q.transpose(1, 2)  # (B, C, C)
    gram_s = (s @ s.transpose(1, 2)).reshape(b, k, c, c)
    dist = (gram_q[:, None] - gram_s).flatten(2).norm(dim=2) / c  # (B, K)
    return dist.mean(dim=1).reshape(b, 1, 1, 1)
