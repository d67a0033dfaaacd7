from .correlation_distillation_loss import (CorrelationDistillationLoss,
                                            correlation_distillation_loss)
from .instance_contrastive_loss import (InstanceContrastiveLoss,
                                        instance_contrastive_loss)

__all__ = [
    'CorrelationDistillationLoss', 'InstanceContrastiveLoss',
    'correlation_distillation_loss', 'instance_contrastive_loss'
]
