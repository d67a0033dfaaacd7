from .instance_grouping import assemble_panoptic, group_embeddings

__all__ = ['assemble_panoptic', 'group_embeddings']
