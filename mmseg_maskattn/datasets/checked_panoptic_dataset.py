"""A :class:`CheckedSegDataset` whose samples also have an instance map."""
import os.path as osp
from typing import List

import mmengine.fileio as fileio

from .checked_seg_dataset import CheckedSegDataset
from .panoptic_metainfo import PanopticMetainfoMixin

__all__ = ['CheckedPanopticDataset']


class CheckedPanopticDataset(PanopticMetainfoMixin, CheckedSegDataset):
    """Base class of the panoptic datasets (semantic + instance ground truth).

    Samples of MaskAttn-UNet (Cheng et al., "MaskAttn-UNet: A Mask
    Attention-Driven Framework for Universal Low-Resolution Image
    Segmentation", arXiv 2503.10686, https://arxiv.org/abs/2503.10686)
    carry semantic, instance and panoptic ground truth. On top of
    :class:`CheckedSegDataset` (early checks of the image and label files),
    every sample gets an instance-id map from the folder
    ``data_prefix['inst_map_path']`` (joined with ``data_root``): the image
    path relative to the image folder, with ``img_suffix`` replaced by
    ``inst_map_suffix``. Read it with
    :class:`~mmseg_maskattn.datasets.transforms.LoadInstanceAnnotations`.

    Checks at construction: the instance folder exists, and every sample's
    instance map exists (the error names the image and the missing file).
    At load time an unreadable instance map is named like an unreadable
    image or label (see :attr:`FILE_KEYS`).

    Each data info holds, besides mmseg's keys (``img_path``, ``label_map``,
    ``reduce_zero_label``, ``seg_fields``): ``inst_map_path``,
    ``seg_map_path`` (None when the data set has no semantic label files)
    and ``thing_label_ids``, the semantic class ids of the thing classes,
    which the panoptic transforms read.

    ``METAINFO`` must hold ``classes`` and ``thing_classes`` (and, for
    :class:`~mmseg_maskattn.evaluation.PanopticQualityMetric`,
    ``stuff_classes``). When ``metainfo`` selects a subset of the classes,
    ``thing_classes`` and ``stuff_classes`` are restricted to it (every
    selected class that is not a thing is stuff), as the metric requires.

    Args:
        inst_map_suffix (str): Suffix of the instance maps. Defaults to
            '.png'.
        **kwargs: Arguments of :class:`CheckedSegDataset` /
            ``BaseSegDataset``; ``data_prefix`` must hold ``inst_map_path``.
    """
    FILE_KEYS = CheckedSegDataset.FILE_KEYS + (
        ('inst_map_path', 'instance map'), )

    def __init__(self, inst_map_suffix: str = '.png', **kwargs) -> None:
        self.inst_map_suffix = inst_map_suffix
        super().__init__(**kwargs)

    def load_data_list(self) -> List[dict]:
        """List the samples and check that every instance map exists.

        Returns:
            list[dict]: The data infos, see the class docstring.

        Raises:
            FileNotFoundError: If a folder, ``ann_file``, an image, a label
                or an instance map is missing (see
                :meth:`CheckedSegDataset.load_data_list`).
        """
        data_list = super().load_data_list()
        name = type(self).__name__
        img_dir = self.data_prefix.get('img_path', None)
        inst_dir = self.data_prefix.get('inst_map_path', None)
        self._check_dir(inst_dir,
                        "instance map folder (data_prefix['inst_map_path'])")
        classes = self._metainfo['classes']
        thing_ids = [classes.index(c) for c in self._metainfo['thing_classes']]
        for data_info in data_list:
            img_path = data_info['img_path']
            inst_path = self._instance_path(img_path, img_dir, inst_dir)
            if not fileio.exists(inst_path, backend_args=self.backend_args):
                raise FileNotFoundError(
                    f'{name}: image {img_path!r} has no instance map: '
                    f'{inst_path!r} does not exist (instance maps must have '
                    f'the image file name with suffix '
                    f'{self.inst_map_suffix!r})')
            data_info['inst_map_path'] = inst_path
            data_info.setdefault('seg_map_path', None)
            data_info['thing_label_ids'] = list(thing_ids)
        return data_list

    def _instance_path(self, img_path: str, img_dir: str,
                       inst_dir: str) -> str:
        """The instance map path of an image, same relative name."""
        rel = ''
        if img_dir and img_path.startswith(img_dir):
            rel = img_path[len(img_dir):].lstrip('/\\')
        if not rel:
            rel = osp.basename(img_path)
        if self.img_suffix and rel.endswith(self.img_suffix):
            rel = rel[:-len(self.img_suffix)]
        return osp.join(inst_dir, rel + self.inst_map_suffix)
