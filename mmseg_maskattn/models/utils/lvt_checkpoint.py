"""Convert official LVT checkpoint keys to the layout of
:class:`~mmseg_maskattn.models.backbones.LVT`.

Lite Vision Transformer with Enhanced Self-Attention (Chenglin Yang, Yilin
Wang, Jianming Zhang, He Zhang, Zijun Wei, Zhe Lin, Alan Yuille; CVPR 2022),
https://arxiv.org/abs/2112.10809
"""
import re
from collections import OrderedDict
from typing import Dict

import torch

__all__ = ['is_official_lvt_key', 'lvt_convert']

# official key: backbone.<stage>.<0: patch embed | 1: blocks>.<rest>
_OFFICIAL_KEY = re.compile(r'^backbone\.(\d+)\.([01])\.(.+)$')
# official block sub-key prefix -> this implementation (first match wins)
_BLOCK_RENAMES = (
    ('attn.attn.', 'attn.attn_gen.'),
    ('attn.weight.weight', 'attn.value_weight'),
    ('attn.ds.', 'attn.atrous_conv.'),
    ('mlp.depconv.', 'ffn.dwconv.'),
    ('mlp.', 'ffn.'),
)


def is_official_lvt_key(key: str) -> bool:
    """Whether ``key`` is a backbone key of the official LVT layout.

    Official keys (https://github.com/Chenglin-Yang/LVT) read
    ``backbone.<stage>.<0: patch embed | 1: blocks>.<rest>``; they are the
    keys :func:`lvt_convert` maps, every other key is dropped by it.

    Args:
        key (str): A state-dict key.

    Returns:
        bool: True if :func:`lvt_convert` converts ``key``.
    """
    return _OFFICIAL_KEY.match(key) is not None


def lvt_convert(
        state_dict: Dict[str, torch.Tensor]) -> Dict[str, torch.Tensor]:
    """Convert an official LVT state dict to the keys and shapes of LVT.

    The target is :class:`~mmseg_maskattn.models.backbones.LVT`, whose
    ``Pretrained`` init calls this function on official checkpoints;
    ``tools/model_converters/lvt2mmseg.py`` wraps it as a command.

    The official code (https://github.com/Chenglin-Yang/LVT) stores stage
    ``i`` as ``backbone.i.0`` (patch embedding) and ``backbone.i.1.j``
    (blocks). Keys outside ``backbone.`` (the ImageNet class-attention post
    layers, class token, final norm and heads) are dropped. Shapes: the
    CSA grouped 1x1 conv ``(k*k*C, C, 1, 1)`` becomes the ``(k*k, C, C)``
    value weight and the 1x1-conv FFN linears ``(out, in, 1, 1)`` become
    ``(out, in)``.

    Args:
        state_dict (dict[str, Tensor]): Official checkpoint weights.

    Returns:
        dict[str, Tensor]: Weights named as in LVT (ordered).
    """
    converted = OrderedDict()
    for key, value in state_dict.items():
        match = _OFFICIAL_KEY.match(key)
        if match is None:
            continue
        stage, part, rest = match.groups()
        if part == '0':
            rest = re.sub(r'^proj\.', 'projection.', rest)
        else:
            block, name = rest.split('.', 1)
            for old, new in _BLOCK_RENAMES:
                if name.startswith(old):
                    name = new + name[len(old):]
                    break
            if name == 'attn.value_weight':
                channels = value.shape[1]
                # (k2 * C_out, C_in, 1, 1) -> (k2, C_out, C_in)
                value = value.reshape(-1, channels, channels)
            elif name in ('ffn.fc1.weight',
                          'ffn.fc2.weight') and value.dim() == 4:
                value = value.flatten(1)  # (out, in, 1, 1) -> (out, in)
            rest = f'{block}.{name}'
        converted[f'layers.{stage}.{part}.{rest}'] = value
    return converted
