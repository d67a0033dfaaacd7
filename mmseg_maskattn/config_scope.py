"""Let ``mmseg_maskattn::`` name configs of the installed package.

mmengine resolves ``_base_ = 'mmseg::_base_/...'`` and ``mmdet::`` through a
fixed table of OpenMMLab packages (``MODULE2PACKAGE``) and the package's
``.mim/configs`` folder. Importing :mod:`mmseg_maskattn` adds this package
to that table, so that a config loaded after the import (by this package's
``tools/train.py`` / ``tools/test.py``, or by ``mim train mmseg_maskattn``,
which runs them) may inherit ``mmseg_maskattn::<method>/<config>.py``. The
configs are in the package only when it is installed from a wheel or a
non-editable ``pip install .`` (``setup.py`` copies them into ``.mim``).
"""
from mmengine.config import utils as _config_utils

__all__ = ['PACKAGE', 'register_config_scope']

PACKAGE = 'mmseg_maskattn'


def register_config_scope() -> None:
    """Add ``mmseg_maskattn`` to mmengine's table of config packages."""
    _config_utils.MODULE2PACKAGE.setdefault(PACKAGE, PACKAGE)
