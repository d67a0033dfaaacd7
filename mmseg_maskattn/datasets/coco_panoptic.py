"""COCO panoptic 2017 (json + PNGs) with panoptic reading."""
import os.path as osp
from typing import Any, Dict, List

import mmengine
from mmdet.datasets import CocoPanopticDataset as MMDetCocoPanopticDataset
from mmseg.registry import DATASETS

from .checked_seg_dataset import CheckedSegDataset
from .panoptic_metainfo import PanopticMetainfoMixin

__all__ = ['CocoPanopticSegDataset']


@DATASETS.register_module()
class CocoPanopticSegDataset(PanopticMetainfoMixin, CheckedSegDataset):
    """COCO panoptic 2017 with semantic, instance and panoptic ground truth.

    A data set of MaskAttn-UNet (Cheng et al., "MaskAttn-UNet: A Mask
    Attention-Driven Framework for Universal Low-Resolution Image
    Segmentation", arXiv 2503.10686, https://arxiv.org/abs/2503.10686):
    COCO panoptic (Kirillov et al., "Panoptic Segmentation", CVPR 2019,
    https://cocodataset.org/#panoptic-2017), 133 categories, 80 things and
    53 stuff, in the order of mmdet's ``CocoPanopticDataset`` (things
    first). Layout under ``data_root``::

        data/coco
        ├── train2017/*.jpg, val2017/*.jpg
        └── annotations
            ├── panoptic_train2017.json, panoptic_val2017.json
            └── panoptic_train2017/*.png, panoptic_val2017/*.png

    with ``ann_file='annotations/panoptic_{split}2017.json'`` and
    ``data_prefix=dict(img_path='{split}2017',
    pan_map_path='annotations/panoptic_{split}2017')``. The json holds
    ``images`` (``id``, ``file_name``), ``annotations`` (one per image:
    ``image_id``, ``file_name`` of the PNG, ``segments_info`` with ``id``,
    ``category_id``, ``iscrowd``) and ``categories`` (``id``, ``name``,
    ``isthing``). Read the samples with
    :class:`~mmseg_maskattn.datasets.transforms.LoadPanopticAnnotations`.

    Categories: the json category ids are mapped to class indices by name
    (:meth:`_category_labels`; subclasses may map otherwise), and each
    json ``isthing`` flag must agree with ``thing_classes``. When
    ``metainfo=dict(classes=...)`` selects a subset, the other categories
    get the label 255 (ignored, void in the panoptic ground truth) and
    ``thing_classes`` / ``stuff_classes`` are restricted to the subset.

    Each data info holds ``img_path``, ``pan_map_path`` (the PNG named by
    the annotation, with extension ``.png``), ``seg_map_path=None``,
    ``segments_info`` (``id``, ``category_id``, ``iscrowd`` of each
    segment), ``cat_id_to_label`` (json category id -> class index of the
    categories of the sample, the class subset already applied),
    ``thing_label_ids`` (class indices of the thing classes),
    ``label_map`` and ``reduce_zero_label`` (as mmseg sets them; the loader
    does not apply ``label_map`` again) and ``seg_fields=[]``. The samples
    follow the order of the json's annotations.

    Checks at construction: a missing ``data_root``, folder or ``ann_file``,
    or a missing image or PNG of an annotation raises a
    :class:`FileNotFoundError` naming the path; a json that is not a COCO
    panoptic json, a category name not among the classes, an ``isthing``
    flag that disagrees with ``thing_classes``, an annotation of an image
    id not in ``images``, a segment of an unknown category id or a segment
    id listed twice in one image raise a :class:`ValueError` naming the
    file, the image and the id. At load time an unreadable image or PNG is
    named (see :attr:`FILE_KEYS`).

    Args:
        ann_file (str): The panoptic json, relative to ``data_root``.
        data_prefix (dict): Folders below ``data_root``: ``img_path`` (the
            images) and ``pan_map_path`` (the PNGs).
        reduce_zero_label (bool): Must stay False: every category is a
            class. Defaults to False.
        **kwargs: Other arguments of :class:`CheckedSegDataset` /
            ``BaseSegDataset`` (``data_root``, ``metainfo``, ``pipeline``,
            ...).
    """
    METAINFO = dict(
        classes=MMDetCocoPanopticDataset.METAINFO['classes'],
        thing_classes=MMDetCocoPanopticDataset.METAINFO['thing_classes'],
        stuff_classes=MMDetCocoPanopticDataset.METAINFO['stuff_classes'],
        palette=MMDetCocoPanopticDataset.METAINFO['palette'])
    FILE_KEYS = (('img_path', 'image'), ('pan_map_path', 'panoptic PNG'))

    def __init__(self,
                 ann_file: str,
                 data_prefix: dict,
                 reduce_zero_label: bool = False,
                 **kwargs) -> None:
        self._check_label_zero_kept(reduce_zero_label,
                                    'every category is a class')
        if not ann_file:
            raise ValueError(f'{type(self).__name__}: ann_file (the panoptic '
                             'json) must be given')
        self._check_data_prefix(
            data_prefix, ('img_path', 'pan_map_path'),
            "dict(img_path='val2017', "
            "pan_map_path='annotations/panoptic_val2017')")
        super().__init__(
            ann_file=ann_file,
            data_prefix=data_prefix,
            reduce_zero_label=reduce_zero_label,
            **kwargs)

    def load_data_list(self) -> List[dict]:
        """Check the files, read the json and list one sample per image.

        Returns:
            list[dict]: The data infos, see the class docstring.

        Raises:
            FileNotFoundError: If a folder, ``ann_file``, an image or a PNG
                is missing.
            ValueError: If the json does not fit the classes or is
                inconsistent (see the class docstring).
        """
        if self.data_root:
            self._check_dir(self.data_root, 'data_root')
        img_dir = self.data_prefix['img_path']
        pan_dir = self.data_prefix['pan_map_path']
        self._check_dir(img_dir, "image folder (data_prefix['img_path'])")
        self._check_dir(pan_dir,
                        "panoptic PNG folder (data_prefix['pan_map_path'])")
        self._check_file(self.ann_file, 'ann_file')
        content = self._load_json()

        full_labels = self._category_labels(content['categories'])
        label_map = self.label_map or {}
        cat_id_to_label = {
            cat_id: label_map.get(label, label)
            for cat_id, label in full_labels.items()
        }
        classes = self._metainfo['classes']
        thing_ids = [classes.index(c) for c in self._metainfo['thing_classes']]
        images = {image['id']: image for image in content['images']}

        data_list = []
        for ann in content['annotations']:
            image = images.get(ann['image_id'])
            if image is None:
                raise ValueError(
                    f'{type(self).__name__}: ann_file {self.ann_file!r}: '
                    f'annotation {ann["file_name"]!r} is of image id '
                    f'{ann["image_id"]!r}, which is not in its images')
            segments = self._segments(ann, full_labels)
            img_path = osp.join(img_dir, image['file_name'])
            pan_path = osp.join(pan_dir,
                                osp.splitext(ann['file_name'])[0] + '.png')
            self._check_file(img_path, 'image file')
            self._check_file(pan_path, f'panoptic PNG of image {img_path!r}')
            data_list.append(
                dict(
                    img_path=img_path,
                    pan_map_path=pan_path,
                    seg_map_path=None,
                    segments_info=segments,
                    cat_id_to_label={
                        seg['category_id']: cat_id_to_label[seg['category_id']]
                        for seg in segments
                    },
                    thing_label_ids=list(thing_ids),
                    label_map=self.label_map,
                    reduce_zero_label=self.reduce_zero_label,
                    seg_fields=[]))
        if not data_list:
            raise ValueError(f'{type(self).__name__}: ann_file '
                             f'{self.ann_file!r} holds no annotations')
        return data_list

    def _load_json(self) -> Dict[str, Any]:
        """Read ``ann_file`` and check its top-level structure."""
        name = type(self).__name__
        try:
            content = mmengine.load(
                self.ann_file,
                file_format='json',
                backend_args=self.backend_args)
        except ValueError as err:  # json.JSONDecodeError
            raise ValueError(f'{name}: ann_file {self.ann_file!r} is not '
                             f'valid json: {err}') from err
        keys = ('images', 'annotations', 'categories')
        if not isinstance(content, dict) or any(
                not isinstance(content.get(key), list) for key in keys):
            raise ValueError(
                f'{name}: ann_file {self.ann_file!r} is not a COCO panoptic '
                f'json: it needs the lists {keys}')
        return content

    def _category_labels(self, categories: List[dict]) -> Dict[int, int]:
        """Map the json categories to the class indices of ``METAINFO``.

        COCO: by name. Every json category must be a class, and its
        ``isthing`` flag must agree with ``METAINFO['thing_classes']``.

        Args:
            categories (list[dict]): The ``categories`` of the json.

        Returns:
            dict[int, int]: json category id -> index in
            ``METAINFO['classes']`` (before a class subset is applied).

        Raises:
            ValueError: If a category name is not a class, or an ``isthing``
                flag disagrees.
        """
        classes = [c.strip() for c in self.METAINFO['classes']]
        labels = {}
        for cat in categories:
            name = cat['name'].strip()
            if name not in classes:
                raise ValueError(
                    f'{type(self).__name__}: ann_file {self.ann_file!r}: '
                    f'category {name!r} (id {cat["id"]}) is not a class of '
                    'the dataset')
            labels[cat['id']] = classes.index(name)
            self._check_isthing(cat, labels[cat['id']])
        return labels

    def _check_isthing(self, category: dict, label: int) -> None:
        """Check that the json ``isthing`` flag agrees with METAINFO."""
        class_name = self.METAINFO['classes'][label]
        is_thing = class_name in self.METAINFO['thing_classes']
        if bool(category.get('isthing')) != is_thing:
            raise ValueError(
                f'{type(self).__name__}: ann_file {self.ann_file!r}: '
                f'category {category["name"]!r} (id {category["id"]}) has '
                f'isthing={category.get("isthing")}, but class '
                f'{class_name!r} is a {"thing" if is_thing else "stuff"} '
                'class of the dataset')

    def _segments(self, ann: dict, labels: Dict[int, int]) -> List[dict]:
        """Check and copy the segments of one annotation."""
        name = type(self).__name__
        segments, seen = [], set()
        for seg in ann['segments_info']:
            where = (f'{name}: ann_file {self.ann_file!r}, image '
                     f'{ann["image_id"]!r} ({ann["file_name"]!r}): segment '
                     f'{seg["id"]}')
            if seg['category_id'] not in labels:
                raise ValueError(
                    f'{where} has category_id {seg["category_id"]}, which is '
                    'not in the categories of the json')
            if seg['id'] in seen:
                raise ValueError(f'{where} is listed twice')
            seen.add(seg['id'])
            segments.append(
                dict(
                    id=seg['id'],
                    category_id=seg['category_id'],
                    iscrowd=int(seg.get('iscrowd', 0))))
        return segments
