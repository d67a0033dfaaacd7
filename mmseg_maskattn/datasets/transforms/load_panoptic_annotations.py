"""Load the ground truth of a COCO-panoptic-format sample."""
from typing import List, Optional, Tuple

import mmcv
import numpy as np
from mmcv.transforms import BaseTransform
from mmseg.registry import TRANSFORMS

from ...utils import IGNORE_INDEX
from .load_instance_annotations import (INSTANCE_MAP_DTYPE, _as_id_list,
                                        check_map_size, read_image_file)

__all__ = ['LoadPanopticAnnotations']


@TRANSFORMS.register_module()
class LoadPanopticAnnotations(BaseTransform):
    """Load a COCO-panoptic PNG as semantic and instance maps.

    Ground-truth loader of the panoptic pipelines of MaskAttn-UNet (Cheng et
    al., "MaskAttn-UNet: A Mask Attention-Driven Framework for Universal
    Low-Resolution Image Segmentation", arXiv 2503.10686,
    https://arxiv.org/abs/2503.10686) for data sets in the COCO panoptic
    format (Kirillov et al., "Panoptic Segmentation", CVPR 2019,
    https://cocodataset.org/#format-data): COCO panoptic, ADE20K panoptic.
    It replaces mmseg's ``LoadAnnotations`` in such pipelines, before
    :class:`PackPanopticSegInputs`.

    The PNG ``results['pan_map_path']`` is an RGB image whose pixels hold
    the segment id ``R + 256 * G + 256 ** 2 * B`` (0 = unlabelled). The
    segments of the sample are ``results['segments_info']``, dicts with
    ``id``, ``category_id`` and optionally ``iscrowd``; their category ids
    become class indices through ``results['cat_id_to_label']`` (set by
    :class:`~mmseg_maskattn.datasets.CocoPanopticSegDataset`, which already
    folds in the ``label_map`` of a class subset: ``results['label_map']``
    is not applied again). The maps are computed with ``np.unique`` and
    lookup tables over the segments (no loop over pixels):

    - ``gt_seg_map``: the class index of the segment of each pixel, 255 for
      unlabelled pixels and for categories mapped to 255;
    - ``gt_instance_map``: the segment id on the pixels of thing segments
      (class index in ``results['thing_label_ids']``), 0 elsewhere;
    - ``crowd_instance_ids``: the ids of the thing segments with
      ``iscrowd=1`` present in the PNG, read by
      :class:`PackPanopticSegInputs` (crowd regions are no instances of
      ``gt_instance_seg`` but crowd segments of ``gt_panoptic_seg``).
      ``iscrowd`` of a stuff segment is not used.

    A listed segment absent from the PNG is skipped. The PNG is checked to
    have the size of the original image (``results['ori_shape']``, else the
    shape of ``results['img']``), so the transform works before and after a
    ``Resize``, as ``LoadAnnotations`` does.

    Required Keys:

    - pan_map_path (str)
    - segments_info (list[dict])
    - cat_id_to_label (dict[int, int])
    - thing_label_ids (list[int])
    - ori_shape or img (for the size check)

    Added Keys:

    - gt_seg_map (np.uint8, (H, W))
    - gt_instance_map (np.int32, (H, W)): 0 = no instance.
    - crowd_instance_ids (list[int])
    - seg_fields (list): ``'gt_seg_map'`` and ``'gt_instance_map'`` are
      appended, so mmseg's geometric transforms move them with the image
      (nearest interpolation, ``'cv2'`` resize backend for int32 maps).

    Args:
        imdecode_backend (str): Backend of :func:`mmcv.imfrombytes`.
            Defaults to 'pillow', as mmseg's ``LoadAnnotations``.
        backend_args (dict, optional): Arguments of the file backend, see
            :mod:`mmengine.fileio`. Defaults to None.
    """
    #: Results key of the annotation file read by :meth:`transform`;
    #: subclasses for other formats override it with :attr:`FILE_KIND`,
    #: ``_decode_bytes`` and ``_decode_maps``.
    PATH_KEY = 'pan_map_path'
    #: What the annotation file is called in error messages.
    FILE_KIND = 'panoptic PNG'

    def __init__(self,
                 imdecode_backend: str = 'pillow',
                 backend_args: Optional[dict] = None) -> None:
        self.imdecode_backend = imdecode_backend
        self.backend_args = backend_args.copy() if backend_args else None

    def transform(self, results: dict) -> dict:
        """Load the semantic and instance maps of one sample.

        Args:
            results (dict): Result dict of the pipeline, see the class
                docstring for the keys read and written.

        Returns:
            dict: ``results`` with ``gt_seg_map``, ``gt_instance_map``,
            ``crowd_instance_ids`` and ``seg_fields`` updated.

        Raises:
            KeyError: If a required key is missing from ``results``.
            OSError: If the annotation file cannot be read or decoded.
            ValueError: If its size differs from the image's or it does not
                match the annotations.
        """
        name = type(self).__name__
        path = results.get(self.PATH_KEY)
        if path is None:
            raise KeyError(f'{name}: results has no {self.PATH_KEY!r} '
                           f"(sample {results.get('img_path')!r})")
        arr = self._read(path)
        self._check_size(results, arr, path)
        sem, inst, crowd = self._decode_maps(arr, results, path)
        results['gt_seg_map'] = sem
        results['gt_instance_map'] = inst
        results['crowd_instance_ids'] = crowd
        seg_fields = results.setdefault('seg_fields', [])
        for key in ('gt_seg_map', 'gt_instance_map'):
            if key not in seg_fields:
                seg_fields.append(key)
        return results

    def _decode_maps(self, arr: np.ndarray, results: dict,
                     path: str) -> Tuple[np.ndarray, np.ndarray, List[int]]:
        """Semantic map, instance map and crowd ids of a decoded PNG.

        Args:
            arr (np.ndarray): The PNG as an RGB array, (H, W, 3).
            results (dict): Result dict with the keys of the sample.
            path (str): The PNG path, for error messages.

        Returns:
            tuple: ``(gt_seg_map, gt_instance_map, crowd_instance_ids)``.

        Raises:
            KeyError: If ``segments_info``, ``cat_id_to_label`` or
                ``thing_label_ids`` is missing.
            ValueError: If a segment's ``category_id`` is not in
                ``cat_id_to_label``, a segment id is listed twice, or the
                PNG holds a non-zero id that is not listed.
        """
        name = type(self).__name__
        for key in ('segments_info', 'cat_id_to_label', 'thing_label_ids'):
            if results.get(key) is None:
                raise KeyError(
                    f'{name}: results has no {key!r} (sample '
                    f"{results.get('img_path')!r}); use a COCO-panoptic "
                    'dataset such as CocoPanopticSegDataset')
        cat_id_to_label = results['cat_id_to_label']
        things = set(
            _as_id_list(results['thing_label_ids'], name,
                        "results['thing_label_ids']"))
        segments = {}
        for seg in results['segments_info']:
            if seg['category_id'] not in cat_id_to_label:
                raise ValueError(
                    f'{name}: panoptic PNG {path!r}: segment {seg["id"]} '
                    f'has category_id {seg["category_id"]}, which is not a '
                    f'known category (known: {sorted(cat_id_to_label)})')
            if seg['id'] in segments:
                raise ValueError(f'{name}: panoptic PNG {path!r}: segment '
                                 f'id {seg["id"]} is listed twice')
            segments[seg['id']] = seg

        rgb = arr.astype(np.int64)
        ids = rgb[..., 0] + 256 * rgb[..., 1] + 256 * 256 * rgb[..., 2]
        present, inverse = np.unique(ids, return_inverse=True)
        labels = np.full(present.size, IGNORE_INDEX, dtype=np.uint8)
        inst_ids = np.zeros(present.size, dtype=INSTANCE_MAP_DTYPE)
        crowd = []
        for i, seg_id in enumerate(present.tolist()):
            if seg_id == 0:
                continue
            seg = segments.get(seg_id)
            if seg is None:
                raise ValueError(
                    f'{name}: panoptic PNG {path!r} holds segment id '
                    f'{seg_id} (RGB {seg_id % 256}, {seg_id // 256 % 256}, '
                    f'{seg_id // 65536}), which is not in its segments_info '
                    f'(ids {sorted(segments)})')
            label = int(cat_id_to_label[seg['category_id']])
            labels[i] = label
            if label in things:
                inst_ids[i] = seg_id
                if seg.get('iscrowd', 0):
                    crowd.append(seg_id)
        inverse = inverse.reshape(ids.shape)
        return labels[inverse], inst_ids[inverse], crowd

    def _read(self, path: str) -> np.ndarray:
        """Read ``path`` as an RGB array or raise naming it."""
        return read_image_file(path, f'{self.FILE_KIND} file',
                               type(self).__name__, self.backend_args,
                               self._decode_bytes)

    def _decode_bytes(self, content: bytes) -> Optional[np.ndarray]:
        """Decode the file content; RGB order for the segment ids."""
        return mmcv.imfrombytes(
            content,
            flag='color',
            channel_order='rgb',
            backend=self.imdecode_backend)

    def _check_size(self, results: dict, arr: np.ndarray, path: str) -> None:
        """Check that ``arr`` has the size of the original image."""
        check_map_size(results, arr, path, self.FILE_KIND,
                       type(self).__name__)

    def __repr__(self) -> str:
        return (f'{type(self).__name__}('
                f'imdecode_backend={self.imdecode_backend!r}, '
                f'backend_args={self.backend_args})')
