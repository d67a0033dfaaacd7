"""Reading the inputs of the panoptic metrics.

Shared by :class:`~.PanopticQualityMetric` and :class:`~.MaskAPMetric`:
fields of a data sample (a ``SegDataSample`` or the dict mmengine's
evaluator makes of it), id maps and masks as numpy arrays, and the thing
classes of ``dataset_meta``. Every error names the offending key.
"""
from collections.abc import Mapping
from typing import Any, Optional, Tuple

import numpy as np
from mmengine.structures import BaseDataElement

__all__ = ['sample_field', 'to_numpy', 'id_map', 'class_thing_flags']


def sample_field(container: Any, key: str, where: str) -> Any:
    """``container[key]`` for a dict or a data element, or a clear error.

    Args:
        container (Any): A dict or a data element.
        key (str): The field to read.
        where (str): How errors name ``container``.

    Returns:
        Any: The value of the field.

    Raises:
        TypeError: If ``container`` is neither a dict nor a data element.
        KeyError: If it has no ``key``.
    """
    if isinstance(container, Mapping):
        if key in container:
            return container[key]
    elif isinstance(container, BaseDataElement):
        if key in container:
            return container.get(key)
    else:
        raise TypeError(f'{where} must be a dict or a data element, got '
                        f'{type(container).__name__}')
    raise KeyError(f'{where} has no {key!r}')


def to_numpy(value: Any) -> np.ndarray:
    """A tensor (without importing torch) or array-like as numpy.

    Args:
        value (Any): A ``torch.Tensor`` (on any device) or an array-like.

    Returns:
        np.ndarray: The values.
    """
    if hasattr(value, 'detach'):
        value = value.detach().cpu().numpy()
    return np.asarray(value)


def id_map(value: Any, where: str) -> np.ndarray:
    """A (1, H, W) or (H, W) tensor or array as an (H, W) numpy array.

    Args:
        value (Any): The map, a tensor or an array-like.
        where (str): How errors name the map.

    Returns:
        np.ndarray: The (H, W) map.

    Raises:
        ValueError: If the map has another shape.
    """
    arr = to_numpy(value)
    if arr.ndim == 3 and arr.shape[0] == 1:
        arr = arr[0]
    if arr.ndim != 2:
        raise ValueError(f'{where} must have shape (H, W) or (1, H, W), got '
                         f'{tuple(arr.shape)}')
    return arr


def class_thing_flags(meta: Optional[Mapping], owner: str,
                      hint: str = '') -> Tuple[tuple, Tuple[bool, ...]]:
    """The classes of ``dataset_meta`` and, per class, whether it is a thing.

    The thing classes are ``meta['thing_classes']`` or, without it, the
    classes not in ``meta['stuff_classes']``; given both, every class must
    be in exactly one of them.

    Args:
        meta (Mapping, optional): The ``dataset_meta`` of a metric.
        owner (str): The metric, named in the errors.
        hint (str): Appended to the error when neither ``thing_classes``
            nor ``stuff_classes`` is given, e.g. an alternative to
            ``dataset_meta``. Defaults to ''.

    Returns:
        tuple: ``(classes, isthing)``, the class names and one bool per
        class.

    Raises:
        ValueError: If ``classes`` is missing, both ``thing_classes`` and
            ``stuff_classes`` are, one of them names a class not in
            ``classes``, or, given both, a class is in neither or in both.
    """
    if not meta or 'classes' not in meta:
        raise ValueError(f"{owner} needs dataset_meta with 'classes' and "
                         "'thing_classes' and/or 'stuff_classes'")
    classes = tuple(meta['classes'])
    things, stuff = meta.get('thing_classes'), meta.get('stuff_classes')
    if things is None and stuff is None:
        raise ValueError(
            f"{owner}: dataset_meta has 'classes' but neither "
            "'thing_classes' nor 'stuff_classes', so things and stuff "
            f'cannot be told apart{hint}')
    for key, names in (('thing_classes', things), ('stuff_classes',
                                                   stuff)):
        for name in names or ():
            if name not in classes:
                raise ValueError(f'dataset_meta[{key!r}] holds {name!r}, '
                                 "which is not in dataset_meta['classes']")
    if things is not None and stuff is not None:
        for name in classes:
            if (name in things) == (name in stuff):
                raise ValueError(
                    f'dataset_meta: class {name!r} must be in exactly '
                    "one of 'thing_classes' and 'stuff_classes'")
    isthing = (tuple(name in things for name in classes) if things is not None
               else tuple(name not in stuff for name in classes))
    return classes, isthing
