"""tools/model_converters/hdmnet2mmseg.py on checkpoints laid out as the
HDMNet release saves them (PASCAL-5i, ResNet-50, 1-shot) and as BAM saves
its base-class PSPNet.

The release's parameter names and shapes are kept here as data (from its
model definitions: the deep-stem dilated ResNet-50, the PSP module and
classifier of BAM's PSPNet, the projections and merges, the transformer);
the test builds a random checkpoint with exactly those keys, converts it and
loads it strictly into the published config's model.
"""
import math
import subprocess
import sys

import pytest
import torch

from ._runner_utils import REPO_ROOT

sys.path.insert(0, str(REPO_ROOT / 'tools' / 'model_converters'))
import hdmnet2mmseg  # noqa: E402

sys.path.pop(0)

CONFIG = str(REPO_ROOT / 'configs' / 'hdmnet' /
             'hdmnet_r50_1xb8-100k_pascal5i-fold0-1shot-473x473.py')
T = 'transformer.mix_transformer.'


def _bn(prefix, c):
    return {
        f'{prefix}.weight': (c, ),
        f'{prefix}.bias': (c, ),
        f'{prefix}.running_mean': (c, ),
        f'{prefix}.running_var': (c, ),
        f'{prefix}.num_batches_tracked': (),
    }


def _ln(prefix, c=64):
    return {f'{prefix}.weight': (c, ), f'{prefix}.bias': (c, )}


def pspnet_shapes(num_classes=16):
    """BAM's PSPNet-R50: deep stem (64, 64, 128), Bottleneck layers of
    3, 4, 6, 3 blocks, PPM bins 1, 2, 3, 6 (2048 -> 512 each), classifier
    3x3 4096 -> 512 + BN, then 1x1 512 -> classes."""
    s = {'layer0.0.weight': (64, 3, 3, 3), 'layer0.3.weight': (64, 64, 3, 3),
         'layer0.6.weight': (128, 64, 3, 3)}
    s.update({**_bn('layer0.1', 64), **_bn('layer0.4', 64),
              **_bn('layer0.7', 128)})
    inplanes = 128
    for layer, (planes, blocks) in enumerate(
            zip((64, 128, 256, 512), (3, 4, 6, 3)), start=1):
        for j in range(blocks):
            p = f'layer{layer}.{j}'
            s[f'{p}.conv1.weight'] = (planes, inplanes, 1, 1)
            s[f'{p}.conv2.weight'] = (planes, planes, 3, 3)
            s[f'{p}.conv3.weight'] = (4 * planes, planes, 1, 1)
            s.update({**_bn(f'{p}.bn1', planes), **_bn(f'{p}.bn2', planes),
                      **_bn(f'{p}.bn3', 4 * planes)})
            if j == 0:
                s[f'{p}.downsample.0.weight'] = (4 * planes, inplanes, 1, 1)
                s.update(_bn(f'{p}.downsample.1', 4 * planes))
            inplanes = 4 * planes
    for i in range(4):
        s[f'ppm.features.{i}.1.weight'] = (512, 2048, 1, 1)
        s.update(_bn(f'ppm.features.{i}.2', 512))
    s['cls.0.weight'] = (512, 4096, 3, 3)
    s.update(_bn('cls.1', 512))
    s['cls.4.weight'] = (num_classes, 512, 1, 1)
    s['cls.4.bias'] = (num_classes, )
    return s


def _encoder_layer(prefix, sr):
    s = {**_ln(f'{prefix}.norm1'), **_ln(f'{prefix}.norm2')}
    for name in ('q', 'k', 'v', 'o'):
        s[f'{prefix}.attn.attn.linear_{name}.weight'] = (64, 64)
    if sr > 1:
        s[f'{prefix}.attn.sr.weight'] = (64, 64, sr, sr)
        s[f'{prefix}.attn.sr.bias'] = (64, )
        s.update(_ln(f'{prefix}.attn.norm'))
    s[f'{prefix}.ffn.layers.0.weight'] = (256, 64, 1, 1)
    s[f'{prefix}.ffn.layers.0.bias'] = (256, )
    s[f'{prefix}.ffn.layers.1.weight'] = (256, 1, 3, 3)
    s[f'{prefix}.ffn.layers.1.bias'] = (256, )
    s[f'{prefix}.ffn.layers.4.weight'] = (64, 256, 1, 1)
    s[f'{prefix}.ffn.layers.4.bias'] = (64, )
    return s


def hdmnet_shapes(shot=1):
    """The release's HDMNet (PASCAL-5i, ResNet-50): the PSPNet parts under
    their HDMNet names, projections, merges, ensemble and transformer."""
    s = {}
    for key, shape in pspnet_shapes().items():
        if key.startswith('cls.4.'):
            key = 'base_learnear.2.' + key[len('cls.4.'):]
        s[key] = shape
    s.update({'down_supp.0.weight': (256, 1536, 1, 1),
              'down_query.0.weight': (256, 1536, 1, 1),
              'query_merge.0.weight': (64, 514, 1, 1),
              'supp_merge.0.weight': (64, 512, 1, 1),
              'gram_merge.weight': (1, 2, 1, 1),
              'cls_merge.weight': (1, 2, 1, 1)})
    if shot > 1:
        s.update({'kshot_rw.0.weight': (2, shot, 1, 1),
                  'kshot_rw.0.bias': (2, ),
                  'kshot_rw.2.weight': (shot, 2, 1, 1),
                  'kshot_rw.2.bias': (shot, )})
    for i, (kernel, sr) in enumerate(zip((1, 3, 3), (4, 2, 1))):
        p = f'{T}down_sample_layers.{i}'
        s[f'{p}.0.projection.weight'] = (64, 64, kernel, kernel)
        s[f'{p}.0.projection.bias'] = (64, )
        s.update(_ln(f'{p}.0.norm'))
        for j in (1, 2):
            s.update(_encoder_layer(f'{p}.{j}', sr))
        s.update(_ln(f'{p}.3'))
        m = f'{T}match_layers.{i}'
        s.update(_encoder_layer(f'{m}.0', 1))
        s[f'{m}.1.conv.weight'] = (64, 66, 3, 3)
        s.update(_bn(f'{m}.1.bn', 64))
        q = f'{T}parse_layers.{i}'
        s.update({f'{q}.0.weight': (256, 64, 1, 1), f'{q}.0.bias': (256, ),
                  f'{q}.2.weight': (256, 256, 3, 3), f'{q}.2.bias': (256, ),
                  f'{q}.4.weight': (64, 256, 1, 1), f'{q}.4.bias': (64, )})
        s.update({**_bn(f'{q}.1', 256), **_bn(f'{q}.3', 256),
                  **_bn(f'{q}.5', 64)})
    s.update({f'{T}cls.0.weight': (256, 64, 1, 1), f'{T}cls.0.bias': (256, ),
              f'{T}cls.2.weight': (256, 256, 3, 3), f'{T}cls.2.bias': (256, ),
              f'{T}cls.4.weight': (2, 256, 1, 1), f'{T}cls.4.bias': (2, )})
    s.update({**_bn(f'{T}cls.1', 256), **_bn(f'{T}cls.3', 256)})
    return s


def _random(shapes, prefix=''):
    g = torch.Generator().manual_seed(0)
    return {
        prefix + k: (torch.randint(0, 100, shape, generator=g)
                     if k.endswith('num_batches_tracked') else
                     torch.randn(shape, generator=g))
        for k, shape in shapes.items()
    }


@pytest.fixture(scope='module')
def release():
    return _random(hdmnet_shapes())


def test_release_checkpoint_loads_strictly_and_keeps_every_tensor(release):
    converted = hdmnet2mmseg.convert_hdmnet(release)
    model = hdmnet2mmseg.load_into_config(converted, CONFIG)
    state = model.state_dict()
    # spot checks of the mapping, value for value
    pairs = {
        'layer0.6.weight': 'backbone.stem.6.weight',
        'layer3.2.conv2.weight': 'backbone.layer3.2.conv2.weight',
        'ppm.features.3.1.weight': 'base_learner.psp_modules.3.1.conv.weight',
        'ppm.features.0.2.running_var':
        'base_learner.psp_modules.0.1.bn.running_var',
        'cls.0.weight': 'base_learner.bottleneck.conv.weight',
        'base_learnear.2.bias': 'base_learner.conv_seg.bias',
        'query_merge.0.weight': 'query_merge.0.weight',
        'gram_merge.weight': 'ensemble.gate.weight',
        'cls_merge.weight': 'ensemble.merge.weight',
        f'{T}down_sample_layers.1.0.projection.weight':
        'decode_head.embeds.1.conv.weight',
        f'{T}down_sample_layers.0.2.attn.norm.bias':
        'decode_head.stages.0.1.sr_norm.bias',
        f'{T}down_sample_layers.2.3.weight':
        'decode_head.stage_norms.2.weight',
        f'{T}match_layers.1.0.attn.attn.linear_o.weight':
        'decode_head.matchings.1.proj.weight',
        f'{T}match_layers.2.1.conv.weight':
        'decode_head.match_convs.2.conv.weight',
        f'{T}parse_layers.0.4.bias': 'decode_head.refines.0.4.bias',
        f'{T}cls.4.weight': 'decode_head.conv_seg.weight',
        f'{T}cls.3.running_mean': 'decode_head.cls.3.running_mean',
    }
    for src, dst in pairs.items():
        assert torch.equal(state[dst], release[src]), (src, dst)
    kv = state['decode_head.stages.1.0.kv.weight']
    p = f'{T}down_sample_layers.1.1.attn.attn.linear_'
    assert torch.equal(kv, torch.cat([release[p + 'k.weight'],
                                      release[p + 'v.weight']]))
    # every tensor of the release lands somewhere (k and v fused in pairs)
    fused = sum(1 for k in release
                if k.startswith(f'{T}down_sample_layers.')
                and k.endswith(('linear_k.weight', 'linear_v.weight')))
    assert len(converted) == len(release) - fused // 2


def test_data_parallel_prefix_and_k_shot_reweighting(release):
    prefixed = {'module.' + k: v for k, v in release.items()}
    assert hdmnet2mmseg.convert_hdmnet(prefixed).keys() == \
        hdmnet2mmseg.convert_hdmnet(release).keys()
    five = _random(hdmnet_shapes(shot=5))
    assert any(k.startswith('kshot_rw.') for k in five)
    converted = hdmnet2mmseg.convert_hdmnet(five)
    assert not any('kshot' in k for k in converted)


def test_unknown_missing_and_misshaped_keys_are_refused(release):
    with pytest.raises(KeyError, match='unknown HDMNet release key: aux.0'):
        hdmnet2mmseg.convert_hdmnet(dict(release, **{'aux.0.weight':
                                                     torch.zeros(1)}))
    partial = dict(release)
    del partial[f'{T}parse_layers.2.5.running_var']
    with pytest.raises(KeyError,
                       match=r'missing keys .*refines\.2\.5\.running_var'):
        hdmnet2mmseg.load_into_config(
            hdmnet2mmseg.convert_hdmnet(partial), CONFIG)
    wrong = dict(release)
    wrong['query_merge.0.weight'] = torch.zeros(64, 513, 1, 1)  # one prior
    with pytest.raises(ValueError, match=r'query_merge\.0\.weight'):
        hdmnet2mmseg.load_into_config(
            hdmnet2mmseg.convert_hdmnet(wrong), CONFIG)
    only_k = dict(release)
    del only_k[f'{T}down_sample_layers.0.1.attn.attn.linear_v.weight']
    with pytest.raises(KeyError, match='linear_k/linear_v'):
        hdmnet2mmseg.convert_hdmnet(only_k)


def test_pspnet_checkpoint_converts_to_mmseg_and_loads_into_the_config():
    bam = _random(pspnet_shapes())
    converted = hdmnet2mmseg.convert_pspnet(bam)
    assert set(k.split('.')[0] for k in converted) == {'backbone',
                                                        'decode_head'}
    model = hdmnet2mmseg.load_into_config(converted, CONFIG, pspnet=True)
    assert torch.equal(model.base_learner.conv_seg.weight, bam['cls.4.weight'])
    assert torch.equal(model.backbone.stem[0].weight, bam['layer0.0.weight'])
    with pytest.raises(KeyError, match='unknown BAM PSPNet key: fc.weight'):
        hdmnet2mmseg.convert_pspnet(dict(bam, **{'fc.weight':
                                                 torch.zeros(1)}))


def test_command_line(tmp_path):
    src, dst = tmp_path / 'bam.pth', tmp_path / 'pspnet.pth'
    torch.save({'state_dict': _random(pspnet_shapes(), 'module.')}, src)
    script = REPO_ROOT / 'tools' / 'model_converters' / 'hdmnet2mmseg.py'
    proc = subprocess.run(
        [sys.executable, str(script), str(src), str(dst), '--config', CONFIG,
         '--pspnet'], capture_output=True, text=True, cwd=REPO_ROOT)
    assert proc.returncode == 0, proc.stderr
    saved = torch.load(dst, weights_only=True)['state_dict']
    assert 'decode_head.bottleneck.bn.running_mean' in saved
    # a full HDMNet checkpoint is not a PSPNet: refused, naming the key
    torch.save({'state_dict': _random(hdmnet_shapes())}, src)
    proc = subprocess.run(
        [sys.executable, str(script), str(src), str(dst), '--config', CONFIG,
         '--pspnet'], capture_output=True, text=True, cwd=REPO_ROOT)
    assert proc.returncode != 0
    assert 'unknown BAM PSPNet key: base_learnear.2.weight' in proc.stderr


def _realistic(shapes, seed=0):
    """Random weights that keep a 50-layer network's activations of order
    one: He-scaled convs / linears, BN and LN near identity."""
    g = torch.Generator().manual_seed(seed)
    out = {}
    for key, shape in shapes.items():
        if key.endswith('num_batches_tracked'):
            out[key] = torch.tensor(0)
        elif key.endswith('running_var'):
            out[key] = 0.5 + torch.rand(shape, generator=g)
        elif len(shape) >= 2:
            fan_in = math.prod(shape[1:])
            out[key] = torch.randn(shape, generator=g) / math.sqrt(fan_in)
        elif key.endswith('weight'):
            out[key] = 1 + 0.1 * torch.randn(shape, generator=g)
        else:  # biases and running means
            out[key] = 0.1 * torch.randn(shape, generator=g)
    return out


def test_converted_model_predicts_as_the_release():
    """Our model with converted weights gives the release's prediction on
    the same episode (the release's forward written out in
    tests/test_models/_hdmnet_release.py). 137x137 images give an 18x18
    feature grid, which the first stage's key reduction (4) does not
    divide: the release's strided conv drops the remainder, and so does
    ours."""
    from mmengine.structures import PixelData
    from mmseg.structures import SegDataSample

    from tests.test_models._hdmnet_release import release_forward

    sd = _realistic(hdmnet_shapes())
    model = hdmnet2mmseg.load_into_config(hdmnet2mmseg.convert_hdmnet(sd),
                                          CONFIG).eval()
    g = torch.Generator().manual_seed(1)
    query = torch.randn(1, 3, 137, 137, generator=g)
    support = torch.randn(1, 3, 137, 137, generator=g)
    label = torch.zeros(1, 137, 137, dtype=torch.long)
    label[:, 30:100, 40:110] = 1
    label[:, :5] = 255
    sample = SegDataSample(gt_support_seg=PixelData(data=label))
    sample.set_metainfo(dict(class_id=1, shot=1))  # novel in fold 0
    with torch.no_grad():
        ours = model._forward(torch.stack([query, support], dim=1),
                              [sample])
    expected = release_forward(sd, query, support, label)
    assert ours.shape == expected.shape == (1, 2, 18, 18)
    torch.testing.assert_close(ours, expected, rtol=1e-5, atol=1e-5)
