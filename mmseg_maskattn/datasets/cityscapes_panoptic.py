"""Cityscapes (gtFine ``instanceIds``) with panoptic reading."""
from mmseg.datasets import CityscapesDataset
from mmseg.registry import DATASETS

from .checked_panoptic_dataset import CheckedPanopticDataset

__all__ = ['CityscapesPanopticSegDataset']


@DATASETS.register_module()
class CityscapesPanopticSegDataset(CheckedPanopticDataset):
    """Cityscapes with semantic, instance and panoptic ground truth.

    A data set of MaskAttn-UNet (Cheng et al., "MaskAttn-UNet: A Mask
    Attention-Driven Framework for Universal Low-Resolution Image
    Segmentation", arXiv 2503.10686, https://arxiv.org/abs/2503.10686):
    Cityscapes (Cordts et al., "The Cityscapes Dataset for Semantic Urban
    Scene Understanding", CVPR 2016, https://www.cityscapes-dataset.com)
    read from the gtFine instance maps. Layout under ``data_root``
    (``{split}`` is ``train``, ``val`` or ``test``)::

        data/cityscapes
        ├── leftImg8bit/{split}/<city>/<name>_leftImg8bit.png
        └── gtFine/{split}/<city>/<name>_gtFine_instanceIds.png

    with ``data_prefix=dict(img_path='leftImg8bit/{split}',
    inst_map_path='gtFine/{split}')``. The classes are the 19 evaluated
    classes of mmseg's ``CityscapesDataset`` (label = Cityscapes
    ``trainId``), the thing classes the 8 with instances: person, rider,
    car, truck, bus, train, motorcycle, bicycle; the other 11 are stuff.

    Every image gets its ``instanceIds`` map (the folder scan and checks of
    :class:`CheckedPanopticDataset`: the image path below the image folder
    with ``img_suffix`` replaced by ``inst_map_suffix``). Read the samples
    with ``LoadCityscapesPanopticAnnotations`` (see
    :mod:`mmseg_maskattn.datasets.transforms`), which derives the semantic
    map (labelId -> trainId), the instance map and the crowd regions (thing
    pixels without instance index) from it; no ``*_labelTrainIds.png`` is
    needed. A class subset selected through ``metainfo`` gives the data
    infos a ``label_map``, applied by that loader.

    Args:
        img_suffix (str): Suffix of the images. Defaults to
            '_leftImg8bit.png'.
        inst_map_suffix (str): Suffix of the instance maps. Defaults to
            '_gtFine_instanceIds.png'.
        reduce_zero_label (bool): Must stay False: label 0 is ``road``.
            Defaults to False.
        **kwargs: Other arguments of :class:`CheckedPanopticDataset`;
            ``data_prefix`` must hold ``img_path`` and ``inst_map_path``.
    """
    METAINFO = dict(
        classes=CityscapesDataset.METAINFO['classes'],
        palette=CityscapesDataset.METAINFO['palette'],
        thing_classes=('person', 'rider', 'car', 'truck', 'bus', 'train',
                       'motorcycle', 'bicycle'),
        stuff_classes=('road', 'sidewalk', 'building', 'wall', 'fence', 'pole',
                       'traffic light', 'traffic sign', 'vegetation',
                       'terrain', 'sky'))

    def __init__(self,
                 img_suffix: str = '_leftImg8bit.png',
                 inst_map_suffix: str = '_gtFine_instanceIds.png',
                 reduce_zero_label: bool = False,
                 **kwargs) -> None:
        self._check_label_zero_kept(reduce_zero_label,
                                    'label 0 is the class "road"')
        prefix = kwargs.get('data_prefix') or {}
        self._check_data_prefix(
            prefix, ('img_path', 'inst_map_path'),
            "dict(img_path='leftImg8bit/train', inst_map_path='gtFine/train')")
        self._check_no_seg_map_path(prefix, 'the instanceIds maps')
        super().__init__(
            img_suffix=img_suffix,
            inst_map_suffix=inst_map_suffix,
            reduce_zero_label=reduce_zero_label,
            **kwargs)
