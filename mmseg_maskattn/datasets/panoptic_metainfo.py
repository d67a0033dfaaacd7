"""The thing and stuff classes of a panoptic dataset's metainfo."""
from typing import Mapping, Union

from mmengine.config import Config

__all__ = ['PanopticMetainfoMixin']


class PanopticMetainfoMixin:
    """Restrict ``thing_classes`` / ``stuff_classes`` to the classes.

    Mixed in before an mmseg ``BaseSegDataset`` subclass (``class
    MyDataset(PanopticMetainfoMixin, CheckedSegDataset)``), whose
    ``METAINFO`` holds ``classes`` and ``thing_classes``. When ``metainfo``
    selects a subset of the classes, ``thing_classes`` keeps the selected
    thing classes (in class order) and every other selected class is stuff,
    as :class:`~mmseg_maskattn.evaluation.PanopticQualityMetric` requires.
    """

    @classmethod
    def _load_metainfo(cls,
                       metainfo: Union[Mapping, Config, None] = None) -> dict:
        """mmengine's metainfo, with thing/stuff classes of the classes.

        Args:
            metainfo (Mapping | Config, optional): Meta information given
                to the dataset. Defaults to None.

        Returns:
            dict: The metainfo, ``thing_classes`` and ``stuff_classes``
            restricted to ``classes`` (every class not a thing is stuff).

        Raises:
            ValueError: If ``classes`` or ``thing_classes`` is missing, or a
                thing class is neither in ``classes`` nor in the classes of
                ``METAINFO``.
        """
        meta = super()._load_metainfo(metainfo)
        name = cls.__name__
        if meta.get('classes') is None or meta.get('thing_classes') is None:
            raise ValueError(f"{name}: metainfo needs 'classes' and "
                             "'thing_classes'")
        classes = tuple(meta['classes'])
        known = set(classes) | set(cls.METAINFO.get('classes', ()))
        unknown = [c for c in meta['thing_classes'] if c not in known]
        if unknown:
            raise ValueError(f'{name}: thing_classes {unknown} are not '
                             f'classes of the dataset {classes}')
        things = tuple(c for c in classes if c in meta['thing_classes'])
        meta['thing_classes'] = things
        meta['stuff_classes'] = tuple(c for c in classes if c not in things)
        return meta
