"""The lowres_universal comparison script: CPU and GPU model lists, and the
GPU check's configs (2000 iterations, from scratch) and shell script."""
import os
import subprocess
import sys
from pathlib import Path

from mmengine.config import Config

from ._script import load_script

study = load_script('lowres_universal/run_study.py')
ROOT = Path(study.ROOT)


def test_every_model_has_a_config_with_the_iterations():
    for models, iters in ((study.MODELS, study.ITERS),
                          (study.GPU_MODELS, study.GPU_ITERS)):
        for config in models.values():
            cfg = Config.fromfile(str(ROOT / config))
            assert cfg.train_cfg.max_iters == iters, config
            assert cfg.param_scheduler[-1]['end'] == iters, config


def test_gpu_check_models_are_the_papers_table_from_scratch():
    names = [Path(c).name.split('_1xb8')[0] for c in study.GPU_MODELS.values()]
    assert sorted(names) == sorted([
        'unet-s5-d16_fcn', 'maskattn-unet_b32', 'maskattn-unet_b64',
        'mask2former_r50'
    ])
    for config in study.GPU_MODELS.values():
        cfg = Config.fromfile(str(ROOT / config))
        assert cfg.model.backbone.get('init_cfg') is None, config


def test_gpu_mode_needs_an_output_file():
    proc = subprocess.run(
        [sys.executable, str(ROOT / 'projects/lowres_universal/run_study.py'),
         '--gpu'], capture_output=True, text=True, cwd=ROOT)
    assert proc.returncode != 0 and '--gpu needs --out' in proc.stderr


def test_gpu_check_refuses_a_missing_data_folder(tmp_path):
    env = dict(os.environ, DSB2018=str(tmp_path / 'nope'))
    proc = subprocess.run(
        ['bash', str(ROOT / 'projects/lowres_universal/gpu_check.sh')],
        capture_output=True, text=True, env=env)
    assert proc.returncode == 1 and 'no DSB2018 at' in proc.stderr
