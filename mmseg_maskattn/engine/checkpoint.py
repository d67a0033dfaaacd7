"""Safe loading of mmengine checkpoints with ``torch.load(weights_only=True)``.

Since torch 2.6 ``torch.load`` defaults to ``weights_only=True`` and refuses
any global it does not know. mmengine 0.10.x checkpoints carry its message
hub (``HistoryBuffer`` objects holding numpy arrays) and numpy scalars, so
``--resume`` fails. Instead of turning the safety off, this module adds to
torch's allow-list exactly the globals that mmengine (and
:class:`~mmseg_maskattn.engine.RandomStateHook`) write.
"""
import pickle
from typing import Any, List

import numpy as np
import torch
from mmengine.logging import HistoryBuffer

__all__ = [
    'history_buffer_method', 'mmengine_checkpoint_globals',
    'register_checkpoint_globals'
]


def _numpy_multiarray():
    try:  # numpy >= 2
        from numpy._core import multiarray
    except ImportError:  # numpy 1.x
        from numpy.core import multiarray
    return multiarray


def mmengine_checkpoint_globals() -> List[object]:
    """Globals pickled into an mmengine checkpoint besides tensors.

    - ``HistoryBuffer``: the runner's message hub (log scalars).
    - ``numpy.ndarray`` rebuilt through ``multiarray._reconstruct`` with its
      ``numpy.dtype`` (and the dtype classes numpy 2 pickles): the history
      buffers and the numpy random state.
    - ``multiarray.scalar``: numpy scalars in the message hub.

    ``getattr``, which pickle uses for the statistics methods of a
    ``HistoryBuffer``, is registered separately and restricted, see
    :func:`history_buffer_method`.
    """
    multiarray = _numpy_multiarray()
    dtype_classes = [
        type(np.dtype(t)) for t in (np.float64, np.float32, np.int64,
                                    np.int32, np.uint32, np.bool_)
    ]
    return [
        HistoryBuffer, multiarray._reconstruct, multiarray.scalar,
        np.ndarray, np.dtype
    ] + dtype_classes


# registered by every HistoryBuffer on construction
_BUILTIN_STATISTICS = frozenset({'min', 'max', 'current', 'mean'})


def history_buffer_method(owner: Any, name: str) -> Any:
    """A ``getattr`` that only returns ``HistoryBuffer`` statistics methods.

    ``HistoryBuffer.__getstate__`` pickles its statistics methods (``min``,
    ``max``, ``current``, ``mean`` and any registered one), which pickle
    writes as ``getattr(HistoryBuffer, name)``. Allowing the real builtin
    ``getattr`` would let a checkpoint read any attribute of any object it
    can build; this replacement, registered under the name
    ``builtins.getattr`` for the unpickler only, refuses everything else.
    """
    allowed = _BUILTIN_STATISTICS.union(HistoryBuffer._statistics_methods)
    if owner is HistoryBuffer and name in allowed:
        return getattr(owner, name)
    raise pickle.UnpicklingError(
        f'checkpoint asks for getattr({owner!r}, {name!r}); only the '
        'statistics methods of mmengine.logging.HistoryBuffer are allowed')


def register_checkpoint_globals() -> None:
    """Allow-list :func:`mmengine_checkpoint_globals` for ``torch.load``."""
    torch.serialization.add_safe_globals(
        mmengine_checkpoint_globals() +
        [(history_buffer_method, 'builtins.getattr')])
