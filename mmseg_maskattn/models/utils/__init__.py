from .few_shot_ops import gram_distance, masked_average_pooling, prior_map
from .instance_grouping import (component_instances, group_embeddings,
                                group_things)
from .lvt_checkpoint import is_official_lvt_key, lvt_convert
from .panoptic_utils import (assemble_panoptic, check_thing_classes,
                             pack_panoptic)
from .restore import batch_metas, restore_to_ori_shape

__all__ = [
    'assemble_panoptic', 'batch_metas', 'check_thing_classes',
    'component_instances', 'gram_distance', 'group_embeddings',
    'group_things', 'is_official_lvt_key', 'lvt_convert',
    'masked_average_pooling', 'pack_panoptic', 'prior_map',
    'restore_to_ori_shape'
]
