"""Panoptic reading of the generated toy data (see :mod:`.toy_data`)."""
from mmseg.registry import DATASETS

from .checked_panoptic_dataset import CheckedPanopticDataset
from .toy_data import (TOY_CLASSES, TOY_PALETTE, TOY_STUFF_CLASSES,
                       TOY_THING_CLASSES)

__all__ = ['ToyPanopticDataset']


@DATASETS.register_module()
class ToyPanopticDataset(CheckedPanopticDataset):
    """Toy data of ``tools/gen_toy_data.py`` with panoptic ground truth.

    Smoke-test data set of the MaskAttn-UNet pipelines (Cheng et al., arXiv
    2503.10686, https://arxiv.org/abs/2503.10686). Layout under
    ``data_root`` (``{split}`` is ``train`` or ``val``)::

        data/toy
        ├── img_dir/{split}/*.png    RGB images
        ├── ann_dir/{split}/*.png    uint8 class ids, 0 = background
        └── panoptic/{split}/*.png   uint16 segment ids (0 = void)

    with ``data_prefix=dict(img_path='img_dir/{split}',
    seg_map_path='ann_dir/{split}', inst_map_path='panoptic/{split}')``.
    The classes are ``TOY_CLASSES``; ``background`` is the stuff class 0,
    ``rectangle``, ``ellipse`` and ``triangle`` the thing classes 1-3.

    Id convention: in the panoptic PNGs the ``background`` segment has an id
    of its own (1), like every object instance (2, 3, ...). Panoptic
    pipelines load them with
    :class:`~mmseg_maskattn.datasets.transforms.LoadInstanceAnnotations`
    (``semantic_from='file'``), which reads the semantic map of ``ann_dir``
    and sets to 0 every pixel whose class is not a thing class (the
    ``thing_label_ids`` of the data info), so ``gt_instance_map`` has
    0 = no instance. The JSON files under ``panoptic/`` are not read; they
    describe the same segments (their ``isthing`` flags match
    ``thing_classes``).

    Args:
        img_suffix (str): Suffix of the images. Defaults to '.png'.
        seg_map_suffix (str): Suffix of the label maps. Defaults to '.png'.
        inst_map_suffix (str): Suffix of the panoptic id maps. Defaults to
            '.png'.
        reduce_zero_label (bool): Must stay False: label 0 is a class.
            Defaults to False.
        **kwargs: Other arguments of :class:`CheckedPanopticDataset`;
            ``data_prefix`` must hold ``img_path``, ``seg_map_path`` and
            ``inst_map_path``.
    """
    METAINFO = dict(
        classes=TOY_CLASSES,
        palette=TOY_PALETTE,
        thing_classes=TOY_THING_CLASSES,
        stuff_classes=TOY_STUFF_CLASSES)

    def __init__(self,
                 img_suffix: str = '.png',
                 seg_map_suffix: str = '.png',
                 inst_map_suffix: str = '.png',
                 reduce_zero_label: bool = False,
                 **kwargs) -> None:
        self._check_label_zero_kept(reduce_zero_label,
                                    'label 0 is the class "background"')
        self._check_data_prefix(
            kwargs.get('data_prefix'),
            ('img_path', 'seg_map_path', 'inst_map_path'),
            "dict(img_path='img_dir/train', seg_map_path='ann_dir/train', "
            "inst_map_path='panoptic/train')")
        super().__init__(
            img_suffix=img_suffix,
            seg_map_suffix=seg_map_suffix,
            inst_map_suffix=inst_map_suffix,
            reduce_zero_label=reduce_zero_label,
            **kwargs)
