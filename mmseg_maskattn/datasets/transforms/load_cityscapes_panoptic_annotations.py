"""Load the panoptic ground truth of a Cityscapes ``instanceIds`` PNG."""
from typing import List, Optional, Tuple

import mmcv
import numpy as np
from mmseg.registry import TRANSFORMS

from ...utils import IGNORE_INDEX
from .load_instance_annotations import INSTANCE_MAP_DTYPE, _as_id_list
from .load_panoptic_annotations import LoadPanopticAnnotations

__all__ = ['CITYSCAPES_LABEL_TO_TRAIN_ID', 'LoadCityscapesPanopticAnnotations']

#: Cityscapes ``labelId`` -> ``trainId`` of the 19 evaluated classes (the
#: ``labels`` table of cityscapesScripts); every other labelId is ignored
#: (255), including the instance classes caravan (29) and trailer (30).
CITYSCAPES_LABEL_TO_TRAIN_ID = {
    7: 0,  # road
    8: 1,  # sidewalk
    11: 2,  # building
    12: 3,  # wall
    13: 4,  # fence
    17: 5,  # pole
    19: 6,  # traffic light
    20: 7,  # traffic sign
    21: 8,  # vegetation
    22: 9,  # terrain
    23: 10,  # sky
    24: 11,  # person
    25: 12,  # rider
    26: 13,  # car
    27: 14,  # truck
    28: 15,  # bus
    31: 16,  # train
    32: 17,  # motorcycle
    33: 18,  # bicycle
}
#: Values of ``instanceIds`` at or above this hold ``labelId * 1000 + k``.
INSTANCE_ID_DIVISOR = 1000


@TRANSFORMS.register_module()
class LoadCityscapesPanopticAnnotations(LoadPanopticAnnotations):
    """Load a Cityscapes ``*_gtFine_instanceIds.png`` as panoptic maps.

    Ground-truth loader of the Cityscapes panoptic pipeline of
    MaskAttn-UNet (Cheng et al., arXiv 2503.10686,
    https://arxiv.org/abs/2503.10686) for
    :class:`~mmseg_maskattn.datasets.CityscapesPanopticSegDataset`
    (Cordts et al., "The Cityscapes Dataset for Semantic Urban Scene
    Understanding", CVPR 2016, https://www.cityscapes-dataset.com). It
    produces the same keys as :class:`LoadPanopticAnnotations` and is
    followed by the same transforms and :class:`PackPanopticSegInputs`.

    The file ``results['inst_map_path']`` is a single-channel 16-bit PNG
    (read unchanged): a value ``v < 1000`` is the Cityscapes ``labelId`` of
    a stuff region or of a thing region without instance (a crowd "group"),
    ``v >= 1000`` is ``labelId * 1000 + k``, instance ``k`` of a thing
    class. The maps are computed with lookup tables (no loop over pixels):

    - ``gt_seg_map``: the ``trainId`` of the labelId
      (:data:`CITYSCAPES_LABEL_TO_TRAIN_ID`, 255 for the other labelIds),
      then ``results['label_map']`` when the data set selects a subset of
      the classes;
    - ``gt_instance_map``: ``v`` on the pixels of thing classes
      (``results['thing_label_ids']``), 0 elsewhere; instances keep their
      ``labelId * 1000 + k`` id, the crowd region of a thing class has the
      id ``labelId``;
    - ``crowd_instance_ids``: the ids ``v < 1000`` of thing pixels present,
      one crowd region per thing class.

    The map is checked to have the size of the original image, as in
    :class:`LoadPanopticAnnotations`.

    Required Keys:

    - inst_map_path (str)
    - thing_label_ids (list[int])
    - label_map (dict, optional)
    - ori_shape or img (for the size check)

    Added Keys:

    - gt_seg_map (np.uint8, (H, W))
    - gt_instance_map (np.int32, (H, W)): 0 = no instance.
    - crowd_instance_ids (list[int])
    - seg_fields (list): both maps are appended.

    Args:
        imdecode_backend (str): Backend of :func:`mmcv.imfrombytes`.
            Defaults to 'pillow'.
        backend_args (dict, optional): Arguments of the file backend, see
            :mod:`mmengine.fileio`. Defaults to None.
    """
    PATH_KEY = 'inst_map_path'
    FILE_KIND = 'instance map'

    def _decode_bytes(self, content: bytes) -> Optional[np.ndarray]:
        """Decode the file content unchanged (16-bit ids stay 16-bit)."""
        return mmcv.imfrombytes(
            content, flag='unchanged', backend=self.imdecode_backend)

    def _decode_maps(self, arr: np.ndarray, results: dict,
                     path: str) -> Tuple[np.ndarray, np.ndarray, List[int]]:
        """Semantic map, instance map and crowd ids of an instanceIds map.

        Args:
            arr (np.ndarray): The decoded ``instanceIds`` PNG, (H, W).
            results (dict): Result dict with the keys of the sample.
            path (str): The file path, for error messages.

        Returns:
            tuple: ``(gt_seg_map, gt_instance_map, crowd_instance_ids)``.

        Raises:
            KeyError: If ``thing_label_ids`` is missing.
            ValueError: If the map is not a single-channel map of
                non-negative integer ids.
        """
        name = type(self).__name__
        if results.get('thing_label_ids') is None:
            raise KeyError(f"{name}: results has no 'thing_label_ids' (sample "
                           f"{results.get('img_path')!r}); use "
                           'CityscapesPanopticSegDataset')
        thing_ids = _as_id_list(results['thing_label_ids'], name,
                                "results['thing_label_ids']")
        if arr.ndim == 3 and arr.shape[2] == 1:
            arr = arr[..., 0]
        if arr.ndim != 2 or not np.issubdtype(arr.dtype, np.integer):
            raise ValueError(
                f'{name}: instance map {path!r} must be a single-channel '
                f'integer image, got shape {arr.shape} and dtype {arr.dtype}')
        if arr.size and (int(arr.min()) < 0
                         or int(arr.max()) > np.iinfo(INSTANCE_MAP_DTYPE).max):
            raise ValueError(
                f'{name}: instance map {path!r} holds ids outside '
                f'[0, {np.iinfo(INSTANCE_MAP_DTYPE).max}]')
        ids = arr.astype(INSTANCE_MAP_DTYPE)
        label_ids = np.where(ids >= INSTANCE_ID_DIVISOR,
                             ids // INSTANCE_ID_DIVISOR, ids)

        # labelId -> trainId -> label of the selected classes.
        to_label = np.arange(256, dtype=np.uint8)
        for old_id, new_id in (results.get('label_map') or {}).items():
            to_label[old_id] = new_id
        lut = np.full(
            max(int(label_ids.max()) + 1 if ids.size else 0, 256),
            IGNORE_INDEX,
            dtype=np.uint8)
        for label_id, train_id in CITYSCAPES_LABEL_TO_TRAIN_ID.items():
            lut[label_id] = to_label[train_id]
        sem = lut[label_ids]

        is_thing = np.isin(sem, np.asarray(thing_ids, dtype=np.int64))
        inst = np.where(is_thing, ids, 0).astype(INSTANCE_MAP_DTYPE)
        crowd = np.unique(inst[is_thing & (ids < INSTANCE_ID_DIVISOR)])
        return sem, inst, crowd.tolist()
