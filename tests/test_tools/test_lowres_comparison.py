"""The MaskAttn-UNet comparison configs (MaskAttn-UNet, U-Net, Mask2Former
panoptic and semantic) train and test through tools/train.py and
tools/test.py on the real DSB2018 data, evaluated with mIoU, PQ and mask AP
by the configs' own evaluators (one iteration of batch 2, four val
images)."""
import pytest

from ._runner_utils import REPO_ROOT, run

DSB_ROOT = (REPO_ROOT / '..' / 'shared' / 'data' / 'dsb2018').resolve()
TRAIN = str(REPO_ROOT / 'tools' / 'train.py')
TEST = str(REPO_ROOT / 'tools' / 'test.py')
CONFIGS = [
    'maskattn-unet_b32_1xb8-20k_dsb2018-128x128.py',
    'unet-s5-d16_fcn_1xb8-20k_dsb2018-128x128.py',
    'mask2former_r50_1xb8-20k_dsb2018-128x128.py',
    'mask2former-semantic_r50_1xb8-20k_dsb2018-128x128.py',
]


def _options(config: str) -> list:
    opts = [
        'train_cfg.max_iters=1', 'train_cfg.val_interval=1',
        'default_hooks.checkpoint.interval=1',
        'default_hooks.logger.interval=1', 'train_dataloader.batch_size=2'
    ]
    for loader in ('train_dataloader', 'val_dataloader', 'test_dataloader'):
        opts += [
            f'{loader}.dataset.data_root={DSB_ROOT}',
            f'{loader}.num_workers=0', f'{loader}.persistent_workers=False',
            f'{loader}.dataset.indices=4'
        ]
    if config.startswith('mask2former'):
        opts.append('model.backbone.init_cfg=None')  # no download
    return opts


@pytest.mark.skipif(
    not DSB_ROOT.is_dir(), reason=f'DSB2018 not found at {DSB_ROOT}')
@pytest.mark.parametrize('config', CONFIGS)
def test_comparison_config_trains_and_tests(config, tmp_path):
    path = str(REPO_ROOT / 'configs' / 'maskattn_unet' / config)
    work = tmp_path / 'work'
    run([TRAIN, path, '--work-dir', str(work), '--cfg-options'] +
        _options(config))
    proc = run([
        TEST, path,
        str(work / 'iter_1.pth'), '--work-dir',
        str(work / 'test'), '--cfg-options'
    ] + _options(config))
    out = proc.stdout + proc.stderr
    for key in ('mIoU:', 'PQ:', 'PQ_th:', 'PQ_st:', 'mask/mAP:',
                'mask/AP50:'):
        assert key in out, f'{config}: {key} missing from the test output'
