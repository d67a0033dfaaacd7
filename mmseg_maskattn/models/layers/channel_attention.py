"""Channel attention module (CAM) of DANet.

Dual Attention Network for Scene Segmentation (Fu et al., CVPR 2019),
https://arxiv.org/abs/1809.02983
"""
from typing import Optional

import torch
from mmcv.cnn import Scale
from mmengine.model import BaseModule
from mmseg.registry import MODELS

from .attention import masked_attention

__all__ = ['ChannelAttention']


@MODELS.register_module()
class ChannelAttention(BaseModule):
    """DANet's channel attention.

    With ``X`` the input (B, C, H, W) seen as C channels of N = H * W
    values and the energy ``E = X X^T`` (C x C)::

        out = gamma * softmax(max(E) - E) X + x

    ``max(E)`` is the row maximum, so the weights equal ``softmax(-E)``:
    this is the form of the DANet release and of mmseg's ``CAM`` (the
    default). ``inverse_energy=False`` uses the plain ``softmax(E)`` of the
    paper's equation instead (ours, not the release's). ``gamma`` is a
    learned scalar that starts at 0 (``gamma.scale``, mmseg's name).

    The attention is the package's primitive
    (:func:`~mmseg_maskattn.models.layers.masked_attention`, i.e.
    :func:`torch.nn.functional.scaled_dot_product_attention` with scale 1,
    queries ``X``, keys ``-X`` or ``X``, values ``X``).

    Args:
        inverse_energy (bool): ``softmax(max(E) - E)`` (True, the release)
            or ``softmax(E)``.
        init_cfg (dict, optional): mmengine initialisation config.
    """

    def __init__(self,
                 *,
                 inverse_energy: bool = True,
                 init_cfg: Optional[dict] = None) -> None:
        super().__init__(init_cfg=init_cfg)
        if not isinstance(inverse_energy, bool):
            raise TypeError('ChannelAttention: inverse_energy must be a bool, '
                            f'got {inverse_energy!r}')
        self.inverse_energy = inverse_energy
        self.gamma = Scale(0.0)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Apply CAM to ``x`` (B, C, H, W); returns (B, C, H, W)."""
        # (B, C, H, W) -> (B, 1, C, N): the channels are the tokens
        tokens = x.flatten(2).unsqueeze(1)
        keys = -tokens if self.inverse_energy else tokens
        out = masked_attention(tokens, keys, tokens, scale=1.0)
        # (B, 1, C, N) -> (B, C, H, W)
        return self.gamma(out.reshape(x.shape)) + x
