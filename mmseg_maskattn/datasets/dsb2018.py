"""2018 Data Science Bowl nuclei (stage 1 train), panoptic reading."""
from typing import Optional

from mmseg.registry import DATASETS

from .checked_panoptic_dataset import CheckedPanopticDataset

__all__ = ['DSB2018Dataset', 'DSB2018_CLASSES', 'DSB2018_PALETTE']

DSB2018_CLASSES = ('background', 'nucleus')
DSB2018_PALETTE = [[0, 0, 0], [230, 25, 75]]


@DATASETS.register_module()
class DSB2018Dataset(CheckedPanopticDataset):
    """DSB2018 nuclei with semantic, instance and panoptic ground truth.

    A data set of MaskAttn-UNet (Cheng et al., "MaskAttn-UNet: A Mask
    Attention-Driven Framework for Universal Low-Resolution Image
    Segmentation", arXiv 2503.10686, https://arxiv.org/abs/2503.10686).
    Layout under ``data_root`` (the community-fixed stage-1 training set,
    664 images)::

        data/dsb2018
        ├── images/<id>.png      RGB or grayscale (L) microscopy images
        ├── instances/<id>.png   uint16 ids: 0 = background, k = k-th nucleus
        ├── train.txt            531 ids, one per line
        └── val.txt              133 ids

    Pass a split file as ``ann_file`` (without it, every image of
    ``images/`` is used). Grayscale images load as 3 channels through
    ``LoadImageFromFile`` (its default ``color_type='color'``).

    Panoptic reading: ``background`` (id 0 pixels) is the stuff class 0,
    ``nucleus`` the thing class 1, every non-zero id one instance. There is
    no semantic label file: each data info has ``seg_map_path=None`` and
    ``inst_map_path``, and
    :class:`~mmseg_maskattn.datasets.transforms.LoadInstanceAnnotations`
    (``semantic_from='instances'``) derives the semantic map from the ids.
    mmseg's ``LoadAnnotations`` must not be used here: it reads labels as
    8-bit and would wrap ids above 255.

    Checks at construction (see :class:`CheckedPanopticDataset`): a missing
    folder, split file, or an id of the split file without its image or
    instance file raises a :class:`FileNotFoundError` naming the path.

    Args:
        data_prefix (dict, optional): Folders below ``data_root``. Defaults
            to ``dict(img_path='images', inst_map_path='instances')``; a
            ``seg_map_path`` is rejected (there are no label files).
        img_suffix (str): Suffix of the images. Defaults to '.png'.
        inst_map_suffix (str): Suffix of the instance maps. Defaults to
            '.png'.
        reduce_zero_label (bool): Must stay False: 0 is the class
            ``background``. Defaults to False.
        **kwargs: Other arguments of :class:`CheckedPanopticDataset`
            (``data_root``, ``ann_file``, ``pipeline``, ...).
    """
    METAINFO = dict(
        classes=DSB2018_CLASSES,
        palette=DSB2018_PALETTE,
        thing_classes=('nucleus', ),
        stuff_classes=('background', ))

    def __init__(self,
                 data_prefix: Optional[dict] = None,
                 img_suffix: str = '.png',
                 inst_map_suffix: str = '.png',
                 reduce_zero_label: bool = False,
                 **kwargs) -> None:
        self._check_label_zero_kept(reduce_zero_label,
                                    'label 0 is the class "background"')
        if data_prefix is None:
            data_prefix = dict(img_path='images', inst_map_path='instances')
        self._check_no_seg_map_path(
            data_prefix, 'the instance ids (DSB2018 has no semantic labels)')
        super().__init__(
            data_prefix=data_prefix,
            img_suffix=img_suffix,
            inst_map_suffix=inst_map_suffix,
            reduce_zero_label=reduce_zero_label,
            **kwargs)
