"""Pad the image and every map of ``seg_fields`` to a minimum size."""
from typing import Sequence, Tuple, Union

import mmcv
from mmcv.transforms import BaseTransform
from mmseg.registry import TRANSFORMS

from ...utils import is_int

__all__ = ['PadSegFields']

#: Seg fields padded with 0 (no instance) instead of ``seg_pad_val``.
INSTANCE_FIELDS = ('gt_instance_map', )


@TRANSFORMS.register_module()
class PadSegFields(BaseTransform):
    """Pad the image and all ``seg_fields`` maps at the bottom and right.

    Training pipelines of MaskAttn-UNet (Cheng et al., arXiv 2503.10686,
    https://arxiv.org/abs/2503.10686) at 128x128 use ``RandomResize`` with
    ratios below 1, after which ``RandomCrop`` can return a crop smaller
    than ``crop_size``. mmseg's ``SegDataPreProcessor`` pads the images and
    ``gt_sem_seg`` of a batch to a common size, but not
    ``gt_instance_seg`` nor ``gt_panoptic_seg``, and mmcv's ``Pad`` only
    pads ``gt_seg_map``. This transform pads the image and every map listed
    in ``results['seg_fields']`` to at least ``size`` before packing, the
    same way (bottom and right) as the data preprocessor, so that every
    sample of a batch has the same size. Larger inputs are left unchanged.

    Pad values: ``img_pad_val`` for the image, 0 (no instance) for
    ``gt_instance_map`` and ``seg_pad_val`` (the ignore index) for the
    other maps, so padded pixels are ignored by the semantic loss and void
    in the panoptic ground truth.

    Required Keys:

    - img
    - seg_fields (optional)

    Modified Keys:

    - img
    - the maps of ``seg_fields``

    Added Keys:

    - pad_shape (the padded image shape; ``img_shape`` keeps the size of
      the valid region)

    Args:
        size (int | tuple[int, int]): Minimum output size ``(h, w)``; an int
            gives a square.
        img_pad_val (int | float): Pad value of the image. Defaults to 0,
            as ``SegDataPreProcessor``'s ``pad_val``.
        seg_pad_val (int): Pad value of the semantic maps. Defaults to 255.
    """

    def __init__(self,
                 size: Union[int, Tuple[int, int]],
                 img_pad_val: Union[int, float] = 0,
                 seg_pad_val: int = 255) -> None:
        if is_int(size):
            size = (int(size), int(size))
        if not (isinstance(size, Sequence) and len(size) == 2
                and all(is_int(s) and s > 0 for s in size)):
            raise ValueError(f'{type(self).__name__}: size must be a '
                             'positive int or a (h, w) pair of positive '
                             f'ints, got {size!r}')
        self.size = (int(size[0]), int(size[1]))
        self.img_pad_val = img_pad_val
        self.seg_pad_val = int(seg_pad_val)

    def transform(self, results: dict) -> dict:
        """Pad the image and the maps of ``seg_fields``.

        Args:
            results (dict): Result dict of the pipeline.

        Returns:
            dict: ``results`` with the padded image and maps.
        """
        img = results['img']
        shape = (max(img.shape[0],
                     self.size[0]), max(img.shape[1], self.size[1]))
        if shape != tuple(img.shape[:2]):
            pad_val = self.img_pad_val
            if img.ndim == 3:
                pad_val = tuple(pad_val for _ in range(img.shape[2]))
            results['img'] = mmcv.impad(img, shape=shape, pad_val=pad_val)
            for key in results.get('seg_fields', []):
                if results.get(key) is None:
                    continue
                value = 0 if key in INSTANCE_FIELDS else self.seg_pad_val
                results[key] = mmcv.impad(
                    results[key], shape=shape, pad_val=value)
        results['pad_shape'] = results['img'].shape
        return results

    def __repr__(self) -> str:
        return (f'{type(self).__name__}(size={self.size}, '
                f'img_pad_val={self.img_pad_val}, '
                f'seg_pad_val={self.seg_pad_val})')
