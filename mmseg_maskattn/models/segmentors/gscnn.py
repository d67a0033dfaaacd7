"""Gated-SCNN segmentor: an encoder-decoder that also gives the head the
image's Canny edges.

Gated-SCNN: Gated Shape CNNs for Semantic Segmentation (Takikawa et al.,
ICCV 2019), https://arxiv.org/abs/1907.05740
"""
from typing import List, Sequence

import cv2
import numpy as np
import torch
from mmseg.models.segmentors import EncoderDecoder
from mmseg.registry import MODELS

__all__ = ['GSCNN']


@MODELS.register_module()
class GSCNN(EncoderDecoder):
    """Encoder-decoder whose features end with the image's Canny edges.

    Gated-SCNN fuses its predicted boundaries with the image gradient,
    computed by the Canny detector on the input image. The head does not see
    the image, so :meth:`extract_feat` appends the edge map (N, 1, H, W),
    values in {0, 1}, to the backbone (and neck) features; heads that
    select their inputs by non-negative ``in_index`` (the decode head and
    any auxiliary head) are unaffected, and :class:`GSCNNHead` reads it as
    its last input. Slide inference computes it on each crop.

    The edges are computed on the image as it was before normalisation:
    the data preprocessor's normalisation is undone, and the result rounded
    to 8 bits (the authors' release instead casts the normalised tensor to
    uint8). Padding added by the preprocessor shows as a border. The Canny
    detector runs on the CPU (OpenCV) with the colour channels' gradients
    combined as OpenCV does; the result is moved back to the input's
    device.

    Args:
        canny_thresholds (Sequence[float]): Canny's hysteresis thresholds
            ``(low, high)``; the release uses (10, 100).
        **kwargs: Forwarded to mmseg's ``EncoderDecoder`` (``backbone``,
            ``decode_head``, ``data_preprocessor``, ...).
    """

    def __init__(self,
                 *,
                 canny_thresholds: Sequence[float] = (10, 100),
                 **kwargs) -> None:
        super().__init__(**kwargs)
        thresholds = tuple(canny_thresholds)
        if len(thresholds) != 2 or not 0 <= thresholds[0] <= thresholds[1]:
            raise ValueError(
                'GSCNN: canny_thresholds must be (low, high) with '
                f'0 <= low <= high, got {canny_thresholds!r}')
        self.canny_thresholds = thresholds

    def image_gradient(self, inputs: torch.Tensor) -> torch.Tensor:
        """Canny edges (N, 1, H, W) in {0, 1} of normalised ``inputs``."""
        if inputs.dim() != 4 or inputs.shape[1] not in (1, 3):
            raise ValueError('GSCNN: expected (N, 1 or 3, H, W) images, got '
                             f'{tuple(inputs.shape)}')
        images = inputs.detach()
        pre = self.data_preprocessor
        if getattr(pre, '_enable_normalize', False):
            images = images * pre.std + pre.mean
        # (N, C, H, W) -> (N, H, W, C) 8-bit images for OpenCV
        images = images.round().clamp(0, 255).to(torch.uint8)
        images = images.permute(0, 2, 3, 1).cpu().numpy()
        low, high = self.canny_thresholds
        edges = np.stack([
            cv2.Canny(np.ascontiguousarray(image), low, high)
            for image in images
        ])
        # (N, H, W) in {0, 255} -> (N, 1, H, W) in {0, 1}
        return torch.from_numpy(edges).to(
            device=inputs.device, dtype=inputs.dtype).div_(255).unsqueeze(1)

    def extract_feat(self, inputs: torch.Tensor) -> List[torch.Tensor]:
        """Backbone (and neck) features, then the image's Canny edges."""
        feats = list(super().extract_feat(inputs))
        return feats + [self.image_gradient(inputs)]
