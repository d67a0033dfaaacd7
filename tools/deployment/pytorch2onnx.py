"""Export a semantic segmentor of this package to ONNX and check it.

The ONNX model maps a normalised image (the config's data preprocessor
applied: mean/std, RGB) of shape (B, 3, H, W) to logits (B, K, H, W); see
:mod:`mmseg_maskattn.deployment.onnx_export`. After the export the same
input runs through onnxruntime and PyTorch (and, with --dynamic, a second
input of another height and width): the largest difference is printed,
and the tool fails when it exceeds --atol. Exports with torch's
torch.export-based exporter (opset 18); --torchscript selects the older one
for static shapes.

Example:
    python tools/deployment/pytorch2onnx.py CONFIG CKPT --shape 512 512 \
        --out umixformer.onnx [--dynamic]
"""
import argparse
import os.path as osp
import sys

import torch
from mmengine.config import Config, DictAction
from mmseg.apis import init_model

import mmseg_maskattn  # noqa: F401  (registers modules)
from mmseg_maskattn.deployment import (check_onnx, export_onnx,
                                       exportable_reason)


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('config')
    parser.add_argument('checkpoint', help="checkpoint file, or 'none' for "
                        "the config's initial weights")
    parser.add_argument('--shape', type=int, nargs=2, required=True,
                        metavar=('H', 'W'))
    parser.add_argument('--out', default=None,
                        help='ONNX file (default: the config name + .onnx)')
    parser.add_argument('--dynamic', action='store_true',
                        help='dynamic height and width (batch 1)')
    parser.add_argument('--torchscript', action='store_true',
                        help="torch's TorchScript-based exporter instead of "
                        'the torch.export-based one; static shapes only (it '
                        "bakes the shapes of mmseg's MiT attention), and it "
                        "cannot export LVT's fold or PSP's pooling at sizes "
                        'that are not multiples of the bins')
    parser.add_argument('--opset', type=int, default=None,
                        help='ONNX opset (default: 18, 17 with '
                        '--torchscript)')
    parser.add_argument('--atol', type=float, default=1e-4,
                        help='largest accepted |onnx - torch| of the logits')
    parser.add_argument('--cfg-options', nargs='+', action=DictAction)
    return parser.parse_args()


def main():
    args = parse_args()
    if not osp.isfile(args.config):
        raise FileNotFoundError(f'config file not found: {args.config}')
    checkpoint = None if args.checkpoint == 'none' else args.checkpoint
    if checkpoint is not None and not osp.isfile(checkpoint):
        raise FileNotFoundError(f'checkpoint file not found: {checkpoint}')
    cfg = Config.fromfile(args.config)
    if args.cfg_options:
        cfg.merge_from_dict(args.cfg_options)
    reason = exportable_reason(cfg.model.type)
    if reason is not None:
        sys.exit(f'pytorch2onnx: cannot export {args.config}: {reason}')
    model = init_model(cfg, checkpoint, device='cpu')
    reason = exportable_reason(model)
    if reason is not None:
        sys.exit(f'pytorch2onnx: cannot export {args.config}: {reason}')
    out = args.out or osp.splitext(osp.basename(args.config))[0] + '.onnx'
    if args.torchscript and args.dynamic:
        sys.exit('pytorch2onnx: --dynamic needs the torch.export-based '
                 'exporter (drop --torchscript)')
    dynamo = not args.torchscript
    opset = args.opset or (18 if dynamo else 17)
    example = export_onnx(model, out, args.shape, dynamic=args.dynamic,
                          dynamo=dynamo, opset=opset)
    inputs = [example]
    if args.dynamic:
        h, w = args.shape
        inputs.append(torch.randn(1, 3, h + 32, w + 64,
                                  generator=torch.Generator().manual_seed(1)))
    worst = 0.0
    for x in inputs:
        diff = check_onnx(out, model, x)
        print(f'input {tuple(x.shape)}: max |onnx - torch| = {diff:.3e}')
        worst = max(worst, diff)
    if worst > args.atol:
        sys.exit(f'pytorch2onnx: ONNX output differs by {worst:.3e} > '
                 f'--atol {args.atol:g}')
    print(f'exported {out} (largest difference {worst:.3e} <= {args.atol:g})')


if __name__ == '__main__':
    main()
