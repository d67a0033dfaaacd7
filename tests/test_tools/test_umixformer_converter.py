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
