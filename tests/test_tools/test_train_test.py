"""tools/train.py and tools/test.py end to end on generated toy data:
a short train + test, resume equivalence after a real kill, and the config
dropped into an mmseg checkout and run with mmseg's own tools."""
import re
import shutil
import signal
from pathlib import Path

import pytest
import torch

from ._runner_utils import REPO_ROOT, TOY_CONFIG, run, toy_options

TRAIN = str(REPO_ROOT / 'tools' / 'train.py')
TEST = str(REPO_ROOT / 'tools' / 'test.py')


def _weights(path: Path) -> dict:
    return torch.load(path, map_location='cpu', weights_only=True)


def test_two_iteration_train_then_test(toy_data_root, tmp_path):
    work = tmp_path / 'work'
    run([TRAIN, str(TOY_CONFIG), '--work-dir', str(work), '--cfg-options'] +
        toy_options(toy_data_root, max_iters=2))
    ckpt = work / 'iter_2.pth'
    assert ckpt.is_file()
    proc = run([
        TEST,
        str(TOY_CONFIG),
        str(ckpt), '--work-dir',
        str(work / 'test'), '--show-dir', 'vis', '--out',
        str(tmp_path / 'preds'), '--cfg-options'
    ] + toy_options(toy_data_root, max_iters=2))
    assert 'mIoU' in proc.stdout + proc.stderr
    pngs = list((work / 'test' / 'vis').rglob('*.png'))
    assert len(pngs) == 4, pngs
    assert len(list((tmp_path / 'preds').glob('*.png'))) == 4
    # load_from with a checkpoint that leaves a weight unloaded is refused
    # (StrictLoadHook) instead of training from a partly random model
    import torch

    import mmseg_maskattn  # noqa: F401  (allow-lists mmengine's globals)
    state = torch.load(ckpt, weights_only=True)
    del state['state_dict']['decode_head.blocks.0.norm1.weight']
    partial = tmp_path / 'partial.pth'
    torch.save(state, partial)
    proc = run([TRAIN, str(TOY_CONFIG), '--work-dir', str(tmp_path / 'w2'),
                '--cfg-options', f'load_from={partial}'] +
               toy_options(toy_data_root, max_iters=2), check=False)
    assert proc.returncode != 0
    assert 'decode_head.blocks.0.norm1.weight' in proc.stderr
    assert 'would stay unloaded' in proc.stderr


KILL_AFTER = '''
import os, runpy, signal, sys
from mmengine.hooks import Hook
from mmseg.registry import HOOKS


@HOOKS.register_module()
class KillAfterIter(Hook):
    """SIGKILL the run right after iteration `iters` was checkpointed."""
    priority = 'LOWEST'

    def __init__(self, iters):
        self.iters = iters

    def after_train_iter(self, runner, batch_idx, data_batch=None,
                         outputs=None):
        if runner.iter + 1 == self.iters:
            os.kill(os.getpid(), signal.SIGKILL)


sys.argv = sys.argv[1:]
runpy.run_path(sys.argv[0], run_name='__main__')
'''


@pytest.mark.parametrize('num_workers', [0, 2])
def test_resume_after_kill_is_bit_identical(toy_data_root, tmp_path,
                                            num_workers):
    opts = toy_options(toy_data_root, max_iters=6, num_workers=num_workers)
    full, killed = tmp_path / 'full', tmp_path / 'killed'
    run([TRAIN, str(TOY_CONFIG), '--work-dir', str(full), '--cfg-options'] +
        opts)
    kill_config = tmp_path / 'kill_after_4.py'
    kill_config.write_text(
        f'_base_ = {str(TOY_CONFIG)!r}\n'
        "custom_hooks = [dict(type='RandomStateHook'), "
        "dict(type='KillAfterIter', iters=4)]\n")
    proc = run([
        TRAIN,
        str(kill_config), '--work-dir',
        str(killed), '--cfg-options'
    ] + opts,
               code=KILL_AFTER,
               check=False)
    assert proc.returncode == -signal.SIGKILL, proc.stderr[-3000:]
    assert (killed / 'iter_4.pth').is_file()
    assert not (killed / 'iter_6.pth').exists()
    run([TRAIN, str(TOY_CONFIG), '--work-dir',
         str(killed), '--resume', '--cfg-options'] + opts)
    a = _weights(full / 'iter_6.pth')
    b = _weights(killed / 'iter_6.pth')
    assert a['meta']['iter'] == b['meta']['iter'] == 6
    assert a['state_dict'].keys() == b['state_dict'].keys()
    differing = [
        k for k in a['state_dict']
        if not torch.equal(a['state_dict'][k], b['state_dict'][k])
    ]
    assert not differing, f'differ after resume: {differing[:10]}'
    # the checkpoint stays loadable with weights_only=True: nothing unsafe
    assert 'random_states' in b and 'message_hub' in b


def test_resume_fails_clearly_without_checkpoint_file(tmp_path):
    proc = run([
        TRAIN,
        str(TOY_CONFIG), '--work-dir',
        str(tmp_path), '--resume',
        str(tmp_path / 'missing.pth')
    ],
               check=False)
    assert proc.returncode != 0
    assert 'missing.pth' in proc.stderr


def test_config_dropped_into_mmseg_checkout(toy_data_root, tmp_path):
    """Copy our configs over an mmseg checkout's configs and train with
    mmseg's own tools/train.py: nothing refers back to this repository."""
    import mmseg
    mim = Path(mmseg.__file__).parent / '.mim'
    checkout = tmp_path / 'mmsegmentation'
    shutil.copytree(mim / 'configs', checkout / 'configs')
    shutil.copytree(mim / 'tools', checkout / 'tools')
    shutil.copytree(REPO_ROOT / 'configs', checkout / 'configs',
                    dirs_exist_ok=True)
    config = checkout / 'configs/umixformer' / TOY_CONFIG.name
    work = tmp_path / 'work'
    run([
        str(checkout / 'tools/train.py'),
        str(config), '--work-dir',
        str(work), '--cfg-options'
    ] + toy_options(toy_data_root, max_iters=2),
        cwd=checkout)
    assert (work / 'iter_2.pth').is_file()
    # the published config builds there too
    code = ('import sys; from mmengine.config import Config; '
            'from mmengine.registry import init_default_scope; '
            'from mmseg.registry import MODELS; '
            'cfg = Config.fromfile(sys.argv[1]); '
            'import mmseg_maskattn; init_default_scope("mmseg"); '
            'm = MODELS.build(cfg.model); '
            'print(type(m.decode_head).__name__)')
    proc = run([str(checkout / 'configs/umixformer/b0_ade20k.py')],
               cwd=checkout,
               code=code)
    assert 'UMixFormerHead' in proc.stdout


MASKATTN_TOY = REPO_ROOT / 'configs/maskattn_unet/' \
    'maskattn-unet_b16_1xb4-300iter_toy-64x64.py'


def test_maskattn_unet_panoptic_train_then_test(toy_data_root, tmp_path):
    """MaskAttn-UNet trains and is evaluated with mIoU and PQ through the
    config's evaluators; predictions carry instances and panoptic maps."""
    work = tmp_path / 'work'
    run([
        TRAIN,
        str(MASKATTN_TOY), '--work-dir',
        str(work), '--cfg-options'
    ] + toy_options(toy_data_root, max_iters=2))
    proc = run([
        TEST,
        str(MASKATTN_TOY),
        str(work / 'iter_2.pth'), '--work-dir',
        str(work / 'test'), '--out',
        str(tmp_path / 'preds'), '--cfg-options'
    ] + toy_options(toy_data_root, max_iters=2))
    # --out reaches the IoUMetric of the list of evaluators
    assert len(list((tmp_path / 'preds').glob('*.png'))) == 4
    out = proc.stdout + proc.stderr
    for key in ('mIoU:', 'PQ:', 'PQ_th:', 'PQ_st:', 'PQ_rectangle:'):
        assert key in out, key


def test_test_refuses_a_checkpoint_that_does_not_fit(toy_data_root,
                                                     tmp_path):
    ckpt = tmp_path / 'unrelated.pth'
    torch.save(dict(state_dict=dict(other=torch.zeros(3))), ckpt)
    args = [TEST, str(TOY_CONFIG), str(ckpt), '--work-dir',
            str(tmp_path / 'work'), '--cfg-options'] + toy_options(
                toy_data_root, 2)
    proc = run(args, check=False)
    assert proc.returncode != 0
    assert 'does not fit the model' in proc.stderr, proc.stderr[-2000:]
    assert "1 unexpected keys ['other']" in proc.stderr
    result = re.compile(r'mIoU: \d')  # the test's metric line
    assert not result.search(proc.stdout + proc.stderr)
    # a deliberate partial load runs, as mmengine would
    proc = run(args[:3] + ['--allow-partial'] + args[3:])
    assert result.search(proc.stdout + proc.stderr)


COCO_SAMPLE = REPO_ROOT / '..' / 'shared' / 'data' / 'coco_panoptic_sample'
MASKATTN_COCO = REPO_ROOT / 'configs/maskattn_unet/' \
    'maskattn-unet_b64_1xb8-160k_coco-panoptic-128x128.py'


@pytest.mark.skipif(not COCO_SAMPLE.is_dir(),
                    reason=f'COCO panoptic sample not found at {COCO_SAMPLE}')
def test_maskattn_unet_coco_config_on_real_coco_files(tmp_path):
    """The paper-size COCO config trains two iterations and is evaluated
    (mIoU, PQ, mask AP) on the two real COCO panoptic samples, in the
    format COCO distributes (the sample has val2017 only: both splits
    read it)."""
    root = str(COCO_SAMPLE.resolve())
    split = ['ann_file=annotations/panoptic_val2017.json',
             'data_prefix.img_path=val2017',
             'data_prefix.pan_map_path=annotations/panoptic_val2017']
    options = [
        'train_cfg.max_iters=2', 'train_cfg.val_interval=2',
        'default_hooks.checkpoint.interval=2',
        'default_hooks.logger.interval=1', 'train_dataloader.batch_size=2'
    ]
    for loader in ('train_dataloader', 'val_dataloader', 'test_dataloader'):
        options += [f'{loader}.dataset.data_root={root}',
                    f'{loader}.num_workers=0',
                    f'{loader}.persistent_workers=False']
        options += [f'{loader}.dataset.{s}' for s in split]
    work = tmp_path / 'work'
    run([TRAIN, str(MASKATTN_COCO), '--work-dir', str(work),
         '--cfg-options'] + options)
    proc = run([TEST, str(MASKATTN_COCO), str(work / 'iter_2.pth'),
                '--work-dir', str(work / 'test'), '--cfg-options'] + options)
    out = proc.stdout + proc.stderr
    for key in ('mIoU:', 'PQ:', 'PQ_th:', 'PQ_st:', 'mask/mAP:'):
        assert key in out, key
