"""Refuse a label map that does not fit its image or the dataset's classes.

mmseg's ``LoadAnnotations`` reads any single-channel PNG: a label of another
size than its image is later padded and cropped out of register with it, and
a value outside the classes surfaces as ``IndexError: Target 42 is out of
bounds`` inside ``cross_entropy`` with no file named, or is counted by
``IoUMetric``. This transform, run right after the label is loaded (the
package's datasets insert it there, see :class:`CheckedSegDataset`), turns
both into an error naming the files, the sizes or the values.
"""
from typing import Optional

import numpy as np
from mmcv.transforms import BaseTransform
from mmseg.registry import TRANSFORMS

from ...utils import IGNORE_INDEX, is_int

__all__ = ['CheckSegMap']


@TRANSFORMS.register_module()
class CheckSegMap(BaseTransform):
    """Check ``gt_seg_map`` against the image size and the class ids.

    Required keys: ``gt_seg_map``, ``ori_shape`` (the image's size as read
    by ``LoadImageFromFile``, so a ``Resize`` before the label is loaded, as
    in mmseg's test pipelines, does not matter), ``seg_map_path`` and
    ``img_path`` for the messages. Nothing is modified.

    A valid label holds ids ``0 .. num_classes - 1`` and ``ignore_index``,
    after ``LoadAnnotations`` applied ``reduce_zero_label`` and the
    dataset's ``label_map``. The common case costs one ``max`` over the
    map.

    Args:
        num_classes (int): Number of classes of the dataset (> 0).
        ignore_index (int): Ignored label id. Defaults to 255.
        check_size (bool): Also require the label's size to equal the
            image's. Defaults to True.
        owner (str, optional): Named at the start of the messages (the
            dataset that inserted the check). Defaults to the class name.

    Raises:
        ValueError: From :meth:`transform`, naming the label and image
            files, when the sizes differ or the label holds other ids.
    """

    def __init__(self,
                 num_classes: int,
                 ignore_index: int = IGNORE_INDEX,
                 check_size: bool = True,
                 owner: Optional[str] = None) -> None:
        if not is_int(num_classes) or num_classes < 1:
            raise ValueError('CheckSegMap: num_classes must be a positive '
                             f'int, got {num_classes!r}')
        if not is_int(ignore_index):
            raise ValueError('CheckSegMap: ignore_index must be an int, got '
                             f'{ignore_index!r}')
        self.num_classes = int(num_classes)
        self.ignore_index = int(ignore_index)
        self.check_size = check_size
        self.owner = owner or type(self).__name__

    def transform(self, results: dict) -> dict:
        """Check the label map of one sample.

        Args:
            results (dict): Result dict of the pipeline.

        Returns:
            dict: ``results``, unchanged.
        """
        seg = results.get('gt_seg_map')
        if seg is None:
            return results
        label = results.get('seg_map_path', '<no seg_map_path>')
        image = results.get('img_path', '<no img_path>')
        shape: Optional[tuple] = results.get('ori_shape')
        if self.check_size and shape is not None and tuple(
                seg.shape[:2]) != tuple(shape[:2]):
            raise ValueError(
                f'{self.owner}: label file {label!r} is {seg.shape[0]}x{seg.shape[1]} '
                f'(HxW) but its image {image!r} is {shape[0]}x{shape[1]}: '
                'a label must have the size of its image')
        if seg.size and (seg.max() >= self.num_classes or seg.min() < 0):
            bad = (seg < 0) | (seg >= self.num_classes)
            bad &= seg != self.ignore_index
            if bad.any():
                values = np.unique(seg[bad])
                raise ValueError(
                    f'{self.owner}: label file {label!r} (image {image!r}) holds ids '
                    f'{values[:10].tolist()}'
                    f'{" ..." if values.size > 10 else ""} outside the '
                    f'classes 0..{self.num_classes - 1} and ignore_index '
                    f'{self.ignore_index}')
        return results

    def __repr__(self) -> str:
        return (f'{type(self).__name__}(num_classes={self.num_classes}, '
                f'ignore_index={self.ignore_index}, '
                f'check_size={self.check_size})')
