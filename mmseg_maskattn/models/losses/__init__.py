from .instance_contrastive_loss import (InstanceContrastiveLoss,
                                        instance_contrastive_loss)

__all__ = ['InstanceContrastiveLoss', 'instance_contrastive_loss']
