"""Load the instance-id map (and the semantic map) of a panoptic sample."""
from typing import Callable, Optional, Sequence

import mmcv
import mmengine.fileio as fileio
import numpy as np
from mmcv.transforms import BaseTransform
from mmseg.registry import TRANSFORMS

from ...utils import is_int

__all__ = ['LoadInstanceAnnotations', 'check_map_size', 'read_image_file']

#: Accepted values of ``semantic_from``.
SEMANTIC_SOURCES = ('auto', 'instances', 'file')
#: dtype of ``results['gt_instance_map']``. cv2 resizes, flips and warps
#: int32 maps with nearest interpolation (mmseg's ``Resize``,
#: ``RandomResize``, ``RandomCrop``, ``RandomFlip``, ``RandomRotate``), and
#: it holds every uint16 id of the files.
INSTANCE_MAP_DTYPE = np.int32


@TRANSFORMS.register_module()
class LoadInstanceAnnotations(BaseTransform):
    """Load an instance-id map and the semantic map of one sample.

    Ground-truth loader of the panoptic pipeline of MaskAttn-UNet (Cheng et
    al., "MaskAttn-UNet: A Mask Attention-Driven Framework for Universal
    Low-Resolution Image Segmentation", arXiv 2503.10686,
    https://arxiv.org/abs/2503.10686), where one sample carries semantic,
    instance and panoptic ground truth. It replaces mmseg's
    ``LoadAnnotations`` in such pipelines.

    The instance map ``results['inst_map_path']`` is a single-channel PNG
    read unchanged (16-bit ids stay 16-bit, never 8-bit): ``0`` is no
    instance, every other value one instance (the value itself is only an
    identifier; :class:`PackPanopticSegInputs` renumbers the instances
    ``1..K`` after the geometric transforms). The semantic map comes from:

    - ``'instances'``: the instance map itself, for instance-only data sets
      such as DSB2018: ``background_class`` (stuff) where the id is 0 and
      ``thing_class`` elsewhere;
    - ``'file'``: the label file ``results['seg_map_path']``, loaded as
      mmseg's ``LoadAnnotations`` does (uint8 class ids, then
      ``reduce_zero_label`` and ``label_map`` of the sample);
    - ``'auto'``: ``'file'`` when the sample has a ``seg_map_path`` that is
      not None, else ``'instances'``.

    In both cases ``reduce_zero_label`` and ``label_map`` of the sample (set
    by mmseg datasets) are applied to the semantic map. Then every instance
    pixel whose semantic class is not a thing class is set to 0: a map in
    which stuff regions have ids of their own (as the panoptic PNGs of the
    toy data, where the background segment has an id) becomes a map with
    0 = no instance. The thing class ids are ``thing_label_ids`` or, if
    that is None, ``results['thing_label_ids']`` (set by the panoptic
    datasets of this package); they are required with ``'file'``, optional
    with ``'instances'``.

    Both maps are checked to have the size of the original image
    (``results['ori_shape']``, set by ``LoadImageFromFile``, else the shape
    of ``results['img']``), so the transform works before and after a
    ``Resize`` of the image, as ``LoadAnnotations`` does. An unreadable file
    raises an :class:`OSError` naming it; a size mismatch or a map that is
    not a single-channel integer image a :class:`ValueError` naming the
    files and shapes.

    Required Keys:

    - inst_map_path (str)
    - seg_map_path (str, for ``'file'``)
    - ori_shape or img (for the size check)
    - reduce_zero_label, label_map, thing_label_ids (optional)

    Added Keys:

    - gt_instance_map (np.int32, (H, W)): 0 = no instance.
    - gt_seg_map (np.uint8, (H, W)): semantic class ids.
    - seg_fields (list): both keys are appended, so mmseg's geometric
      transforms (``Resize``, ``RandomResize``, ``RandomCrop``,
      ``RandomFlip``) move them with the image, with nearest interpolation.
      Only the ``'cv2'`` resize backend handles int32 maps (mmcv's
      ``'pillow'`` backend is uint8 only).

    Args:
        semantic_from (str): Where the semantic map comes from: ``'auto'``,
            ``'instances'`` or ``'file'``, see above. Defaults to 'auto'.
        thing_class (int): Class id of instance pixels with
            ``'instances'`` (before ``reduce_zero_label`` / ``label_map``,
            like an id read from a label file). Defaults to 1.
        background_class (int): Class id of pixels with id 0 with
            ``'instances'``. Defaults to 0.
        thing_label_ids (Sequence[int], optional): Class ids of the thing
            classes (after ``label_map``). If None, taken from
            ``results['thing_label_ids']``. Defaults to None.
        imdecode_backend (str): Backend of :func:`mmcv.imfrombytes`.
            Defaults to 'pillow', as mmseg's ``LoadAnnotations``.
        backend_args (dict, optional): Arguments of the file backend, see
            :mod:`mmengine.fileio`. Defaults to None.
    """

    def __init__(self,
                 semantic_from: str = 'auto',
                 thing_class: int = 1,
                 background_class: int = 0,
                 thing_label_ids: Optional[Sequence[int]] = None,
                 imdecode_backend: str = 'pillow',
                 backend_args: Optional[dict] = None) -> None:
        name = type(self).__name__
        if semantic_from not in SEMANTIC_SOURCES:
            raise ValueError(f'{name}: semantic_from must be one of '
                             f'{SEMANTIC_SOURCES}, got {semantic_from!r}')
        for key, value in (('thing_class', thing_class), ('background_class',
                                                          background_class)):
            if not is_int(value) or not 0 <= value <= 255:
                raise ValueError(f'{name}: {key} must be an int in [0, 255] '
                                 f'(a uint8 class id), got {value!r}')
        if thing_class == background_class:
            raise ValueError(f'{name}: thing_class and background_class '
                             f'must differ, both are {thing_class}')
        self.semantic_from = semantic_from
        self.thing_class = int(thing_class)
        self.background_class = int(background_class)
        self.thing_label_ids = (None
                                if thing_label_ids is None else _as_id_list(
                                    thing_label_ids, name, 'thing_label_ids'))
        self.imdecode_backend = imdecode_backend
        self.backend_args = backend_args.copy() if backend_args else None

    def transform(self, results: dict) -> dict:
        """Load the instance and semantic maps of one sample.

        Args:
            results (dict): Result dict of the pipeline, see the class
                docstring for the keys read and written.

        Returns:
            dict: ``results`` with ``gt_instance_map``, ``gt_seg_map`` and
            ``seg_fields`` updated.

        Raises:
            KeyError: If a required key is missing from ``results``.
            OSError: If a map file cannot be read or decoded.
            ValueError: If a map is not a single-channel integer image or
                its size differs from the image's.
        """
        name = type(self).__name__
        if results.get('inst_map_path') is None:
            raise KeyError(f"{name}: results has no 'inst_map_path' (sample "
                           f"{results.get('img_path')!r}); use a panoptic "
                           'dataset such as DSB2018Dataset or '
                           'ToyPanopticDataset')
        inst_path = results['inst_map_path']
        inst = self._read_map(inst_path, 'instance map')
        if not np.issubdtype(inst.dtype, np.integer):
            raise ValueError(f'{name}: instance map {inst_path!r} must hold '
                             f'integer ids, got dtype {inst.dtype}')
        if inst.size and (int(inst.min()) < 0 or int(inst.max())
                          > np.iinfo(INSTANCE_MAP_DTYPE).max):
            raise ValueError(
                f'{name}: instance map {inst_path!r} holds ids outside '
                f'[0, {np.iinfo(INSTANCE_MAP_DTYPE).max}]')
        self._check_size(results, inst, inst_path, 'instance map')
        inst = inst.astype(INSTANCE_MAP_DTYPE)

        mode = self.semantic_from
        if mode == 'auto':
            mode = 'file' if results.get('seg_map_path') is not None \
                else 'instances'
        if mode == 'instances':
            sem = np.where(inst > 0, self.thing_class,
                           self.background_class).astype(np.uint8)
        else:
            seg_path = results.get('seg_map_path')
            if seg_path is None:
                raise KeyError(
                    f"{name}: semantic_from='file' but sample "
                    f"{results.get('img_path')!r} has no 'seg_map_path'")
            sem = self._read_map(seg_path, 'semantic label')
            if not np.issubdtype(sem.dtype, np.integer) or (sem.size and int(
                    sem.max()) > 255):
                raise ValueError(
                    f'{name}: semantic label {seg_path!r} must hold uint8 '
                    f'class ids, got dtype {sem.dtype} with maximum '
                    f'{sem.max() if sem.size else None}')
            self._check_size(results, sem, seg_path, 'semantic label')
            sem = sem.astype(np.uint8)
        sem = _apply_label_rules(sem, results)

        thing_ids = self.thing_label_ids
        if thing_ids is None and results.get('thing_label_ids') is not None:
            thing_ids = _as_id_list(results['thing_label_ids'], name,
                                    "results['thing_label_ids']")
        if thing_ids is None and mode == 'file':
            raise KeyError(
                f"{name}: semantic_from='file' needs the thing class ids to "
                'tell instances from stuff segments: pass thing_label_ids= '
                "or use a dataset that sets results['thing_label_ids'] "
                f"(sample {results.get('img_path')!r})")
        if thing_ids is not None:
            inst[~np.isin(sem, thing_ids)] = 0

        results['gt_instance_map'] = inst
        results['gt_seg_map'] = sem
        seg_fields = results.setdefault('seg_fields', [])
        for key in ('gt_seg_map', 'gt_instance_map'):
            if key not in seg_fields:
                seg_fields.append(key)
        return results

    def _read_map(self, path: str, what: str) -> np.ndarray:
        """Read ``path`` unchanged as a 2-D array or raise naming it."""
        name = type(self).__name__
        arr = read_image_file(
            path, f'{what} file', name, self.backend_args,
            lambda content: mmcv.imfrombytes(
                content, flag='unchanged', backend=self.imdecode_backend))
        if arr.ndim == 3 and arr.shape[2] == 1:
            arr = arr[..., 0]
        if arr.ndim != 2:
            raise ValueError(f'{name}: {what} file {path!r} must be a '
                             'single-channel image, got an array of shape '
                             f'{arr.shape}')
        return arr

    def _check_size(self, results: dict, arr: np.ndarray, path: str,
                    what: str) -> None:
        """Check that ``arr`` has the size of the original image."""
        check_map_size(results, arr, path, what, type(self).__name__)

    def __repr__(self) -> str:
        return (f'{type(self).__name__}('
                f'semantic_from={self.semantic_from!r}, '
                f'thing_class={self.thing_class}, '
                f'background_class={self.background_class}, '
                f'thing_label_ids={self.thing_label_ids}, '
                f'imdecode_backend={self.imdecode_backend!r}, '
                f'backend_args={self.backend_args})')


def _as_id_list(ids: Sequence[int], owner: str, key: str) -> list:
    """Check a sequence of class ids and return it as a list of ints."""
    if isinstance(ids, (str, bytes)) or not hasattr(ids, '__iter__'):
        raise TypeError(f'{owner}: {key} must be a sequence of ints, got '
                        f'{ids!r}')
    out = []
    for value in ids:
        if not is_int(value):
            raise TypeError(f'{owner}: {key} must hold ints, got {value!r}')
        out.append(int(value))
    return out


def _apply_label_rules(sem: np.ndarray, results: dict) -> np.ndarray:
    """``reduce_zero_label`` then ``label_map``, as mmseg's LoadAnnotations."""
    if results.get('reduce_zero_label', False):
        sem = sem.copy()
        sem[sem == 0] = 255
        sem = sem - 1
        sem[sem == 254] = 255
    label_map = results.get('label_map')
    if label_map:
        original = sem.copy()
        for old_id, new_id in label_map.items():
            sem[original == old_id] = new_id
    return sem


def read_image_file(path: str, what: str, owner: str,
                    backend_args: Optional[dict],
                    decode: Callable[[bytes], Optional[np.ndarray]]
                    ) -> np.ndarray:
    """Read and decode an annotation image, or raise an ``OSError`` naming
    ``owner``, ``what`` and ``path`` (missing, empty, undecodable file)."""
    try:
        content = fileio.get(path, backend_args=backend_args)
    except Exception as err:  # missing file, permissions, backend
        raise OSError(f'{owner}: cannot read {what} {path!r}: '
                      f'{type(err).__name__}: {err}') from err
    if not content:
        raise OSError(f'{owner}: cannot read {what} {path!r}: the file is '
                      'empty')
    try:
        arr = decode(content)
    except Exception as err:
        raise OSError(f'{owner}: cannot read {what} {path!r}: not a '
                      f'decodable image ({type(err).__name__}: {err})'
                      ) from err
    if arr is None:
        raise OSError(f'{owner}: cannot read {what} {path!r}: not a '
                      'decodable image (corrupt or truncated file)')
    return arr


def check_map_size(results: dict, arr: np.ndarray, path: str, what: str,
                   owner: str) -> None:
    """Raise a ``ValueError`` naming the files if the annotation ``arr``
    does not have the size of its original image (``ori_shape``, else the
    loaded image; nothing to check without either)."""
    if results.get('ori_shape') is not None:
        shape = tuple(results['ori_shape'][:2])
    elif results.get('img') is not None:
        shape = tuple(results['img'].shape[:2])
    else:
        return
    if tuple(arr.shape[:2]) != shape:
        raise ValueError(
            f'{owner}: {what} {path!r} has size {arr.shape[0]}x'
            f'{arr.shape[1]} (HxW) but its image '
            f"{results.get('img_path')!r} has size {shape[0]}x{shape[1]}")
