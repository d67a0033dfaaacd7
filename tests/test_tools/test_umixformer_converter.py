"""Round trip of tools/model_converters/umixformer2mmseg.py with the key
names of the checkpoints released with the paper."""
import subprocess
import sys

import pytest
import torch

B0 = [32, 64, 160, 256]
MIX = sum(B0)


def official_head_state(num_classes=150, embed=128):
    """A state dict named and shaped like the official U-MixFormer-B0 head,
    dead layers included."""
    g = torch.Generator().manual_seed(0)

    def t(*shape):
        return torch.randn(*shape, generator=g)

    sd = {}
    for stage, d in zip('4321', B0[::-1]):
        p = f'decode_head.attn_c{stage}.'
        for norm, dims in (('norm1', d), ('norm2', MIX), ('norm3', d)):
            sd[p + norm + '.weight'] = t(dims)
            sd[p + norm + '.bias'] = t(dims)
        sd[p + 'attn.q.weight'] = t(d, d)
        sd[p + 'attn.kv.weight'] = t(2 * d, MIX)
        sd[p + 'attn.proj.weight'] = t(d, d)
        sd[p + 'attn.proj.bias'] = t(d)
        sd[p + 'attn.sr.weight'] = t(MIX, MIX, 1, 1)  # dead
        sd[p + 'attn.sr.bias'] = t(MIX)  # dead
        sd[p + 'attn.norm.weight'] = t(MIX)  # dead
        sd[p + 'attn.norm.bias'] = t(MIX)  # dead
        sd[p + 'mlp.fc1.weight'] = t(4 * d, d)
        sd[p + 'mlp.fc1.bias'] = t(4 * d)
        sd[p + 'mlp.dwconv.dwconv.weight'] = t(4 * d, 1, 3, 3)
        sd[p + 'mlp.dwconv.dwconv.bias'] = t(4 * d)
        sd[p + 'mlp.fc2.weight'] = t(d, 4 * d)
        sd[p + 'mlp.fc2.bias'] = t(d)
    for k in range(1, 5):
        # 1x1 convs of slots 3, 2, 1 in that order
        for i, c in enumerate(B0[2::-1]):
            sd[f'decode_head.cat_key{k}.sr_list.{i}.weight'] = t(c, c, 1, 1)
            sd[f'decode_head.cat_key{k}.sr_list.{i}.bias'] = t(c)
    sd['decode_head.linear_fuse.conv.weight'] = t(embed, MIX, 1, 1)
    for name in ('weight', 'bias', 'running_mean'):
        sd[f'decode_head.linear_fuse.bn.{name}'] = t(embed)
    sd['decode_head.linear_fuse.bn.running_var'] = t(embed).abs()
    sd['decode_head.linear_fuse.bn.num_batches_tracked'] = torch.tensor(7)
    sd['decode_head.linear_pred.weight'] = t(num_classes, embed, 1, 1)
    sd['decode_head.linear_pred.bias'] = t(num_classes)
    sd['decode_head.conv_seg.weight'] = t(num_classes, 256, 1, 1)  # dead
    sd['decode_head.conv_seg.bias'] = t(num_classes)  # dead
    return sd


@pytest.fixture(scope='module')
def official_checkpoint(tmp_path_factory, repo_root):
    from mmengine.config import Config
    from mmengine.registry import init_default_scope
    from mmseg.registry import MODELS

    import mmseg_maskattn  # noqa: F401
    init_default_scope('mmseg')
    cfg = Config.fromfile(str(repo_root / 'configs/umixformer/b0_ade20k.py'))
    model = MODELS.build(cfg.model)
    sd = {
        k: v.clone()
        for k, v in model.state_dict().items() if k.startswith('backbone.')
    }
    sd.update(official_head_state())
    path = tmp_path_factory.mktemp('ckpt') / 'official_b0.pth'
    torch.save(dict(state_dict=sd, meta=dict(note='official layout')), path)
    return path, sd


def test_convert_and_load_strictly(official_checkpoint, repo_root, tmp_path):
    src, official = official_checkpoint
    dst = tmp_path / 'converted.pth'
    subprocess.run([
        sys.executable,
        str(repo_root / 'tools/model_converters/umixformer2mmseg.py'),
        str(src),
        str(dst), '--config',
        str(repo_root / 'configs/umixformer/b0_ade20k.py')
    ],
                   check=True,
                   cwd=repo_root)
    sd = torch.load(dst, weights_only=True)['state_dict']
    # dead layers are gone, everything else is kept
    def is_dead(k):
        return k.startswith('decode_head.') and (
            '.attn.sr.' in k or '.attn.norm.' in k or 'conv_seg' in k)

    assert not any(is_dead(k) for k in sd if 'conv_seg' not in k)
    dead = sum(1 for k in official if is_dead(k))
    assert len(sd) == len(official) - dead
    # values land where the paper's structure says they belong
    h = 'decode_head.'
    torch.testing.assert_close(
        sd[h + 'blocks.0.ffn.layers.0.weight'][:, :, 0, 0],
        official[h + 'attn_c4.mlp.fc1.weight'])
    torch.testing.assert_close(sd[h + 'blocks.3.attn.kv.weight'],
                               official[h + 'attn_c1.attn.kv.weight'])
    torch.testing.assert_close(sd[h + 'blocks.2.ffn.layers.1.bias'],
                               official[h + 'attn_c2.mlp.dwconv.dwconv.bias'])
    torch.testing.assert_close(sd[h + 'kv_mixers.1.convs.0.weight'],
                               official[h + 'cat_key2.sr_list.0.weight'])
    torch.testing.assert_close(sd[h + 'kv_mixers.3.convs.2.weight'],
                               official[h + 'cat_key4.sr_list.2.weight'])
    torch.testing.assert_close(sd[h + 'conv_seg.weight'],
                               official[h + 'linear_pred.weight'])
    torch.testing.assert_close(sd[h + 'fuse.bn.running_var'],
                               official[h + 'linear_fuse.bn.running_var'])
    torch.testing.assert_close(sd['backbone.layers.0.0.projection.weight'],
                               official['backbone.layers.0.0.projection.weight'])


def test_mismatching_config_is_rejected(official_checkpoint, repo_root):
    sys.path.insert(0, str(repo_root / 'tools' / 'model_converters'))
    try:
        import umixformer2mmseg as conv
    finally:
        sys.path.pop(0)
    src, _ = official_checkpoint
    sd = conv.convert_umixformer(conv.load_official(str(src)))
    with pytest.raises(ValueError, match='shape mismatch'):
        conv.load_into_config(
            sd,
            str(repo_root / 'configs/umixformer/'
                'umixformer_mit-b1_8xb2-160k_ade20k-512x512.py'))
    with pytest.raises(KeyError, match='attn_c4.attn.bogus'):
        conv.convert_umixformer({'decode_head.attn_c4.attn.bogus.weight':
                                 torch.zeros(1)})
    with pytest.raises(FileNotFoundError, match='nope.pth'):
        conv.load_official('nope.pth')


# Every released variant: the release's key names and shapes come from the
# reference head with the release's module names
# (tests/test_models/_umixformer_release.py) and, for LVT, from the official
# LVT layout one level down (backbone.backbone.<stage>...).
VARIANTS = sorted(
    p.name for p in (__import__('pathlib').Path(__file__).resolve()
                     .parents[2] / 'configs' / 'umixformer').glob('*.py')
    if ('ade20k' in p.name or 'cityscapes' in p.name))


def _release_model_and_checkpoint(repo_root, name, lvt_state_dict):
    """The reference model of config ``name`` with the release's layout and
    its checkpoint; ``lvt_state_dict`` (the ``lvt_official_state_dict``
    fixture) gives the official LVT layout for the LVT variant."""
    from mmengine.config import Config
    from mmengine.model import revert_sync_batchnorm
    from mmengine.registry import init_default_scope
    from mmseg.registry import MODELS

    from tests.test_models._umixformer_release import (ReleaseTaps,
                                                       release_head_cfg)
    init_default_scope('mmseg')
    cfg = Config.fromfile(str(repo_root / 'configs' / 'umixformer' / name))
    model_cfg = cfg.model
    model_cfg.decode_head = release_head_cfg(model_cfg.decode_head)
    model_cfg.backbone.init_cfg = None
    plus = model_cfg.backbone.type == 'MixVisionTransformerPlus'
    if plus:
        model_cfg.backbone.type = 'MixVisionTransformer'
        model_cfg.backbone.pop('extra_stage')
        model_cfg.backbone.pop('extra_interval')
    torch.manual_seed(0)
    release = revert_sync_batchnorm(MODELS.build(model_cfg))
    if plus:
        ReleaseTaps(release.backbone, stage=2, interval=6)
    ckpt = dict(release.state_dict())
    if model_cfg.backbone.type == 'LVT':
        from mmseg_maskattn.models.utils import lvt_convert
        official = {
            k: 0.1 * v
            for k, v in lvt_state_dict().items()
            if k.startswith('backbone.')
        }
        release.backbone.load_state_dict(lvt_convert(official), strict=True)
        ckpt = {k: v for k, v in ckpt.items() if not k.startswith('backbone.')}
        ckpt.update({'backbone.' + k: v for k, v in official.items()})
    return release.eval(), ckpt


@pytest.mark.parametrize('name', VARIANTS)
def test_release_checkpoint_of_every_variant(repo_root, name, tmp_path,
                                             lvt_official_state_dict):
    """Release key names and shapes -> convert -> strict load -> the same
    logits as the reference formulation with the release's weights."""
    sys.path.insert(0, str(repo_root / 'tools' / 'model_converters'))
    try:
        import umixformer2mmseg as conv
    finally:
        sys.path.pop(0)
    release, ckpt = _release_model_and_checkpoint(repo_root, name,
                                                  lvt_official_state_dict)
    path = tmp_path / 'release.pth'
    torch.save(dict(state_dict=ckpt), path)
    config = str(repo_root / 'configs' / 'umixformer' / name)
    ours = conv.load_into_config(
        conv.convert_umixformer(conv.load_official(str(path))), config)
    from mmengine.model import revert_sync_batchnorm
    ours = revert_sync_batchnorm(ours).eval()
    x = torch.randn(1, 3, 64, 64, generator=torch.Generator().manual_seed(1))
    with torch.no_grad():
        expected = release.decode_head(release.backbone(x))
        got = ours.decode_head(ours.backbone(x))
    assert torch.isfinite(expected).all()
    torch.testing.assert_close(got, expected, rtol=1e-4, atol=1e-4)


def test_checkpoint_that_leaves_weights_unloaded_is_refused(
        repo_root, tmp_path, lvt_official_state_dict):
    sys.path.insert(0, str(repo_root / 'tools' / 'model_converters'))
    try:
        import umixformer2mmseg as conv
    finally:
        sys.path.pop(0)
    name = 'umixformer_mit-b0_8xb1-160k_cityscapes-1024x1024.py'
    _, ckpt = _release_model_and_checkpoint(repo_root, name,
                                            lvt_official_state_dict)
    config = str(repo_root / 'configs' / 'umixformer' / name)
    # a release Cityscapes checkpoint without its key/value LayerNorms
    partial = {k: v for k, v in ckpt.items() if '.attn.norm2.' not in k}
    with pytest.raises(KeyError, match=r'missing keys.*attn\.kv_norm'):
        conv.load_into_config(conv.convert_umixformer(partial), config)
    # an LVT release checkpoint with a backbone key the mapping does not know
    lvt = 'umixformer_lvt_8xb2-160k_ade20k-512x512.py'
    _, ckpt = _release_model_and_checkpoint(repo_root, lvt,
                                            lvt_official_state_dict)
    ckpt['backbone.backbone.9.bogus'] = torch.zeros(1)
    with pytest.raises(KeyError, match='backbone.9.bogus'):
        conv.convert_umixformer(ckpt)
    # the command line refuses to run without a config to check against
    result = subprocess.run([
        sys.executable,
        str(repo_root / 'tools/model_converters/umixformer2mmseg.py'), 'a',
        'b'
    ], capture_output=True, text=True)
    assert result.returncode != 0 and '--config' in result.stderr
