"""Pack semantic, instance and panoptic ground truth into a SegDataSample."""
from typing import List, Optional, Sequence, Tuple

import numpy as np
import torch
from mmengine.structures import PixelData
from mmseg.datasets.transforms import PackSegInputs
from mmseg.registry import TRANSFORMS

from .load_instance_annotations import _as_id_list

__all__ = ['PackPanopticSegInputs']

DEFAULT_META_KEYS = ('img_path', 'seg_map_path', 'inst_map_path',
                     'pan_map_path', 'ori_shape', 'img_shape', 'pad_shape',
                     'scale_factor', 'flip', 'flip_direction',
                     'reduce_zero_label')


@TRANSFORMS.register_module()
class PackPanopticSegInputs(PackSegInputs):
    """Pack the inputs with semantic, instance and panoptic ground truth.

    The ground truth of MaskAttn-UNet (Cheng et al., "MaskAttn-UNet: A Mask
    Attention-Driven Framework for Universal Low-Resolution Image
    Segmentation", arXiv 2503.10686, https://arxiv.org/abs/2503.10686): one
    sample holds the three tasks. Put it last in the pipeline, after the
    geometric transforms. It packs everything :class:`PackSegInputs` packs
    (``inputs``, ``gt_sem_seg``, the meta keys) and adds to the
    :class:`~mmseg.structures.SegDataSample`:

    - ``gt_instance_seg``: ``PixelData(data=LongTensor (1, H, W))``. 0 is no
      instance (stuff, void, ignored pixels, crowd regions); the non-crowd
      instances left after the transforms are numbered ``1..K`` without
      gaps, in the order of their ids in ``gt_instance_map`` (an instance
      cropped away disappears). There is no ignore value in this map: an
      ignore value such as 255 could be a real instance index, so ignored
      pixels are 0 here and stay 255 in ``gt_sem_seg`` (and are void in
      ``gt_panoptic_seg``). Only pixels whose semantic class is a thing
      class keep their instance.
    - ``gt_panoptic_seg``: ``PixelData(sem_seg=LongTensor (1, H, W),
      metainfo=dict(segments_info=[...]))``, the ground-truth convention of
      :class:`~mmseg_maskattn.evaluation.PanopticQualityMetric`. Id 0 is
      void (pixels of ``ignore_index`` and thing pixels without an
      instance); instance ``k`` has id ``k`` (the same number as in
      ``gt_instance_seg``), the crowd regions present have ids ``K + 1 ..
      K + M`` (in the order of their ids in ``gt_instance_map``), and each
      stuff class present has one segment with id ``K + M + 1``,
      ``K + M + 2``, ... in increasing class order. Every segment is
      ``dict(id, category_id, iscrowd, area, isthing)`` where
      ``category_id`` is the semantic class id (the index in the data set's
      ``classes``, as the metric expects), ``area`` the pixel count and
      ``iscrowd`` 1 for the crowd regions, 0 otherwise.

    Crowd regions (COCO ``iscrowd=1`` segments, Cityscapes thing pixels
    without an instance index): ``results['crowd_instance_ids']``, optional,
    lists the ids of ``gt_instance_map`` that are crowd regions (set by
    :class:`LoadPanopticAnnotations` and
    :class:`LoadCityscapesPanopticAnnotations`). The ids follow the map
    through the geometric transforms unchanged (nearest interpolation), so
    the list needs no update; listed ids absent from the map (cropped away)
    or on pixels of a stuff class are ignored. A crowd region is not an
    instance to learn (0 in ``gt_instance_seg``) but keeps its semantic
    class in ``gt_sem_seg``, and is a crowd segment of the panoptic ground
    truth, which the metric neither matches nor counts as a false negative.

    All maps are computed with ``np.unique`` / ``np.bincount`` (no loop over
    pixels). An instance whose pixels have more than one semantic class
    raises a :class:`ValueError` naming the sample and the instance.

    Evaluation at the network input size (the MaskAttn-UNet protocol at
    128x128): mmseg's segmentors resize their predictions to
    ``ori_shape``, while the ground truth packed here has the size of the
    transformed image. With ``reset_ori_shape=True`` the packed
    ``ori_shape`` is the packed image size, so predictions and ground truth
    are compared at the input size (the size of the image file can still
    be read from ``img_path``). Pipelines that evaluate at the original size
    keep the default and load the ground truth after ``Resize``, as mmseg's
    configs do.

    Required Keys:

    - img, gt_seg_map, gt_instance_map (see
      :class:`LoadInstanceAnnotations`, :class:`LoadPanopticAnnotations`)
    - thing_label_ids (unless given as argument)
    - crowd_instance_ids (optional, list of int)

    Args:
        thing_label_ids (Sequence[int], optional): Semantic class ids of the
            thing classes. If None, taken from
            ``results['thing_label_ids']`` (set by the panoptic datasets).
            Defaults to None.
        ignore_index (int): Semantic id of ignored pixels; void in the
            panoptic map. Defaults to 255.
        reset_ori_shape (bool): Whether to set the packed ``ori_shape`` to
            the shape of the packed image (see above). Defaults to False.
        meta_keys (Sequence[str]): Meta keys packed, as in
            ``PackSegInputs``, plus ``'inst_map_path'`` and
            ``'pan_map_path'``.
    """

    def __init__(self,
                 thing_label_ids: Optional[Sequence[int]] = None,
                 ignore_index: int = 255,
                 reset_ori_shape: bool = False,
                 meta_keys: Sequence[str] = DEFAULT_META_KEYS) -> None:
        super().__init__(meta_keys=meta_keys)
        self.thing_label_ids = (None
                                if thing_label_ids is None else _as_id_list(
                                    thing_label_ids,
                                    type(self).__name__, 'thing_label_ids'))
        self.ignore_index = int(ignore_index)
        self.reset_ori_shape = bool(reset_ori_shape)

    def transform(self, results: dict) -> dict:
        """Pack one sample.

        Args:
            results (dict): Result dict of the pipeline.

        Returns:
            dict: ``inputs`` (image tensor) and ``data_samples`` (a
            ``SegDataSample`` with ``gt_sem_seg``, ``gt_instance_seg`` and
            ``gt_panoptic_seg``).

        Raises:
            KeyError: If the maps or the thing class ids are missing.
            TypeError: If ``crowd_instance_ids`` is not a sequence of ints.
            ValueError: If the maps disagree in shape or an instance (or a
                crowd region) has more than one semantic class.
        """
        name = type(self).__name__
        where = results.get('img_path')
        for key in ('gt_seg_map', 'gt_instance_map'):
            if results.get(key) is None:
                raise KeyError(f'{name}: results has no {key!r} (sample '
                               f'{where!r}); load the ground truth with '
                               'LoadInstanceAnnotations')
        thing_ids = self.thing_label_ids
        if thing_ids is None:
            if results.get('thing_label_ids') is None:
                raise KeyError(
                    f"{name}: no thing class ids: pass thing_label_ids= or "
                    "use a dataset that sets results['thing_label_ids'] "
                    f'(sample {where!r})')
            thing_ids = _as_id_list(results['thing_label_ids'], name,
                                    "results['thing_label_ids']")
        sem = np.asarray(results['gt_seg_map'])
        inst = np.asarray(results['gt_instance_map'])
        if sem.shape != inst.shape or sem.ndim != 2:
            raise ValueError(
                f"{name}: gt_seg_map {sem.shape} and gt_instance_map "
                f'{inst.shape} must be 2-D maps of the same shape (sample '
                f'{where!r})')
        crowd_ids = results.get('crowd_instance_ids')
        crowd_ids = [] if crowd_ids is None else _as_id_list(
            crowd_ids, name, "results['crowd_instance_ids']")

        packed = super().transform(results)
        inst_index, pan, segments = _panoptic_targets(
            sem, inst, thing_ids, crowd_ids, self.ignore_index,
            f'{name}: sample {where!r}')
        data_sample = packed['data_samples']
        data_sample.gt_instance_seg = PixelData(
            data=torch.from_numpy(inst_index[None]))
        data_sample.gt_panoptic_seg = PixelData(
            sem_seg=torch.from_numpy(pan[None]),
            metainfo=dict(segments_info=segments))
        if self.reset_ori_shape and 'img' in results:
            data_sample.set_metainfo(
                dict(ori_shape=tuple(results['img'].shape[:2])))
        return packed

    def __repr__(self) -> str:
        return (f'{type(self).__name__}('
                f'thing_label_ids={self.thing_label_ids}, '
                f'ignore_index={self.ignore_index}, '
                f'reset_ori_shape={self.reset_ori_shape}, '
                f'meta_keys={self.meta_keys})')


def _panoptic_targets(sem: np.ndarray, inst: np.ndarray,
                      thing_ids: Sequence[int], crowd_ids: Sequence[int],
                      ignore_index: int,
                      where: str) -> Tuple[np.ndarray, np.ndarray, List[dict]]:
    """Consecutive instance indices, panoptic ids and segments_info.

    Args:
        sem (np.ndarray): Semantic class ids, (H, W).
        inst (np.ndarray): Instance ids, (H, W), 0 = no instance.
        thing_ids (Sequence[int]): Semantic ids of the thing classes.
        crowd_ids (Sequence[int]): Ids of ``inst`` that are crowd regions.
        ignore_index (int): Semantic id of ignored pixels.
        where (str): Prefix of error messages.

    Returns:
        tuple: ``(inst_index, pan, segments_info)``, the two maps int64 of
        shape (H, W).
    """
    shape = sem.shape
    sem = sem.reshape(-1).astype(np.int64)
    inst = inst.reshape(-1).astype(np.int64)
    is_thing = np.isin(sem, np.asarray(thing_ids, dtype=np.int64))
    on_thing = is_thing & (inst > 0)
    is_crowd = on_thing & np.isin(inst, np.asarray(crowd_ids, dtype=np.int64))

    # Thing segments 1..K+M: sorting the keys puts the K instances (ids
    # below ``offset``) before the M crowd regions (shifted by ``offset``).
    offset = int(inst.max()) + 1 if inst.size else 1
    keys = np.where(on_thing, inst + offset * is_crowd, 0)
    ids, inverse = np.unique(keys, return_inverse=True)
    inverse = inverse.reshape(-1)
    if ids.size and ids[0] == 0:
        seg_index, old_ids = inverse, ids[1:]
    else:
        seg_index, old_ids = inverse + 1, ids
    num_things = old_ids.size
    num_inst = int(np.count_nonzero(old_ids < offset))
    old_ids = np.where(old_ids < offset, old_ids, old_ids - offset)

    # Semantic class of each thing segment: one (segment, class) pair each.
    on_seg = seg_index > 0
    num_classes = int(sem.max()) + 1 if sem.size else 1
    pairs = np.unique(seg_index[on_seg] * num_classes + sem[on_seg])
    pair_seg = pairs // num_classes
    if pair_seg.size != num_things:
        k = int(pair_seg[np.flatnonzero(np.diff(pair_seg) == 0)[0]])
        classes = (pairs[pair_seg == k] % num_classes).tolist()
        kind = 'instance' if k <= num_inst else 'crowd region'
        raise ValueError(f'{where}: {kind} id {int(old_ids[k - 1])} has '
                         f'pixels of several semantic classes {classes}')
    seg_cats = pairs % num_classes

    # One segment per stuff class present, ids after the thing segments.
    pan = seg_index.copy()
    stuff = ~is_thing & (sem != ignore_index)
    stuff_cats, stuff_inverse = np.unique(sem[stuff], return_inverse=True)
    pan[stuff] = num_things + 1 + stuff_inverse.reshape(-1)
    areas = np.bincount(pan, minlength=num_things + stuff_cats.size + 1)
    inst_index = np.where(seg_index <= num_inst, seg_index, 0)

    segments = [
        dict(
            id=k,
            category_id=int(seg_cats[k - 1]),
            iscrowd=int(k > num_inst),
            area=int(areas[k]),
            isthing=1) for k in range(1, num_things + 1)
    ]
    segments += [
        dict(
            id=num_things + 1 + i,
            category_id=int(cat),
            iscrowd=0,
            area=int(areas[num_things + 1 + i]),
            isthing=0) for i, cat in enumerate(stuff_cats)
    ]
    return inst_index.reshape(shape), pan.reshape(shape), segments
