"""Convert a checkpoint released with U-MixFormer to this plugin's layout.

U-MixFormer: UNet-like Transformer with Mix-Attention for Efficient Semantic
Segmentation (Yeom & von Klitzing, WACV 2025),
https://arxiv.org/abs/2312.06272

Official head keys (prefix ``decode_head.``) and where they go:

=====================================  =======================================
official                               mmseg_maskattn (UMixFormerHead)
=====================================  =======================================
attn_c{4,3,2,1}.norm{1,2,3}            blocks.{0,1,2,3}.norm{1,2,3}
attn_c*.attn.{q,kv,proj}               blocks.*.attn.{q,kv,proj}
attn_c*.attn.sr1 (Cityscapes)          blocks.*.q_proj (query pooling conv)
attn_c*.attn.norm1 (Cityscapes)        blocks.*.q_norm
attn_c*.attn.norm2 (Cityscapes)        blocks.*.attn.kv_norm
attn_c*.mlp.fc1 (Linear)               blocks.*.ffn.layers.0 (1x1 conv)
attn_c*.mlp.dwconv.dwconv              blocks.*.ffn.layers.1
attn_c*.mlp.fc2 (Linear)               blocks.*.ffn.layers.4 (1x1 conv)
cat_key{1,2,3,4}.sr_list.{i}           kv_mixers.{0,1,2,3}.convs.{i}
                                       (U-MixFormer+: the extra maps' convs
                                       follow the slots' in both layouts)
linear_fuse.{conv,bn}                  fuse.{conv,bn}
linear_pred                            conv_seg
attn_c*.attn.{sr,norm,sr2}, conv_seg   dropped (created but never used)
=====================================  =======================================

Backbone keys in mmseg's layout (MiT, MiT+, MSCAN) are kept unchanged. The
LVT backbone of the release is stored as ``backbone.backbone.<stage>...``
(LVT's own layout one level down) and is converted with
:func:`~mmseg_maskattn.models.utils.lvt_convert`. The converted
state dict is loaded strictly into the model built from ``--config`` before
it is saved, so a checkpoint that leaves any weight of the model unloaded,
or has keys or shapes the model lacks, is rejected with the keys listed.

Example:
    python tools/model_converters/umixformer2mmseg.py \
        umixformer_b0_ade.pth umixformer_b0_mmseg.pth \
        --config configs/umixformer/b0_ade20k.py
"""
import argparse
import os.path as osp
import re
from collections import OrderedDict
from typing import Dict, Tuple

import torch
from _strict_load import check_and_load

HEAD = 'decode_head.'
# decoder stage of the paper -> index in UMixFormerHead.blocks
STAGE_TO_BLOCK = {'4': 0, '3': 1, '2': 2, '1': 3}
FFN_LINEAR = {'fc1': 0, 'fc2': 4}

_ATTN_C = re.compile(r'^attn_c([1-4])\.(.+)$')
_CAT_KEY = re.compile(r'^cat_key([1-4])\.sr_list\.(\d+)\.(.+)$')
_DEAD = re.compile(r'^(attn_c[1-4]\.attn\.(sr|norm|sr2)\.|conv_seg\.)')
# Cityscapes attention layers -> this block
_CITY = {'attn.sr1.': 'q_proj.', 'attn.norm1.': 'q_norm.',
         'attn.norm2.': 'attn.kv_norm.'}
LVT_PREFIX = 'backbone.backbone.'


def _convert_head_key(key: str,
                      value: torch.Tensor) -> Tuple[str, torch.Tensor]:
    """Map one official head key (without prefix); '' means drop it."""
    if _DEAD.match(key):
        return '', value
    m = _ATTN_C.match(key)
    if m:
        block = f'blocks.{STAGE_TO_BLOCK[m.group(1)]}'
        rest = m.group(2)
        mlp = re.match(r'^mlp\.(fc1|fc2)\.(weight|bias)$', rest)
        if mlp:
            layer, param = mlp.groups()
            if param == 'weight':
                # Linear (out, in) -> 1x1 conv (out, in, 1, 1)
                value = value[:, :, None, None]
            return f'{block}.ffn.layers.{FFN_LINEAR[layer]}.{param}', value
        if rest.startswith('mlp.dwconv.dwconv.'):
            return f'{block}.ffn.layers.1.' + rest.split('.')[-1], value
        if re.match(r'^(norm[123]|attn\.(q|kv|proj))\.', rest):
            return f'{block}.{rest}', value
        for old, new in _CITY.items():
            if rest.startswith(old):
                return f'{block}.{new}{rest[len(old):]}', value
        raise KeyError(f'unknown official U-MixFormer key: {HEAD}{key}')
    m = _CAT_KEY.match(key)
    if m:
        stage, index, param = m.groups()
        return f'kv_mixers.{int(stage) - 1}.convs.{index}.{param}', value
    if key.startswith('linear_fuse.'):
        return 'fuse.' + key[len('linear_fuse.'):], value
    if key.startswith('linear_pred.'):
        return 'conv_seg.' + key[len('linear_pred.'):], value
    raise KeyError(f'unknown official U-MixFormer key: {HEAD}{key}')


def convert_umixformer(ckpt: Dict[str, torch.Tensor]) -> 'OrderedDict':
    """Convert an official U-MixFormer state dict to our key layout."""
    from mmseg_maskattn.models.utils import lvt_convert

    new_ckpt = OrderedDict()
    lvt = OrderedDict((key[len('backbone.'):], value)
                      for key, value in ckpt.items()
                      if key.startswith(LVT_PREFIX))
    if lvt:
        converted = lvt_convert(lvt)
        if len(converted) != len(lvt):
            raise KeyError(
                'unknown official U-MixFormer-LVT backbone keys: '
                f'{sorted(set(lvt) - _lvt_sources(lvt))}')
        for key, value in converted.items():
            new_ckpt['backbone.' + key] = value
    for key, value in ckpt.items():
        if key.startswith(LVT_PREFIX):
            continue
        if key.startswith(HEAD):
            new_key, value = _convert_head_key(key[len(HEAD):], value)
            if not new_key:
                continue
            new_ckpt[HEAD + new_key] = value
        else:
            new_ckpt[key] = value
    return new_ckpt


def _lvt_sources(lvt: Dict[str, torch.Tensor]) -> set:
    """The keys of ``lvt`` that :func:`lvt_convert` maps."""
    from mmseg_maskattn.models.utils import is_official_lvt_key
    return {key for key in lvt if is_official_lvt_key(key)}


def load_official(path: str) -> Dict[str, torch.Tensor]:
    """Read an official checkpoint (weights only) and return its state dict."""
    if not osp.isfile(path):
        raise FileNotFoundError(f'checkpoint not found: {path}')
    checkpoint = torch.load(path, map_location='cpu', weights_only=True)
    if 'state_dict' in checkpoint:
        return checkpoint['state_dict']
    if 'model' in checkpoint:
        return checkpoint['model']
    return checkpoint


def load_into_config(state_dict: Dict[str, torch.Tensor],
                     config: str) -> torch.nn.Module:
    """Build the model of ``config``, load ``state_dict`` strictly, return
    the model."""
    from mmengine.config import Config
    from mmengine.registry import init_default_scope
    from mmseg.registry import MODELS

    import mmseg_maskattn  # noqa: F401

    cfg = Config.fromfile(config)
    init_default_scope(cfg.get('default_scope', 'mmseg'))
    model_cfg = cfg.model
    model_cfg.pop('pretrained', None)
    model_cfg.backbone.init_cfg = None
    model = MODELS.build(model_cfg)
    check_and_load(model, state_dict, config)
    return model


def main():
    parser = argparse.ArgumentParser(
        description='Convert official U-MixFormer checkpoints to the '
        'mmseg_maskattn layout')
    parser.add_argument('src', help='official checkpoint path')
    parser.add_argument('dst', help='output path')
    parser.add_argument(
        '--config',
        required=True,
        help='config whose model must load the result strictly (checked '
        'before saving: no weight of the model may stay unloaded)')
    args = parser.parse_args()
    state_dict = convert_umixformer(load_official(args.src))
    load_into_config(state_dict, args.config)
    torch.save(dict(state_dict=state_dict), args.dst)
    print(f'saved {len(state_dict)} tensors to {args.dst}')


if __name__ == '__main__':
    main()
