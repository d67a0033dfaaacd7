"""Metrics; importing this package registers them in ``mmseg.registry``."""
from .panoptic_quality_metric import (PanopticQualityMetric, pq_stats,
                                      summarize_pq)

__all__ = ['PanopticQualityMetric', 'pq_stats', 'summarize_pq']
