"""mmseg_maskattn.analysis.study, the helpers of the study scripts of
projects/: subprocesses of a checkout, test metrics of a work dir,
complexity through the package API (the numbers get_flops.py prints), the
machine line and checkpoints with their stored config."""
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
import torch
from mmengine.config import Config

from mmseg_maskattn.analysis import build_model_from_config
from mmseg_maskattn.analysis.study import (check_checkout, checkout_env,
                                           checkpoint_config,
                                           checkpoint_model, complexity,
                                           from_root, latest_test_metrics,
                                           machine_description, run_tool)

ROOT = Path(__file__).resolve().parents[2]
TOY = ROOT / 'configs/umixformer/umixformer_mit-b0_1xb4-300iter_toy-64x64.py'


def _tiny_config(tmp_path):
    """The toy U-MixFormer-B0 with narrow stages (builds in a moment)."""
    path = tmp_path / 'tiny.py'
    path.write_text(
        f'_base_ = {str(TOY)!r}\n'
        'model = dict(\n'
        '    backbone=dict(embed_dims=8, num_layers=[1, 1, 1, 1]),\n'
        '    decode_head=dict(in_channels=[8, 16, 40, 64], channels=16))\n')
    return path


def test_checkout_env_puts_the_checkout_first(monkeypatch):
    monkeypatch.setenv('PYTHONPATH', '/elsewhere')
    assert checkout_env('/ckpt')['PYTHONPATH'] == os.pathsep.join(
        ['/ckpt', '/elsewhere'])
    monkeypatch.delenv('PYTHONPATH')
    assert checkout_env('/ckpt')['PYTHONPATH'] == '/ckpt'


def test_run_tool_imports_the_package_of_the_checkout(tmp_path, capsys):
    """A subprocess runs in the checkout and imports its package, not the
    installed one."""
    package = tmp_path / 'mmseg_maskattn'
    package.mkdir()
    (package / '__init__.py').write_text('')
    code = ('import os, mmseg_maskattn; '
            'print(os.getcwd()); print(mmseg_maskattn.__file__)')
    proc = run_tool(str(tmp_path), ['-c', code], capture_output=True,
                    text=True)
    cwd, imported = proc.stdout.split()
    assert Path(cwd).resolve() == tmp_path.resolve()
    assert Path(imported).resolve() == (package / '__init__.py').resolve()
    assert capsys.readouterr().out.startswith('+ -c import os')
    with pytest.raises(subprocess.CalledProcessError):
        run_tool(str(tmp_path), ['-c', 'raise SystemExit(3)'])


def test_latest_test_metrics_reads_the_last_line_of_the_latest_run(
        tmp_path):
    old, new = tmp_path / '20260101_000000', tmp_path / '20260102_000000'
    for run in (old, new):
        (run / 'vis_data').mkdir(parents=True)
    (old / '20260101_000000.json').write_text(json.dumps({'mIoU': 1.0}))
    # vis_data is one level deeper and not read
    (new / 'vis_data' / 'scalars.json').write_text('{"mIoU": 2.0}\n')
    (new / '20260102_000000.json').write_text(
        json.dumps({'mIoU': 3.0}) + '\n' +
        json.dumps({'mIoU': 41.5, 'aAcc': 80.25}) + '\n')
    assert latest_test_metrics(str(tmp_path)) == {
        'mIoU': 41.5, 'aAcc': 80.25}


def test_latest_test_metrics_without_run_names_the_dir(tmp_path):
    with pytest.raises(FileNotFoundError, match=str(tmp_path)):
        latest_test_metrics(str(tmp_path))


def test_complexity_gives_the_numbers_of_get_flops():
    out = subprocess.run(
        [sys.executable, str(ROOT / 'tools/analysis_tools/get_flops.py'),
         str(TOY), '--shape', '64', '96'],
        cwd=ROOT, env=checkout_env(str(ROOT)), capture_output=True,
        text=True, check=True).stdout
    params = float(re.search(r'Params: ([\d.]+) M', out).group(1))
    flops = float(re.search(r'FLOPs: ([\d.]+) G', out).group(1))
    # the config relative to the checkout, as the studies name it
    relative = str(TOY.relative_to(ROOT))
    assert complexity(str(ROOT), relative, (64, 96)) == (params, flops)


def test_complexity_refuses_another_checkout(tmp_path):
    check_checkout(str(ROOT))
    with pytest.raises(RuntimeError, match='PYTHONPATH='):
        check_checkout(str(tmp_path))
    with pytest.raises(RuntimeError, match=str(tmp_path)):
        complexity(str(tmp_path), str(TOY), (32, 32))


def test_machine_description(monkeypatch):
    cores = f'{os.cpu_count()} CPU cores'
    monkeypatch.setenv('OMP_NUM_THREADS', '3')
    assert machine_description().endswith(f', {cores}, OMP_NUM_THREADS=3')
    monkeypatch.delenv('OMP_NUM_THREADS')
    assert machine_description().endswith('OMP_NUM_THREADS=unset')
    assert machine_description(omp_threads=False).endswith(f', {cores}')


def test_from_root():
    assert from_root('/ckpt', 'data/camvid') == os.path.join(
        '/ckpt', 'data/camvid')
    assert from_root('/ckpt', '/data/camvid') == '/data/camvid'


def test_checkpoint_model_loads_the_stored_config_and_weights(tmp_path):
    config = _tiny_config(tmp_path)
    model = build_model_from_config(str(config))
    ckpt = tmp_path / 'iter_1.pth'
    torch.save(
        dict(
            meta=dict(cfg=Config.fromfile(str(config)).pretty_text),
            state_dict=model.state_dict()), ckpt)
    cfg = checkpoint_config(str(ckpt))
    assert cfg.model.backbone.embed_dims == 8
    cfg, loaded = checkpoint_model(str(ckpt))
    assert not loaded.training
    for name, value in model.state_dict().items():
        assert torch.equal(loaded.state_dict()[name], value), name
    torch.save(dict(meta=dict(), state_dict=model.state_dict()), ckpt)
    with pytest.raises(KeyError, match='meta'):
        checkpoint_config(str(ckpt))
