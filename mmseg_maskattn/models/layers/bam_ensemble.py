"""BAM's base-learner ensemble, as HDMNet uses it.

BAM: Learning What Not to Segment: A New Perspective on Few-Shot
Segmentation (Lang et al., CVPR 2022), https://arxiv.org/abs/2203.07615;
used by HDMNet: Hierarchical Dense Correlation Distillation for Few-Shot
Segmentation (Peng et al., CVPR 2023), https://arxiv.org/abs/2303.14652
"""
import torch
import torch.nn as nn
from mmseg.registry import MODELS

__all__ = ['BAMEnsemble']


@MODELS.register_module()
class BAMEnsemble(nn.Module):
    """Fuses the meta learner's prediction with a base learner's.

    With ``p`` the softmax of the meta logits (B, 2, h, w), ``p_base`` the
    probability (B, 1, h, w) that a pixel belongs to a base class that is
    not the episode's (it is then the episode's background) and ``psi``
    (B, 1, 1, 1) the Gram-matrix distance between query and support
    scenes::

        bg = gate(cat(p_0, psi)),  fg = gate(cat(p_1, psi))
        out = cat(merge(cat(bg, p_base)), fg)

    ``gate`` and ``merge`` are bias-free 1x1 convs 2 -> 1 initialised to
    pass ``p`` through (weights (1, 0)), as in the release, which trains
    them with 10x the base learning rate (a config's ``paramwise_cfg``).
    ``out`` holds adjusted probabilities that the release's losses and
    prediction use as logits.
    """

    def __init__(self) -> None:
        super().__init__()
        self.gate = nn.Conv2d(2, 1, 1, bias=False)
        self.merge = nn.Conv2d(2, 1, 1, bias=False)
        self.init_weights()

    def init_weights(self) -> None:
        """Weights (1, 0): the ensemble starts as the identity on ``p``."""
        with torch.no_grad():
            for conv in (self.gate, self.merge):
                conv.weight.copy_(torch.tensor([1.0, 0.0]).reshape(1, 2, 1, 1))

    def forward(self, meta_logits: torch.Tensor, p_base: torch.Tensor,
                psi: torch.Tensor) -> torch.Tensor:
        """Ensemble (B, 2, h, w) of the meta logits (B, 2, h, w), the base
        probability (B, 1, h, w) and the scene distance (B, 1, 1, 1)."""
        p = meta_logits.softmax(dim=1)
        psi = psi.expand_as(p_base)
        bg = self.gate(torch.cat([p[:, :1], psi], dim=1))
        fg = self.gate(torch.cat([p[:, 1:], psi], dim=1))
        return torch.cat([self.merge(torch.cat([bg, p_base], dim=1)), fg],
                         dim=1)
