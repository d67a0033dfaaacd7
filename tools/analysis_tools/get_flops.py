"""Parameters and GFLOPs of a config's model at a given input shape.

FLOPs follow mmengine's convention (one multiply-accumulate = one FLOP) and
include the attention matrix products (QK^T and AV), which mmengine's
counter skips; see :mod:`mmseg_maskattn.analysis.complexity`. Operators that
are still not counted (element-wise ones such as softmax, GELU, pooling)
are listed so the number can be judged.

``--direct-head`` counts a UMixFormerHead computed the way the paper
writes it (the 1x1 fusion conv applied to the concatenation of the upsampled
decoder outputs) instead of our equivalent but cheaper order (each output
projected before upsampling); the weights and the result are the same. Use
it to compare with published GFLOPs.

Example:
    python tools/analysis_tools/get_flops.py configs/umixformer/b0_ade20k.py \
        --shape 512 512
"""
import argparse

from mmengine.config import DictAction

import torch.nn as nn

from mmseg_maskattn.analysis import (build_model_from_config, count_flops,
                                     count_params,
                                     reference_umixformer_forward)


class DirectHeadForward(nn.Module):
    """Backbone + UMixFormerHead in the paper's order of operations."""

    def __init__(self, model: nn.Module) -> None:
        super().__init__()
        if type(model.decode_head).__name__ != 'UMixFormerHead':
            raise ValueError('--direct-head needs a UMixFormerHead config, got '
                             f'{type(model.decode_head).__name__}')
        self.backbone = model.backbone
        self.decode_head = model.decode_head

    def forward(self, inputs):
        return reference_umixformer_forward(self.decode_head,
                                            self.backbone(inputs))


def parse_args():
    parser = argparse.ArgumentParser(
        description='Count the params and GFLOPs of a segmentor')
    parser.add_argument('config', help='config file path')
    parser.add_argument(
        '--shape',
        type=int,
        nargs='+',
        default=[512, 512],
        help='input image size: H W (or one number for a square)')
    parser.add_argument(
        '--depth',
        type=int,
        default=1,
        help='also print GFLOPs of sub-modules down to this depth')
    parser.add_argument(
        '--direct-head',
        action='store_true',
        help='count a UMixFormerHead in the order of operations of the paper')
    parser.add_argument(
        '--cfg-options',
        nargs='+',
        action=DictAction,
        help='override some settings in the used config')
    return parser.parse_args()


def main():
    args = parse_args()
    if len(args.shape) == 1:
        h = w = args.shape[0]
    elif len(args.shape) == 2:
        h, w = args.shape
    else:
        raise ValueError(f'--shape takes H W or one size, got {args.shape}')
    model = build_model_from_config(args.config, args.cfg_options)
    params = count_params(model)
    net = DirectHeadForward(model) if args.direct_head else model
    flops, uncounted, by_module = count_flops(
        net, (3, h, w), by_module_depth=args.depth)
    split = '=' * 40
    print(f'{split}\nConfig: {args.config}\nInput shape: (3, {h}, {w})')
    if args.direct_head:
        print('Head counted in the order of operations of the paper')
    print(f'Params: {params / 1e6:.3f} M\nFLOPs: {flops / 1e9:.3f} G')
    for name, value in sorted(by_module.items()):
        print(f'  {name}: {value / 1e9:.3f} G')
    if uncounted:
        ops = ', '.join(f'{op} x{n}' for op, n in sorted(uncounted.items()))
        print(f'Not counted (element-wise or unsupported): {ops}')
    print(split)


if __name__ == '__main__':
    main()
