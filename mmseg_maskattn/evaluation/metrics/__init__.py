"""Metrics; importing this package registers them in ``mmseg.registry``."""
from .mask_ap_metric import MaskAPMetric
from .panoptic_quality_metric import (PanopticQualityMetric, pq_stats,
                                      summarize_pq)

__all__ = ['MaskAPMetric', 'PanopticQualityMetric', 'pq_stats', 'summarize_pq']
