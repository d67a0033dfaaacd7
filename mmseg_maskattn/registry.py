"""Registries of the ``mmseg_maskattn`` scope.

mmengine gives every config inherited as ``mmseg_maskattn::<config>.py`` the
scope ``mmseg_maskattn`` (``_scope_``), as it does for ``mmdet::`` configs.
The package registers its modules in mmseg's registries; these child
registries (one per registry of :mod:`mmseg.registry`, same names) give the
scope a home whose lookups fall through to mmseg and mmengine, so that such
configs build exactly as the same configs loaded from a checkout.
"""
import mmseg.registry as _mmseg_registry
from mmengine.registry import Registry

SCOPE = 'mmseg_maskattn'

__all__ = ['SCOPE'] + list(_mmseg_registry.__all__)


def _child(parent: Registry) -> Registry:
    # a lookup falls through to the parent's module table without importing
    # the parent's lazy locations: import them, and this package (whose
    # import registers every module of it in mmseg's registries)
    return Registry(
        parent.name,
        parent=parent,
        scope=SCOPE,
        locations=list(parent._locations) + [SCOPE])


HOOKS = _child(_mmseg_registry.HOOKS)
DATASETS = _child(_mmseg_registry.DATASETS)
DATA_SAMPLERS = _child(_mmseg_registry.DATA_SAMPLERS)
TRANSFORMS = _child(_mmseg_registry.TRANSFORMS)
MODELS = _child(_mmseg_registry.MODELS)
WEIGHT_INITIALIZERS = _child(_mmseg_registry.WEIGHT_INITIALIZERS)
OPTIMIZERS = _child(_mmseg_registry.OPTIMIZERS)
OPTIM_WRAPPER_CONSTRUCTORS = _child(
    _mmseg_registry.OPTIM_WRAPPER_CONSTRUCTORS)
TASK_UTILS = _child(_mmseg_registry.TASK_UTILS)
PARAM_SCHEDULERS = _child(_mmseg_registry.PARAM_SCHEDULERS)
METRICS = _child(_mmseg_registry.METRICS)
MODEL_WRAPPERS = _child(_mmseg_registry.MODEL_WRAPPERS)
VISBACKENDS = _child(_mmseg_registry.VISBACKENDS)
VISUALIZERS = _child(_mmseg_registry.VISUALIZERS)
RUNNERS = _child(_mmseg_registry.RUNNERS)
RUNNER_CONSTRUCTORS = _child(_mmseg_registry.RUNNER_CONSTRUCTORS)
LOOPS = _child(_mmseg_registry.LOOPS)
EVALUATOR = _child(_mmseg_registry.EVALUATOR)
LOG_PROCESSORS = _child(_mmseg_registry.LOG_PROCESSORS)
OPTIM_WRAPPERS = _child(_mmseg_registry.OPTIM_WRAPPERS)
INFERENCERS = _child(_mmseg_registry.INFERENCERS)
