"""Safe loading of mmengine checkpoints with ``torch.load(weights_only=True)``.

Since torch 2.6 ``torch.load`` defaults to ``weights_only=True`` and refuses
any global it does not know. mmengine 0.10.x checkpoints carry its message
hub (``HistoryBuffer`` objects holding numpy arrays) and numpy scalars, so
``--resume`` fails. Instead of turning the safety off, this module adds to
torch's allow-list exactly the globals that mmengine (and
:class:`~mmseg_maskattn.engine.RandomStateHook`) write.
"""
from typing import List

import numpy as np
import torch
from mmengine.logging import HistoryBuffer

__all__ = ['mmengine_checkpoint_globals', 'register_checkpoint_globals']


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


def register_checkpoint_globals() -> None:
    """Allow-list :func:`mmengine_checkpoint_globals` for ``torch.load``."""
    torch.serialization.add_safe_globals(mmengine_checkpoint_globals())
