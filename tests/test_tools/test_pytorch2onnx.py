"""tools/deployment/pytorch2onnx.py: every semantic model of the package
exports to ONNX and matches PyTorch in onnxruntime; what cannot be exported
is refused with the reason."""
import pytest
import torch
from mmengine.config import Config
from mmengine.registry import init_default_scope
from mmseg.registry import MODELS

import mmseg_maskattn  # noqa: F401
from mmseg_maskattn.deployment import (SemanticLogits, check_onnx,
                                       export_onnx, exportable_reason)

from ._runner_utils import REPO_ROOT, run

TOOL = str(REPO_ROOT / 'tools' / 'deployment' / 'pytorch2onnx.py')
CAMVID = 'projects/attention_camvid/configs/'
# config, tool arguments. The main model exports with dynamic height and
# width (torch.export-based exporter) and is checked at two sizes; the
# others export for one size, with the faster TorchScript exporter where it
# works (LVT's fold and PSP's adaptive pooling need the torch.export one;
# PSP heads also do not export with dynamic shapes: the pooling is
# decomposed at the traced size)
EXPORTABLE = {
    'U-MixFormer, MiT-B0':
    ('configs/umixformer/umixformer_mit-b0_1xb4-300iter_toy-64x64.py',
     ['--dynamic']),
    'U-MixFormer+, MiT+ B4':
    ('configs/umixformer/umixformer-plus_mit-b4_8xb2-160k_ade20k-512x512.py',
     ['--torchscript']),
    'U-MixFormer, LVT':
    ('configs/umixformer/umixformer_lvt_8xb2-160k_ade20k-512x512.py', []),
    'U-MixFormer, MSCAN-T':
    ('configs/umixformer/umixformer_mscan-t_8xb2-160k_ade20k-512x512.py',
     ['--torchscript']),
    'DANet': (CAMVID + 'danet_r18-d8_1xb4-500iter_camvid-180x240.py',
              ['--torchscript']),
    'FastFCN + PSP':
    (CAMVID + 'fastfcn-jpu-psp_r18-d32_1xb4-500iter_camvid-180x240.py', []),
    'MaskAttn-UNet (semantic)':
    ('configs/maskattn_unet/maskattn-unet_b16_1xb4-300iter_toy-64x64.py',
     ['--torchscript']),
}


@pytest.mark.parametrize('name', sorted(EXPORTABLE))
def test_export_matches_pytorch(name, tmp_path):
    config, extra = EXPORTABLE[name]
    out = tmp_path / 'model.onnx'
    proc = run([TOOL, config, 'none', '--shape', '64', '64', '--out',
                str(out), '--atol', '1e-4'] + extra)
    text = proc.stdout
    assert 'input (1, 3, 64, 64): max |onnx - torch|' in text, text
    if '--dynamic' in extra:
        assert 'input (1, 3, 96, 128): max |onnx - torch|' in text, text
    assert out.is_file() and f'exported {out}' in text


def test_the_check_fails_when_the_graph_differs(tmp_path):
    """check_onnx compares with the model it is given: an export of one
    model checked against another differs, and the tool's threshold turns
    that into a failure."""
    init_default_scope('mmseg')
    cfg = Config.fromfile(
        str(REPO_ROOT / EXPORTABLE['MaskAttn-UNet (semantic)'][0]))
    cfg.model.backbone.norm_cfg = cfg.model.decode_head.norm_cfg = dict(
        type='BN')
    torch.manual_seed(0)
    a, b = MODELS.build(cfg.model).eval(), MODELS.build(cfg.model).eval()
    path = str(tmp_path / 'a.onnx')
    example = export_onnx(a, path, (64, 64))
    assert check_onnx(path, a, example) < 1e-4
    assert check_onnx(path, b, example) > 1e-3


@pytest.mark.parametrize('config,reason', [
    (CAMVID + 'gscnn_r18-d8_1xb4-500iter_camvid-180x240.py', 'Canny'),
    ('configs/hdmnet/hdmnet_r18_1xb4-300iter_camvid-fold0-1shot-120x160.py',
     'episodes'),
])
def test_models_that_cannot_be_exported_say_why(config, reason, tmp_path):
    proc = run([TOOL, config, 'none', '--shape', '64', '64', '--out',
                str(tmp_path / 'x.onnx')], check=False)
    assert proc.returncode != 0
    assert 'cannot export' in proc.stderr and reason in proc.stderr
    assert not (tmp_path / 'x.onnx').exists()


def test_bad_arguments_are_named(tmp_path):
    model = torch.nn.Conv2d(3, 3, 1)
    assert 'extract_feat' in exportable_reason(model)
    with pytest.raises(ValueError, match='cannot export'):
        SemanticLogits(model)
    proc = run([TOOL, 'nope.py', 'none', '--shape', '8', '8'], check=False)
    assert proc.returncode != 0 and 'config file not found' in proc.stderr
    config = EXPORTABLE['DANet'][0]
    proc = run([TOOL, config, 'none', '--shape', '64', '64', '--dynamic',
                '--torchscript'], check=False)
    assert proc.returncode != 0 and '--dynamic needs' in proc.stderr
