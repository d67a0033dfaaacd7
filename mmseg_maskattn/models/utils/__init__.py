from .instance_grouping import (assemble_panoptic, component_instances,
                                group_embeddings, group_things)
from .restore import batch_metas, restore_to_ori_shape

__all__ = [
    'assemble_panoptic', 'batch_metas', 'component_instances',
    'group_embeddings', 'group_things', 'restore_to_ori_shape'
]
