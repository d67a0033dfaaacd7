"""Evaluation metrics; importing this package registers them in
``mmseg.registry``."""
from .metrics import (FewShotIoUMetric, MaskAPMetric, PanopticQualityMetric,
                      pq_stats, summarize_pq)

__all__ = [
    'FewShotIoUMetric', 'MaskAPMetric', 'PanopticQualityMetric', 'pq_stats',
    'summarize_pq'
]
