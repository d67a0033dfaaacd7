"""Metrics; importing this package registers them in ``mmseg.registry``."""
from .boundary_fscore_metric import BoundaryFScoreMetric
from .few_shot_iou_metric import FewShotIoUMetric
from .mask_ap_metric import MaskAPMetric
from .panoptic_quality_metric import (PanopticQualityMetric, pq_stats,
                                      summarize_pq)

__all__ = [
    'BoundaryFScoreMetric', 'FewShotIoUMetric', 'MaskAPMetric',
    'PanopticQualityMetric', 'pq_stats', 'summarize_pq'
]
