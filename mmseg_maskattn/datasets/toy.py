"""Dataset for the generated toy data (see :mod:`.toy_data`)."""
from mmseg.registry import DATASETS

from .checked_seg_dataset import CheckedSegDataset
from .toy_data import TOY_CLASSES, TOY_PALETTE

__all__ = ['ToySegDataset']


@DATASETS.register_module()
class ToySegDataset(CheckedSegDataset):
    """Semantic segmentation on the toy data of ``tools/gen_toy_data.py``.

    Layout under ``data_root`` (``{split}`` is ``train`` or ``val``)::

        data/toy
        ├── img_dir/{split}/*.png   RGB images
        └── ann_dir/{split}/*.png   uint8 class ids

    The classes are :data:`~mmseg_maskattn.datasets.toy_data.TOY_CLASSES`
    (``background``, ``rectangle``, ``ellipse``, ``triangle``); label 0 is
    the ``background`` class, so ``reduce_zero_label`` stays False. Every
    pixel is labelled. Folder and file problems are reported early, see
    :class:`CheckedSegDataset`.

    Args:
        img_suffix (str): Suffix of the images. Defaults to '.png'.
        seg_map_suffix (str): Suffix of the label maps. Defaults to '.png'.
        reduce_zero_label (bool): Must stay False: label 0 is a class.
            Defaults to False.
        **kwargs: Other arguments of :class:`mmseg.datasets.BaseSegDataset`.
    """
    METAINFO = dict(classes=TOY_CLASSES, palette=TOY_PALETTE)

    def __init__(self,
                 img_suffix: str = '.png',
                 seg_map_suffix: str = '.png',
                 reduce_zero_label: bool = False,
                 **kwargs) -> None:
        self._check_label_zero_kept(reduce_zero_label,
                                    'label 0 is the class "background"')
        super().__init__(
            img_suffix=img_suffix,
            seg_map_suffix=seg_map_suffix,
            reduce_zero_label=reduce_zero_label,
            **kwargs)
