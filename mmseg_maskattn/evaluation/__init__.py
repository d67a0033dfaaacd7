"""Evaluation metrics; importing this package registers them in
``mmseg.registry``."""
from .metrics import PanopticQualityMetric, pq_stats, summarize_pq

__all__ = ['PanopticQualityMetric', 'pq_stats', 'summarize_pq']
