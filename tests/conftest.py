"""Fixtures shared by the test folders.

The tiny model configs, the hand-made few-shot dataset and the official
LVT layout are defined in helper modules (``tests/test_models/
_tiny_models.py``, ``tests/test_datasets/_fss_data.py``,
``tests/test_models/test_backbones/_lvt_official.py``) because module data
of some tests (the model harness's specs) is built from them at import
time; every test function receives them through the fixtures below, so no
test module imports another one.
"""
import copy
import os
from pathlib import Path
from typing import Callable

import pytest
import torch

from tests.test_datasets._fss_data import base_cfg, write_fss_fixture
from tests.test_models._tiny_models import CC_PANOPTIC, TINY_RESNET, m2f_head
from tests.test_models.test_backbones._lvt_official import \
    official_state_dict

REPO_ROOT = Path(__file__).resolve().parents[1]
SHARED_DATA = (REPO_ROOT / '..' / 'shared' / 'data').resolve()

torch.set_num_threads(min(2, os.cpu_count() or 1))


@pytest.fixture(scope='session')
def repo_root() -> Path:
    return REPO_ROOT


@pytest.fixture(scope='session')
def toy_data_root(tmp_path_factory) -> Path:
    """Generated toy dataset shared by the tests of one session."""
    from mmseg_maskattn.datasets.toy_data import generate_toy_dataset
    root = tmp_path_factory.mktemp('toy')
    generate_toy_dataset(root, num_train=8, num_val=4, size=64, seed=0)
    return root


@pytest.fixture
def tiny_resnet_cfg() -> dict:
    """A ResNet-18 with 8 base channels and four outputs (8 to 64 wide)."""
    return copy.deepcopy(TINY_RESNET)


@pytest.fixture
def m2f_head_cfg() -> dict:
    """A tiny panoptic Mask2Former head (4 classes, things 1 and 2) for
    the outputs of ``tiny_resnet_cfg``."""
    return m2f_head()


@pytest.fixture
def cc_panoptic_cfg() -> dict:
    """A tiny ``CCPanopticSegmentor``: mmseg's UNet + FCN, 4 classes,
    things 1 and 2."""
    return copy.deepcopy(CC_PANOPTIC)


@pytest.fixture(scope='session')
def lvt_official_state_dict() -> Callable[[], dict]:
    """Factory of random LVT weights in the official code's layout (drawn
    from torch's global generator at each call)."""
    return official_state_dict


@pytest.fixture(scope='session')
def fss_root(tmp_path_factory) -> Path:
    """The hand-made few-shot dataset of ``_fss_data.py``, written once."""
    return write_fss_fixture(tmp_path_factory.mktemp('fss'))


@pytest.fixture
def fss_dataset_cfg(fss_root) -> dict:
    """The ``BaseSegDataset`` config of ``fss_root`` (loading pipeline)."""
    return base_cfg(fss_root)
