"""Gradient norm of each loss term of a segmentor on one training batch.

Diagnostic of the MaskAttn-UNet study (Cheng et al., "MaskAttn-UNet: A Mask
Attention-Driven Framework for Universal Low-Resolution Image
Segmentation", arXiv 2503.10686, https://arxiv.org/abs/2503.10686): with
L_seg = L_CE + lambda * L_IC, how large is the gradient of each term on the
layers the terms share (the backbone, the head's shared conv) at
initialisation? The model of ``config`` is built and initialised with
``seed``, one batch of its training pipeline is drawn, and every loss term
the model returns (keys containing ``loss``, as weighted by the config) is
back-propagated on its own. The L2 norm of the gradient over the
parameters of each module in ``--modules`` is printed as a Markdown table.

Run from the repository root, with DSB2018 at data/dsb2018:
    python projects/lowres_universal/loss_gradients.py \
        configs/maskattn_unet/maskattn-unet_b32_1xb8-20k_dsb2018-128x128.py
"""
import argparse
import os.path as osp
import random

import numpy as np
import torch
from mmengine.config import Config
from mmengine.dataset import pseudo_collate
from mmengine.registry import init_default_scope
from mmseg.registry import DATASETS, MODELS

import mmseg_maskattn  # noqa: F401

ROOT = osp.abspath(osp.join(osp.dirname(__file__), '..', '..'))


def loss_gradient_norms(model, data, modules):
    """Gradient L2 norm of every loss term over the parameters of modules.

    Args:
        model (BaseSegmentor): A segmentor in train mode.
        data (dict): A batch after the model's data preprocessor.
        modules (Sequence[str]): Dotted names of submodules of ``model``.

    Returns:
        dict[str, tuple[float, dict[str, float]]]: loss name -> (value,
        module name -> gradient norm).
    """
    named = dict(model.named_modules())
    missing = [m for m in modules if m not in named]
    if missing:
        raise KeyError(f'modules {missing} are not submodules of '
                       f'{type(model).__name__}')
    names = [k for k in model(**data, mode='loss') if 'loss' in k]
    result = {}
    for name in names:
        model.zero_grad()
        loss = model(**data, mode='loss')[name]
        loss.backward()
        norms = {}
        for m in modules:
            grads = [
                p.grad.pow(2).sum() for p in named[m].parameters()
                if p.grad is not None
            ]
            norms[m] = float(torch.stack(grads).sum().sqrt()) if grads else 0.
        result[name] = (float(loss), norms)
    return result


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('config')
    parser.add_argument('--batch-size', type=int, default=8)
    parser.add_argument('--seed', type=int, default=0)
    parser.add_argument(
        '--modules',
        nargs='+',
        default=['backbone', 'decode_head.pre'],
        help='submodules whose gradient norms are reported')
    args = parser.parse_args()
    random.seed(args.seed)
    np.random.seed(args.seed)
    torch.manual_seed(args.seed)
    cfg = Config.fromfile(args.config)
    init_default_scope(cfg.get('default_scope', 'mmseg'))
    dataset_cfg = cfg.train_dataloader.dataset
    if not osp.isabs(dataset_cfg.data_root):
        dataset_cfg.data_root = osp.join(ROOT, dataset_cfg.data_root)
    dataset = DATASETS.build(dataset_cfg)
    batch = pseudo_collate([dataset[i] for i in range(args.batch_size)])
    model = MODELS.build(cfg.model)
    model.init_weights()
    model.train()
    data = model.data_preprocessor(batch, True)
    norms = loss_gradient_norms(model, data, args.modules)
    lines = [
        '| loss | value | ' + ' | '.join(f'grad norm `{m}`'
                                          for m in args.modules) + ' |',
        '|---' * (2 + len(args.modules)) + '|'
    ]
    for name, (value, grads) in norms.items():
        lines.append(f'| {name} | {value:.4f} | ' +
                     ' | '.join(f'{grads[m]:.4f}' for m in args.modules) +
                     ' |')
    print('\n'.join(lines))


if __name__ == '__main__':
    main()
