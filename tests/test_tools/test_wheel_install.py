"""The package as a user installs it from a wheel.

Builds the wheel, installs it (not editable) into a fresh virtual
environment with the Makefile's recipe (torch, then mmcv 2.1.0 without
build isolation: pip's cache holds the built mmcv wheel), and, from a
directory outside the repository, trains two iterations and tests with a
config that inherits ``mmseg_maskattn::umixformer/...`` with ``mim train``
and ``mim test`` (openmim runs the tools the wheel carries in
``mmseg_maskattn/.mim/tools``).
"""
import os
import subprocess
import sys
from pathlib import Path

import pytest

from ._runner_utils import REPO_ROOT, toy_options

USER_CONFIG = '''
_base_ = ['mmseg_maskattn::umixformer/umixformer_mit-b0_1xb4-300iter_toy-64x64.py']
custom_imports = dict(imports=['mmseg_maskattn'], allow_failed_imports=False)
model = dict(decode_head=dict(channels=64))
'''


def _run(cmd, cwd, timeout=1200):
    env = {k: v for k, v in os.environ.items()
           if k not in ('PYTHONPATH', 'VIRTUAL_ENV')}
    env.update(OMP_NUM_THREADS='2', PYTHONUNBUFFERED='1')
    proc = subprocess.run([str(c) for c in cmd], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=timeout)
    assert proc.returncode == 0, (
        f'{" ".join(map(str, cmd))} failed:\n{proc.stdout[-3000:]}\n'
        f'{proc.stderr[-3000:]}')
    return proc.stdout + proc.stderr


@pytest.fixture(scope='module')
def wheel_venv(tmp_path_factory):
    """A fresh venv with the built wheel installed; its python."""
    tmp = tmp_path_factory.mktemp('wheel')
    _run([sys.executable, '-m', 'pip', 'wheel', '.', '--no-deps',
          '--no-build-isolation', '-q', '-w', tmp / 'dist'], REPO_ROOT)
    wheel, = (tmp / 'dist').glob('mmseg_maskattn-*.whl')
    venv = tmp / 'venv'
    _run([sys.executable, '-m', 'venv', venv], tmp)
    python = venv / 'bin' / 'python'
    pip = [python, '-m', 'pip', 'install', '-q']
    _run(pip + ['torch<2.14', 'setuptools>=77.0.3,<82', 'wheel', 'ninja',
                'psutil', 'numpy'], tmp)
    _run(pip + ['--no-build-isolation', 'mmcv==2.1.0'], tmp)
    _run(pip + [wheel, 'openmim'], tmp)
    return python


def test_wheel_carries_configs_and_tools_and_resolves_the_package_scope(
        wheel_venv, toy_data_root, tmp_path):
    project = tmp_path / 'my_project'  # outside the repository
    project.mkdir()
    where = _run([
        wheel_venv, '-c', 'import mmseg_maskattn, os; '
        'print(os.path.dirname(mmseg_maskattn.__file__))'
    ], project).strip().splitlines()[-1]
    package = Path(where)
    assert REPO_ROOT not in package.parents, package  # not the checkout
    mim = package / '.mim'
    for path in ('tools/train.py', 'tools/test.py', 'model-index.yml',
                 'configs/umixformer/metafile.yaml',
                 'configs/_base_/cpu_iter_runtime.py'):
        assert (mim / path).is_file(), path
    config = project / 'my_umixformer.py'
    config.write_text(USER_CONFIG)
    work = project / 'work'
    options = ['--cfg-options'] + toy_options(toy_data_root, max_iters=2)
    mim_cli = wheel_venv.parent / 'mim'
    _run([mim_cli, 'train', 'mmseg_maskattn', config.name, '--work-dir',
          work] + options, project)
    out = _run([mim_cli, 'test', 'mmseg_maskattn', config.name,
                '--checkpoint', work / 'iter_2.pth', '--work-dir',
                work / 'test'] + options, project)
    assert 'mIoU:' in out
    dumped = (work / config.name).read_text()
    # the base resolved from the installed package, the override applied
    assert "type='UMixFormerHead'" in dumped and 'channels=64' in dumped
