"""mmseg_maskattn: attention-driven segmentation methods for MMSegmentation.

Importing this package registers every module (backbones, heads, layers,
datasets, metrics and engine hooks) into the OpenMMLab registries of
``mmseg`` so that configs can refer to them by type name, and lets configs
inherit ``mmseg_maskattn::<method>/<config>.py`` from an installed wheel
(:mod:`.config_scope`).
"""
from . import datasets, engine, evaluation, models, registry  # noqa: F401
from .config_scope import register_config_scope
from .version import __version__

register_config_scope()

__all__ = [
    '__version__', 'datasets', 'engine', 'evaluation', 'models', 'registry'
]
