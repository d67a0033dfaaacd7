"""tools/model_converters/lvt2mmseg.py: official LVT checkpoint (Yang et
al., CVPR 2022, arXiv 2112.10809) -> a file LVT loads without conversion."""
import subprocess
import sys

import pytest
import torch

from mmseg_maskattn.models.backbones import LVT
from mmseg_maskattn.models.utils import lvt_convert


def test_cli_converts_an_official_checkpoint(repo_root, tmp_path,
                                              lvt_official_state_dict):
    torch.manual_seed(0)
    official = lvt_official_state_dict()
    src = tmp_path / 'lvt_official.pth.tar'
    dst = tmp_path / 'lvt_mmseg.pth'
    torch.save(dict(model=official), src)
    subprocess.run([
        sys.executable,
        str(repo_root / 'tools/model_converters/lvt2mmseg.py'),
        str(src), str(dst)
    ], check=True, cwd=repo_root)
    saved = torch.load(dst, weights_only=True)['state_dict']
    expected = lvt_convert(official)
    assert list(saved) == list(expected)
    model = LVT(init_cfg=dict(type='Pretrained', checkpoint=str(dst)))
    model.init_weights()
    for key, value in model.state_dict().items():
        torch.testing.assert_close(value, expected[key], msg=key)


def test_checkpoint_without_lvt_keys_is_refused(repo_root, tmp_path):
    src = tmp_path / 'other.pth'
    torch.save(dict(state_dict={'head.weight': torch.zeros(2, 2)}), src)
    result = subprocess.run([
        sys.executable,
        str(repo_root / 'tools/model_converters/lvt2mmseg.py'),
        str(src), str(tmp_path / 'out.pth')
    ], capture_output=True, text=True, cwd=repo_root)
    assert result.returncode != 0
    assert 'no official LVT key' in result.stderr
    assert not (tmp_path / 'out.pth').exists()


def test_missing_checkpoint_is_named(repo_root, tmp_path):
    sys.path.insert(0, str(repo_root / 'tools' / 'model_converters'))
    try:
        import lvt2mmseg
    finally:
        sys.path.pop(0)
    with pytest.raises(FileNotFoundError, match='nowhere.pth'):
        lvt2mmseg.convert_lvt_file(str(tmp_path / 'nowhere.pth'),
                                   str(tmp_path / 'out.pth'))
