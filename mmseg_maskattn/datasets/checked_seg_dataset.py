"""A :class:`BaseSegDataset` that reports bad input early and by name."""
from typing import Any, List, Optional, Sequence

import mmcv
import mmengine.fileio as fileio
from mmseg.datasets import BaseSegDataset
from mmseg.datasets.transforms import LoadAnnotations

from .transforms import (CheckSegMap, LoadInstanceAnnotations,
                         LoadPanopticAnnotations)

__all__ = ['CheckedSegDataset']


class CheckedSegDataset(BaseSegDataset):
    """Segmentation dataset with early, explicit checks of its files.

    It behaves like :class:`mmseg.datasets.BaseSegDataset` and adds:

    - at construction (``full_init`` -> :meth:`load_data_list`): a clear
      :class:`FileNotFoundError` naming the path when ``data_root``, the image
      folder, the label folder or ``ann_file`` does not exist, when no image
      with ``img_suffix`` is found, or when an image has no label file (the
      image and the expected label path are named);
    - at load time (:meth:`prepare_data`): when the pipeline fails and the
      image or label file of the sample cannot be read or decoded, an
      :class:`OSError` naming that file is raised from the original error.
      mmseg's ``LoadAnnotations`` otherwise fails on a corrupt label PNG with
      ``'NoneType' object has no attribute 'squeeze'``. Pipeline errors with
      readable files are re-raised unchanged;
    - in the pipeline: a :class:`CheckSegMap` right after the transform
      that loads the label (mmseg's ``LoadAnnotations`` or the package's
      instance and panoptic loaders), unless the pipeline already has one:
      a label whose size differs from its image, or that holds an id
      outside ``0 .. num_classes - 1`` and ``ignore_index``, is an error
      naming both files, for training and for evaluation alike.

    The checks use :mod:`mmengine.fileio` with ``backend_args``, so they also
    work for non-local storage backends. Subclasses set ``METAINFO`` and
    the file suffixes, as with ``BaseSegDataset``; subclasses with more
    input files per sample extend :attr:`FILE_KEYS`.
    """
    #: ``(data_info key, kind)`` of the files :meth:`prepare_data` names
    #: when the pipeline fails on an unreadable one, checked in this order.
    FILE_KEYS = (('img_path', 'image'), ('seg_map_path', 'label'))
    #: Transforms that write ``gt_seg_map``; :class:`CheckSegMap` follows
    #: the first of them.
    LABEL_LOADERS = (LoadAnnotations, LoadInstanceAnnotations,
                     LoadPanopticAnnotations)

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        transforms = self.pipeline.transforms
        if any(isinstance(t, CheckSegMap) for t in transforms):
            return
        for i, t in enumerate(transforms):
            if isinstance(t, self.LABEL_LOADERS):
                transforms.insert(
                    i + 1,
                    CheckSegMap(
                        num_classes=len(self.metainfo['classes']),
                        ignore_index=self.ignore_index,
                        owner=type(self).__name__))
                break

    def load_data_list(self) -> List[dict]:
        """Check the folders, list the samples and check every label exists.

        Returns:
            list[dict]: All data infos of the dataset, sorted by image path
            when the folder is scanned (see ``BaseSegDataset``).

        Raises:
            FileNotFoundError: If ``data_root``, the image or label folder or
                ``ann_file`` is missing, the image folder holds no image with
                ``img_suffix``, or an image has no label file.
        """
        name = type(self).__name__
        if self.data_root:
            self._check_dir(self.data_root, 'data_root')
        img_dir = self.data_prefix.get('img_path', None)
        ann_dir = self.data_prefix.get('seg_map_path', None)
        self._check_dir(img_dir, "image folder (data_prefix['img_path'])")
        if ann_dir is not None:
            self._check_dir(ann_dir,
                            "label folder (data_prefix['seg_map_path'])")
        if self.ann_file and not fileio.isdir(
                self.ann_file, backend_args=self.backend_args) and \
                not fileio.exists(self.ann_file,
                                  backend_args=self.backend_args):
            raise FileNotFoundError(
                f'{name}: ann_file {self.ann_file!r} does not exist')

        data_list = super().load_data_list()
        if not data_list:
            if self._uses_ann_file():
                source = f'ann_file {self.ann_file!r}'
            else:
                source = f'image folder {img_dir!r}'
            raise FileNotFoundError(
                f'{name}: no images with suffix {self.img_suffix!r} found in '
                f'{source}')
        for data_info in data_list:
            if self._uses_ann_file():
                self._check_file(data_info['img_path'], 'image file')
            seg_map_path = data_info.get('seg_map_path', None)
            if seg_map_path is not None and not fileio.exists(
                    seg_map_path, backend_args=self.backend_args):
                raise FileNotFoundError(
                    f'{name}: image {data_info["img_path"]!r} has no label '
                    f'file: {seg_map_path!r} does not exist (labels must '
                    f'have the image file name with suffix '
                    f'{self.seg_map_suffix!r})')
        return data_list

    def prepare_data(self, idx: int) -> Any:
        """Run the pipeline on one sample, naming an unreadable input file.

        Args:
            idx (int): Index of the sample.

        Returns:
            Any: The output of the pipeline.

        Raises:
            OSError: If the pipeline failed and the sample's image or label
                file cannot be read or decoded; the message names the file.
        """
        try:
            return super().prepare_data(idx)
        except Exception as err:
            data_info = self.get_data_info(idx)
            for key, kind in self.FILE_KEYS:
                path = data_info.get(key, None)
                if path is None:
                    continue
                problem = self._read_problem(path)
                if problem is not None:
                    raise OSError(
                        f'{type(self).__name__}: cannot read {kind} file '
                        f'{path!r} (sample {idx}): {problem}') from err
            raise

    @classmethod
    def _check_label_zero_kept(cls, reduce_zero_label: bool,
                               reason: str) -> None:
        """Reject ``reduce_zero_label=True``, giving ``reason`` (label 0 is
        a class of the dataset)."""
        if reduce_zero_label:
            raise ValueError(f'{cls.__name__}: reduce_zero_label must be '
                             f'False, {reason}')

    @classmethod
    def _check_data_prefix(cls, data_prefix: Optional[dict],
                           keys: Sequence[str], example: str) -> None:
        """Raise naming the ``keys`` that ``data_prefix`` does not give,
        with an ``example`` of a valid ``data_prefix``."""
        prefix = data_prefix or {}
        missing = [key for key in keys if not prefix.get(key)]
        if missing:
            raise ValueError(f'{cls.__name__}: data_prefix must give '
                             f'{missing}, e.g. {example}; got {prefix!r}')

    @classmethod
    def _check_no_seg_map_path(cls, data_prefix: Optional[dict],
                               source: str) -> None:
        """Reject ``data_prefix['seg_map_path']`` for a dataset whose
        semantic map is derived from ``source`` (the instance maps)."""
        if (data_prefix or {}).get('seg_map_path') is not None:
            raise ValueError(
                f"{cls.__name__}: data_prefix['seg_map_path'] must not be "
                f'given: the semantic map is derived from {source} '
                "(data_prefix['inst_map_path'])")

    def _uses_ann_file(self) -> bool:
        return bool(self.ann_file) and not fileio.isdir(
            self.ann_file, backend_args=self.backend_args)

    def _check_dir(self, path: Optional[str], what: str) -> None:
        if path is None or not fileio.isdir(
                path, backend_args=self.backend_args):
            raise FileNotFoundError(
                f'{type(self).__name__}: {what} {path!r} does not exist or '
                f'is not a directory')

    def _check_file(self, path: str, what: str) -> None:
        if not fileio.exists(path, backend_args=self.backend_args):
            raise FileNotFoundError(
                f'{type(self).__name__}: {what} {path!r} does not exist')

    def _read_problem(self, path: str) -> Optional[str]:
        """Return why ``path`` cannot be read as an image, or None."""
        try:
            content = fileio.get(path, backend_args=self.backend_args)
        except Exception as err:  # missing file, permissions, backend error
            return f'{type(err).__name__}: {err}'
        if not content:
            return 'the file is empty'
        try:
            img = mmcv.imfrombytes(content, flag='unchanged')
        except Exception as err:
            return f'not a decodable image ({type(err).__name__}: {err})'
        if img is None:
            return 'not a decodable image (corrupt or truncated file)'
        return None
