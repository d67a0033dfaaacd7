"""Evaluation metrics; importing this package registers them in
``mmseg.registry``."""
from .metrics import (MaskAPMetric, PanopticQualityMetric, pq_stats,
                      summarize_pq)

__all__ = ['MaskAPMetric', 'PanopticQualityMetric', 'pq_stats', 'summarize_pq']
