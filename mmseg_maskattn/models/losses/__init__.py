from .correlation_distillation_loss import (CorrelationDistillationLoss,
                                            correlation_distillation_loss)
from .dual_task_loss import DualTaskLoss, dual_task_loss, gradient_magnitude
from .edge_attention_loss import EdgeAttentionLoss, edge_attention_loss
from .instance_contrastive_loss import (InstanceContrastiveLoss,
                                        instance_contrastive_loss)

__all__ = [
    'CorrelationDistillationLoss', 'DualTaskLoss', 'EdgeAttentionLoss',
    'InstanceContrastiveLoss', 'correlation_distillation_loss',
    'dual_task_loss', 'edge_attention_loss', 'gradient_magnitude',
    'instance_contrastive_loss'
]
