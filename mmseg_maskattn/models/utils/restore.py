"""Map a padded, possibly flipped prediction back to its original image."""
from typing import List, Optional, Sequence

import torch
from mmseg.models.utils import resize

__all__ = ['batch_metas', 'restore_to_ori_shape']


def restore_to_ori_shape(x: torch.Tensor, meta: dict) -> torch.Tensor:
    """Undo padding and flip of (1, C, H, W) maps and resize to ori_shape.

    The same steps as mmseg's ``EncoderDecoder.postprocess_result`` applies
    to the segmentation logits, for the other dense outputs of a segmentor
    (instance embeddings, mask logits).

    Args:
        x (Tensor): (1, C, H, W) maps at the padded input size.
        meta (dict): Image meta with ``ori_shape`` and optionally
            ``img_padding_size`` / ``padding_size`` (left, right, top,
            bottom), ``flip`` and ``flip_direction``.

    Returns:
        Tensor: (1, C, *ori_shape), bilinear resize.
    """
    top, bottom, left, right = 0, 0, 0, 0
    if 'img_padding_size' in meta:
        left, right, top, bottom = meta['img_padding_size']
    elif 'padding_size' in meta:
        left, right, top, bottom = meta['padding_size']
    x = x[:, :, top:x.shape[2] - bottom, left:x.shape[3] - right]
    if meta.get('flip', False):
        dims = (3, ) if meta.get('flip_direction') == 'horizontal' else (2, )
        x = x.flip(dims=dims)
    return resize(x, size=meta['ori_shape'], mode='bilinear',
                  align_corners=False)


def batch_metas(inputs: torch.Tensor,
                data_samples: Optional[Sequence] = None) -> List[dict]:
    """Image metas of a batch for whole-image inference.

    The samples' metainfo, or, without samples, metas saying that every
    image of ``inputs`` (B, C, H, W) is unpadded at its original size.
    """
    if data_samples is not None:
        return [s.metainfo for s in data_samples]
    shape = inputs.shape[2:]
    return [
        dict(ori_shape=shape, img_shape=shape, pad_shape=shape,
             padding_size=[0, 0, 0, 0])
    ] * inputs.shape[0]
