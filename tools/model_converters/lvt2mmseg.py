"""Convert an official LVT checkpoint to the layout of this plugin's LVT.

Lite Vision Transformer with Enhanced Self-Attention (Chenglin Yang, Yilin
Wang, Jianming Zhang, He Zhang, Zijun Wei, Zhe Lin, Alan Yuille; CVPR 2022),
https://arxiv.org/abs/2112.10809

The conversion is :func:`mmseg_maskattn.models.utils.lvt_convert`, the one
LVT's ``Pretrained`` init applies on load; this command writes its result
once, so the saved file loads without conversion, e.g. with
``init_cfg=dict(type='Pretrained', checkpoint=DST)``. Keys outside the
official ``backbone.`` (ImageNet heads, class token) are dropped.

Example:
    python tools/model_converters/lvt2mmseg.py lvt_imagenet.pth.tar \
        lvt_mmseg.pth
"""
import argparse
import os.path as osp
from typing import Dict

import torch

from mmseg_maskattn.models.utils import lvt_convert

__all__ = ['convert_lvt_file', 'main']


def convert_lvt_file(src: str, dst: str) -> Dict[str, torch.Tensor]:
    """Convert the official LVT checkpoint ``src`` and save it to ``dst``.

    Args:
        src (str): Official checkpoint; its ``state_dict`` or ``model``
            entry is used if present.
        dst (str): Output path; it holds ``dict(state_dict=...)``.

    Returns:
        dict[str, Tensor]: The converted state dict.

    Raises:
        FileNotFoundError: If ``src`` does not exist.
        ValueError: If ``src`` has no key of the official LVT layout.
    """
    if not osp.isfile(src):
        raise FileNotFoundError(f'checkpoint not found: {src}')
    checkpoint = torch.load(src, map_location='cpu', weights_only=True)
    state_dict = checkpoint
    for key in ('state_dict', 'model'):
        if key in checkpoint:
            state_dict = checkpoint[key]
            break
    converted = lvt_convert(state_dict)
    if not converted:
        raise ValueError(f'{src} has no official LVT key '
                         '(backbone.<stage>.<0|1>.<name>)')
    torch.save(dict(state_dict=converted), dst)
    return converted


def main() -> None:
    """Command line: ``lvt2mmseg.py SRC DST``."""
    parser = argparse.ArgumentParser(
        description='Convert an official LVT checkpoint to the '
        'mmseg_maskattn LVT layout')
    parser.add_argument('src', help='official checkpoint path')
    parser.add_argument('dst', help='output path')
    args = parser.parse_args()
    converted = convert_lvt_file(args.src, args.dst)
    print(f'saved {len(converted)} tensors to {args.dst}')


if __name__ == '__main__':
    main()
