from .instance_grouping import assemble_panoptic, group_embeddings
from .restore import batch_metas, restore_to_ori_shape

__all__ = [
    'assemble_panoptic', 'batch_metas', 'group_embeddings',
    'restore_to_ori_shape'
]
