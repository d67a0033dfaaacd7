"""Panoptic data transforms; importing this package registers them."""
from .load_instance_annotations import LoadInstanceAnnotations
from .pack_panoptic_seg_inputs import PackPanopticSegInputs
from .pad_seg_fields import PadSegFields

__all__ = ['LoadInstanceAnnotations', 'PackPanopticSegInputs', 'PadSegFields']
