"""Convert checkpoints of HDMNet's release (and BAM's PSPNet) to this
plugin's layout.

HDMNet: Hierarchical Dense Correlation Distillation for Few-Shot Segmentation
(Peng et al., CVPR 2023), https://arxiv.org/abs/2303.14652; its base learner
is the PSPNet of BAM (Lang et al., CVPR 2022),
https://arxiv.org/abs/2203.07615

Keys of the release's training checkpoints (``state_dict``, with or without
DataParallel's ``module.`` prefix) and where they go:

===================================================  ==========================
release                                              mmseg_maskattn (HDMNet)
===================================================  ==========================
layer0.{0,1,3,4,6,7}                                 backbone.stem.{same}
layer{1-4}.*                                         backbone.layer{1-4}.*
ppm.features.{i}.1 (conv) / .2 (BN)                  base_learner.psp_modules
                                                     .{i}.1.conv / .1.bn
cls.0 (conv) / cls.1 (BN)                            base_learner.bottleneck
                                                     .conv / .bn
base_learnear.2                                      base_learner.conv_seg
down_query / down_supp / query_merge / supp_merge    the same names
gram_merge / cls_merge                               ensemble.gate / .merge
transformer.mix_transformer.  (prefix T below)       decode_head.
T down_sample_layers.{i}.0.projection / .0.norm      embeds.{i}.conv / .norm
T down_sample_layers.{i}.{j}.norm1 / norm2           stages.{i}.{j-1}.same
T down_sample_layers.{i}.{j}.attn.attn.linear_q      stages.{i}.{j-1}.q
T ...linear_k + linear_v (concatenated)              stages.{i}.{j-1}.kv
T ...linear_o                                        stages.{i}.{j-1}.proj
T down_sample_layers.{i}.{j}.attn.sr / attn.norm     stages.{i}.{j-1}.sr /
                                                     .sr_norm
T down_sample_layers.{i}.{j}.ffn.layers.{0,1,4}      stages.{i}.{j-1}.same
T down_sample_layers.{i}.{depth+1}                   stage_norms.{i}
T match_layers.{i}.0.{norm1,norm2,ffn.layers.*}      matchings.{i}.same
T match_layers.{i}.0.attn.attn.linear_{q,k,v,o}      matchings.{i}.{q,k,v,proj}
T match_layers.{i}.1.{conv,bn}                       match_convs.{i}.{conv,bn}
T parse_layers.{i}.{0-5}                             refines.{i}.{0-5}
T cls.{0-3} / cls.4                                  cls.{0-3} / conv_seg
kshot_rw.* (K > 1 only)                              dropped: the release
                                                     never trains it (it is not
                                                     in its optimizer); the
                                                     shots are averaged here
===================================================  ==========================

With ``--pspnet`` the source is a PSPNet checkpoint of BAM's base-class
training (``layer0``-``layer4``, ``ppm``, ``cls.{0,1,4}``) and the result is
an mmseg PSPNet state dict (``backbone.*``, ``decode_head.*``), the file
that the HDMNet configs' ``base_checkpoint`` points to.

Every key must have a rule: an unknown key stops the conversion, naming it.
The converted weights are loaded strictly into the model of ``--config``
(its backbone and base learner with ``--pspnet``) before they are saved, so
a checkpoint that leaves any weight unloaded, or has keys or shapes the
model lacks, is refused with the keys listed.

Example:
    python tools/model_converters/hdmnet2mmseg.py \
        hdmnet_pascal_split0_resnet50.pth hdmnet_mmseg.pth --config \
        configs/hdmnet/hdmnet_r50_1xb8-100k_pascal5i-fold0-1shot-473x473.py
"""
import argparse
import os.path as osp
import re
from collections import OrderedDict
from typing import Dict, Optional

import torch
from _strict_load import check_and_load

TRANSFORMER = 'transformer.mix_transformer.'
_STEM = re.compile(r'^layer0\.([013467])\.(.+)$')
_RESNET = re.compile(r'^layer[1-4]\.')
_PPM = re.compile(r'^ppm\.features\.(\d+)\.([12])\.(.+)$')
_PSP_CLS = re.compile(r'^cls\.([01])\.(.+)$')
_PROJ = re.compile(
    r'^(down_query|down_supp|query_merge|supp_merge)\.0\.weight$')
_ENSEMBLE = {'gram_merge.weight': 'ensemble.gate.weight',
             'cls_merge.weight': 'ensemble.merge.weight'}
_STAGE = re.compile(r'^down_sample_layers\.(\d+)\.(\d+)\.(.+)$')
_MATCH = re.compile(r'^match_layers\.(\d+)\.([01])\.(.+)$')
_PARSE = re.compile(r'^parse_layers\.(\d+)\.([0-5])\.(.+)$')
_HEAD_CLS = re.compile(r'^cls\.([0-4])\.(.+)$')
_LINEAR = {'linear_q': 'q', 'linear_k': 'k', 'linear_v': 'v',
           'linear_o': 'proj'}
_BN = ('weight', 'bias', 'running_mean', 'running_var',
       'num_batches_tracked')


def _unknown(key: str) -> KeyError:
    return KeyError(f'unknown HDMNet release key: {key}')


def _backbone_or_psp(key: str, base: str) -> Optional[str]:
    """Name of a ResNet / PSPNet key of the release (None if it is not
    one); ``base`` is the prefix of the PSP head (``base_learner.`` or
    ``decode_head.``)."""
    m = _STEM.match(key)
    if m:
        return f'backbone.stem.{m.group(1)}.{m.group(2)}'
    if _RESNET.match(key):
        return 'backbone.' + key
    m = _PPM.match(key)
    if m:
        part = 'conv' if m.group(2) == '1' else 'bn'
        return f'{base}psp_modules.{m.group(1)}.1.{part}.{m.group(3)}'
    m = _PSP_CLS.match(key)
    if m:
        part = 'conv' if m.group(1) == '0' else 'bn'
        return f'{base}bottleneck.{part}.{m.group(2)}'
    return None


def _stage_layer(rest: str) -> str:
    """Our name of a key inside one of the release's EncoderLayers (self-
    or cross-attention), relative to the layer."""
    m = re.match(r'^attn\.attn\.(linear_[qkvo])\.weight$', rest)
    if m:
        return f'{_LINEAR[m.group(1)]}.weight'
    m = re.match(r'^attn\.(sr|norm)\.(weight|bias)$', rest)
    if m:
        part = 'sr' if m.group(1) == 'sr' else 'sr_norm'
        return f'{part}.{m.group(2)}'
    if re.match(r'^(norm[12]\.(weight|bias)|ffn\.layers\.[014]\.'
                r'(weight|bias))$', rest):
        return rest
    raise KeyError(rest)


def _transformer_key(key: str, depths: Dict[int, int]) -> str:
    """Our ``decode_head.`` name of a key of the release's transformer
    (``depths``: stage -> number of EncoderLayers, from the checkpoint)."""
    m = _STAGE.match(key)
    if m:
        i, j, rest = int(m.group(1)), int(m.group(2)), m.group(3)
        if j == 0:
            part = {'projection': 'conv', 'norm': 'norm'}[rest.split('.')[0]]
            return f'embeds.{i}.{part}.{rest.split(".", 1)[1]}'
        if j == depths[i] + 1:
            return f'stage_norms.{i}.{rest}'
        return f'stages.{i}.{j - 1}.{_stage_layer(rest)}'
    m = _MATCH.match(key)
    if m:
        i, part, rest = m.groups()
        if part == '1':
            return f'match_convs.{i}.{rest}'
        return f'matchings.{i}.{_stage_layer(rest)}'
    m = _PARSE.match(key)
    if m:
        return f'refines.{m.group(1)}.{m.group(2)}.{m.group(3)}'
    m = _HEAD_CLS.match(key)
    if m:
        if m.group(1) == '4':
            return f'conv_seg.{m.group(2)}'
        return f'cls.{m.group(1)}.{m.group(2)}'
    raise KeyError(key)


def _strip_module(ckpt: Dict[str, torch.Tensor]) -> Dict[str, torch.Tensor]:
    """Drop DataParallel's ``module.`` prefix when every key has it."""
    if ckpt and all(k.startswith('module.') for k in ckpt):
        return {k[len('module.'):]: v for k, v in ckpt.items()}
    return dict(ckpt)


def _stage_depths(keys) -> Dict[int, int]:
    """Stage -> number of EncoderLayers, from the release's key names (a
    stage holds its patch embedding 0, the layers 1..d, then a norm)."""
    last: Dict[int, int] = {}
    for key in keys:
        m = _STAGE.match(key[len(TRANSFORMER):])
        if key.startswith(TRANSFORMER) and m:
            i, j = int(m.group(1)), int(m.group(2))
            last[i] = max(last.get(i, 0), j)
    return {i: j - 1 for i, j in last.items()}


def convert_hdmnet(ckpt: Dict[str, torch.Tensor]) -> 'OrderedDict':
    """Map a state dict of the release's HDMNet to ``HDMNet``'s names."""
    ckpt = _strip_module(ckpt)
    depths = _stage_depths(ckpt)
    out: 'OrderedDict[str, torch.Tensor]' = OrderedDict()
    kv: Dict[str, Dict[str, torch.Tensor]] = {}
    for key, value in ckpt.items():
        if key.startswith('kshot_rw.'):
            continue  # never trained by the release (see the module doc)
        if key.startswith(TRANSFORMER):
            try:
                name = 'decode_head.' + _transformer_key(
                    key[len(TRANSFORMER):], depths)
            except KeyError:
                raise _unknown(key) from None
            if name.endswith(('.k.weight', '.v.weight')) and '.stages.' in (
                    name):
                # self-attention keys and values: one fused kv projection
                prefix, which = name.rsplit('.', 2)[0], name.split('.')[-2]
                kv.setdefault(prefix, {})[which] = value
                continue
            out[name] = value
            continue
        name = _backbone_or_psp(key, 'base_learner.')
        if name is None and key.startswith('base_learnear.2.'):
            name = 'base_learner.conv_seg.' + key[len('base_learnear.2.'):]
        if name is None and _PROJ.match(key):
            name = key
        if name is None:
            name = _ENSEMBLE.get(key)
        if name is None:
            raise _unknown(key)
        out[name] = value
    for prefix, parts in kv.items():
        if set(parts) != {'k', 'v'}:
            raise KeyError(f'{prefix}: the release checkpoint has only '
                           f'linear_{"".join(parts)} of linear_k/linear_v')
        out[prefix + '.kv.weight'] = torch.cat([parts['k'], parts['v']])
    return out


def convert_pspnet(ckpt: Dict[str, torch.Tensor]) -> 'OrderedDict':
    """Map a state dict of BAM's PSPNet to an mmseg PSPNet
    (``backbone.*``, ``decode_head.*``)."""
    out: 'OrderedDict[str, torch.Tensor]' = OrderedDict()
    for key, value in _strip_module(ckpt).items():
        name = _backbone_or_psp(key, 'decode_head.')
        if name is None and key.startswith('cls.4.'):
            name = 'decode_head.conv_seg.' + key[len('cls.4.'):]
        if name is None:
            raise KeyError(f'unknown BAM PSPNet key: {key}')
        out[name] = value
    return out


def load_release(path: str) -> Dict[str, torch.Tensor]:
    """Read a release checkpoint (weights only); return its state dict."""
    if not osp.isfile(path):
        raise FileNotFoundError(f'checkpoint not found: {path}')
    checkpoint = torch.load(path, map_location='cpu', weights_only=True)
    return checkpoint.get('state_dict', checkpoint)


def build_model(config: str) -> torch.nn.Module:
    """The model of ``config``, without its pretrained initialisation."""
    from mmengine.config import Config
    from mmengine.registry import init_default_scope
    from mmseg.registry import MODELS

    import mmseg_maskattn  # noqa: F401

    cfg = Config.fromfile(config)
    init_default_scope(cfg.get('default_scope', 'mmseg'))
    for key in ('backbone', 'base_learner'):
        if cfg.model.get(key):
            cfg.model[key].init_cfg = None
    return MODELS.build(cfg.model)


def load_into_config(state_dict: Dict[str, torch.Tensor], config: str, *,
                     pspnet: bool = False) -> torch.nn.Module:
    """Load ``state_dict`` strictly into the model of ``config`` (with
    ``pspnet``: into its backbone and base learner); return the model."""
    model = build_model(config)
    if not pspnet:
        check_and_load(model, state_dict, config)
        return model
    if getattr(model, 'base_learner', None) is None:
        raise ValueError(f'{config} has no base_learner to load a PSPNet '
                         'into')
    for prefix, module in (('backbone.', model.backbone),
                           ('decode_head.', model.base_learner)):
        part = {
            k[len(prefix):]: v
            for k, v in state_dict.items() if k.startswith(prefix)
        }
        check_and_load(module, part, f'{config} ({prefix[:-1]})')
    return model


def main():
    parser = argparse.ArgumentParser(
        description='Convert checkpoints of the HDMNet release (or BAM '
        'PSPNets with --pspnet) to the mmseg_maskattn layout')
    parser.add_argument('src', help='release checkpoint path')
    parser.add_argument('dst', help='output path')
    parser.add_argument(
        '--config',
        required=True,
        help='HDMNet config whose model must load the result strictly '
        '(checked before saving: no weight may stay unloaded)')
    parser.add_argument(
        '--pspnet',
        action='store_true',
        help='the source is a BAM PSPNet (base learner and backbone); the '
        "result is an mmseg PSPNet, checked against the config's backbone "
        'and base learner')
    args = parser.parse_args()
    release = load_release(args.src)
    if args.pspnet:
        state_dict = convert_pspnet(release)
    else:
        state_dict = convert_hdmnet(release)
    load_into_config(state_dict, args.config, pspnet=args.pspnet)
    torch.save(dict(state_dict=state_dict), args.dst)
    print(f'saved {len(state_dict)} tensors to {args.dst}')


if __name__ == '__main__':
    main()
