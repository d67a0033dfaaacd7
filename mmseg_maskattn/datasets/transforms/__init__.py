"""Data transforms; importing this package registers them."""
from .check_seg_map import CheckSegMap
from .load_cityscapes_panoptic_annotations import \
    LoadCityscapesPanopticAnnotations
from .load_instance_annotations import LoadInstanceAnnotations
from .load_panoptic_annotations import LoadPanopticAnnotations
from .pack_panoptic_seg_inputs import PackPanopticSegInputs
from .pad_seg_fields import PadSegFields

__all__ = [
    'CheckSegMap', 'LoadCityscapesPanopticAnnotations', 'LoadInstanceAnnotations',
    'LoadPanopticAnnotations', 'PackPanopticSegInputs', 'PadSegFields'
]
