"""Type checks of argument values."""
from typing import Any

import numpy as np

__all__ = ['is_int']


def is_int(value: Any) -> bool:
    """Whether ``value`` is an integer: a Python or NumPy int, not a bool.

    Args:
        value (Any): The value to check.

    Returns:
        bool: True for ``int`` and ``np.integer`` values, False for
        ``bool`` / ``np.bool_`` and every other type.
    """
    return isinstance(value, (int, np.integer)) and not isinstance(
        value, (bool, np.bool_))
