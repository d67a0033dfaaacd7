"""CamVid dataset (SegNet version, 11 classes + void)."""
from typing import Dict, Optional, Sequence, Union

from mmseg.registry import DATASETS

from ..utils import IGNORE_INDEX
from .checked_seg_dataset import CheckedSegDataset

__all__ = ['CamVidDataset', 'CAMVID_CLASSES', 'CAMVID_PALETTE']

CAMVID_CLASSES = ('Sky', 'Building', 'Pole', 'Road', 'Pavement', 'Tree',
                  'SignSymbol', 'Fence', 'Car', 'Pedestrian', 'Bicyclist')
CAMVID_PALETTE = [[128, 128, 128], [128, 0, 0], [192, 192, 128],
                  [128, 64, 128], [60, 40, 222], [128, 128, 0],
                  [192, 128, 128], [64, 64, 128], [64, 0, 128], [64, 64, 0],
                  [0, 128, 192]]


@DATASETS.register_module()
class CamVidDataset(CheckedSegDataset):
    """CamVid dataset in the SegNet layout.

    Expected layout under ``data_root`` (images are 480x360 RGB PNGs, labels
    single-channel PNGs with the same file name)::

        data/camvid
        ├── train        367 images
        ├── trainannot
        ├── val          101 images
        ├── valannot
        ├── test         233 images (optional)
        └── testannot

    Label ids 0-10 are the classes of ``METAINFO`` and are kept as they are.
    Label 11 (``Unlabelled``, void) is mapped to 255 when the label is
    loaded, so the decode-head losses and ``IoUMetric`` (both with
    ``ignore_index=255``) ignore it. The mapping is done with mmseg's own
    ``label_map`` machinery: :meth:`get_label_map` always adds ``{11: 255}``
    (also when ``metainfo`` selects a subset of the classes), and
    ``LoadAnnotations`` applies the map to every label. It is therefore also
    visible in ``dataset.metainfo['label_map']``.

    A ``metainfo`` class list that starts with ``'background'`` (e.g.
    ``('background', 'Sky', 'Road')``) keeps the listed classes as ids 1, 2,
    ... and gives every other class id 0, background, instead of 255 (void
    stays 255): the label space of a base learner trained with the
    novel classes of a few-shot fold relabelled as background (BAM, Lang
    et al., CVPR 2022, https://arxiv.org/abs/2203.07615; PFENet's
    relabelling convention). Its palette is black for background and the
    CamVid colours of the listed classes.

    Folder and file problems are reported early, see
    :class:`CheckedSegDataset`.

    Args:
        img_suffix (str): Suffix of the images. Defaults to '.png'.
        seg_map_suffix (str): Suffix of the label maps. Defaults to '.png'.
        reduce_zero_label (bool): Must stay False: label 0 is ``Sky``, a
            real class. Defaults to False.
        **kwargs: Other arguments of :class:`mmseg.datasets.BaseSegDataset`
            (``data_root``, ``data_prefix``, ``pipeline``, ...).
    """
    METAINFO = dict(classes=CAMVID_CLASSES, palette=CAMVID_PALETTE)
    #: Label id of the ``Unlabelled`` (void) pixels in the label PNGs.
    VOID_LABEL = 11
    #: Value void pixels get; losses and ``IoUMetric`` ignore it.
    IGNORE_INDEX = IGNORE_INDEX
    #: First ``metainfo`` class that collects every class not listed.
    BACKGROUND = 'background'

    def __init__(self,
                 img_suffix: str = '.png',
                 seg_map_suffix: str = '.png',
                 reduce_zero_label: bool = False,
                 **kwargs) -> None:
        self._check_label_zero_kept(
            reduce_zero_label, 'label 0 is the class "Sky"; void (label 11) '
            'is already mapped to 255')
        super().__init__(
            img_suffix=img_suffix,
            seg_map_suffix=seg_map_suffix,
            reduce_zero_label=reduce_zero_label,
            **kwargs)

    @classmethod
    def get_label_map(
            cls,
            new_classes: Optional[Sequence] = None
    ) -> Union[Dict[int, int], None]:
        """Label map of mmseg plus ``{11: 255}`` for the void label.

        Args:
            new_classes (Sequence, optional): Classes selected through
                ``metainfo``; see ``BaseSegDataset.get_label_map``.
                Defaults to None.

        Returns:
            dict[int, int]: Old label id -> new label id. With all classes it
            is ``{11: 255}``; with a subset of the classes it also maps the
            kept classes to their new ids and the others to 255 (to 0 when
            the subset starts with ``'background'``).
        """
        if new_classes is not None and cls.BACKGROUND in new_classes:
            new_classes = list(new_classes)
            if new_classes.index(cls.BACKGROUND) != 0 or new_classes.count(
                    cls.BACKGROUND) > 1:
                raise ValueError(
                    f"CamVidDataset: '{cls.BACKGROUND}' must be the first "
                    f'class of metainfo, and only once, got {new_classes}')
            unknown = [c for c in new_classes[1:] if c not in CAMVID_CLASSES]
            if unknown or len(set(new_classes)) != len(new_classes):
                raise ValueError(
                    f'CamVidDataset: metainfo classes {new_classes} must be '
                    f"'{cls.BACKGROUND}' then distinct CamVid classes of "
                    f'{list(CAMVID_CLASSES)}; unknown: {unknown}')
            label_map = {
                i: new_classes.index(c) if c in new_classes else 0
                for i, c in enumerate(CAMVID_CLASSES)
            }
            label_map[cls.VOID_LABEL] = cls.IGNORE_INDEX
            return label_map
        label_map = super().get_label_map(new_classes)
        label_map = dict(label_map) if label_map is not None else {}
        label_map[cls.VOID_LABEL] = cls.IGNORE_INDEX
        return label_map

    def _update_palette(self) -> list:
        """mmseg's palette, or black + the listed classes' colours when the
        classes start with ``'background'``."""
        classes = list(self._metainfo.get('classes', []))
        palette = self._metainfo.get('palette', [])
        if (classes[:1] == [self.BACKGROUND]
                and len(palette) != len(classes)):
            return [[0, 0, 0]] + [
                CAMVID_PALETTE[CAMVID_CLASSES.index(c)] for c in classes[1:]
            ]
        return super()._update_palette()
