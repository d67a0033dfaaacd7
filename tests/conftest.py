import os
from pathlib import Path

import pytest
import torch

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
