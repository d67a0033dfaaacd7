"""Evaluation metrics; importing this package registers them in
``mmseg.registry``."""
from .metrics import (BoundaryFScoreMetric, FewShotIoUMetric, MaskAPMetric,
                      PanopticQualityMetric, pq_stats, summarize_pq)

__all__ = [
    'BoundaryFScoreMetric', 'FewShotIoUMetric', 'MaskAPMetric',
    'PanopticQualityMetric', 'pq_stats', 'summarize_pq'
]
