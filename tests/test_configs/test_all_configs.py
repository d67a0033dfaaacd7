"""Every config under configs/ loads, declares the plugin and builds."""
import re
from pathlib import Path

import pytest
import yaml
from mmengine.config import Config
from mmengine.registry import init_default_scope
from mmseg.registry import MODELS

import mmseg_maskattn  # noqa: F401

CONFIG_ROOT = Path(__file__).resolve().parents[2] / 'configs'
CONFIGS = sorted(
    p for p in CONFIG_ROOT.rglob('*.py') if '_base_' not in p.parts)
METHOD_DIRS = sorted({p.parent for p in CONFIGS})
# the study configs of projects/<study>/configs/
PROJECT_ROOT = CONFIG_ROOT.parent / 'projects'
PROJECT_CONFIGS = sorted(PROJECT_ROOT.glob('*/configs/*.py'))
# mmseg naming: {algo}_{backbone}_{N}xb{B}-{schedule}_{dataset}-{crop}.py
MMSEG_NAME = re.compile(
    r'^[a-z0-9.+-]+_[a-z0-9.-]+_\d+xb\d+-[a-z0-9-]+_[a-z0-9-]+-\d+x\d+\.py$')
SHORT_NAMES = {'b0_ade20k.py'}


def _id(path):
    return str(path.relative_to(CONFIG_ROOT))


def test_configs_exist():
    assert len(CONFIGS) >= 20


@pytest.mark.parametrize(
    'path',
    CONFIGS + PROJECT_CONFIGS,
    ids=lambda p: str(p.relative_to(CONFIG_ROOT.parent)))
def test_config_builds(path):
    cfg = Config.fromfile(str(path))
    assert cfg.custom_imports == dict(
        imports=['mmseg_maskattn'], allow_failed_imports=False)
    assert cfg.default_scope == 'mmseg'
    assert path.name in SHORT_NAMES or MMSEG_NAME.match(path.name), path.name
    init_default_scope('mmseg')
    model = MODELS.build(cfg.model)
    assert sum(p.numel() for p in model.parameters()) > 0


@pytest.mark.parametrize('folder', METHOD_DIRS, ids=_id)
def test_method_folder_has_readme_and_metafile(folder):
    assert (folder / 'README.md').is_file()
    meta = yaml.safe_load((folder / 'metafile.yaml').read_text())
    listed = {Path(m['Config']).name for m in meta['Models']}
    configs = {p.name for p in folder.glob('*.py')} - SHORT_NAMES
    assert listed == configs
