"""Is the semantic head of a two-class segmentor dead on the foreground?

Diagnostic of the MaskAttn-UNet study (Cheng et al., "MaskAttn-UNet: A Mask
Attention-Driven Framework for Universal Low-Resolution Image
Segmentation", arXiv 2503.10686, https://arxiv.org/abs/2503.10686). The
semantic head is a ConvModule ``pre`` (conv, BN, ReLU) and a 1x1
classifier ``conv_seg``. The foreground-minus-background logit of a pixel
is ``d = b + sum_c w_c x_c`` with ``w = w_fg - w_bg`` the classifier's
weight difference, ``b`` its bias difference and ``x >= 0`` the ReLU
features. If every ``w_c`` is negative, ``d <= b`` everywhere; if the
features are also off (0) on the foreground pixels, those pixels send no
gradient into the network through ``pre`` and the model stays at
background.

For each checkpoint the model of the config stored in the checkpoint
(mmengine keeps it in ``meta['cfg']``) is loaded in eval mode and run on
one batch of the training pipeline of the first checkpoint's config
(seeded); the table lists the channels with a
positive ``w_c``, the fraction of (channel, pixel) pairs of ``pre`` that
are active on foreground and on background pixels, the mean ``d`` on
foreground pixels, the largest ``d`` of the batch and the bias difference.

Run from the repository root, with DSB2018 at data/dsb2018:
    python projects/lowres_universal/head_activity.py CKPT [CKPT ...]
"""
import argparse
import os.path as osp
import random

import numpy as np
import torch
from mmengine.dataset import pseudo_collate
from mmengine.registry import init_default_scope
from mmseg.models.utils import resize
from mmseg.registry import DATASETS

import mmseg_maskattn  # noqa: F401
from mmseg_maskattn.analysis.study import (checkpoint_config,
                                           checkpoint_model, from_root)

ROOT = osp.abspath(osp.join(osp.dirname(__file__), '..', '..'))


def head_activity(feats: torch.Tensor, weight: torch.Tensor,
                  bias: torch.Tensor, labels: torch.Tensor,
                  foreground: int = 1, background: int = 0) -> dict:
    """Activity of the ReLU features of a head and its logit margin.

    Args:
        feats (Tensor): (B, C, H, W) features after the ReLU of ``pre``.
        weight (Tensor): (K, C) weights of the 1x1 classifier.
        bias (Tensor): (K,) its bias.
        labels (Tensor): (B, H, W) class ids at the feature resolution;
            other values (ignore index) are left out.
        foreground (int): Class id of the foreground.
        background (int): Class id of the background.

    Returns:
        dict: ``positive_channels`` (channels with w_fg - w_bg > 0),
        ``channels``, ``active_fg`` / ``active_bg`` (fraction of feature
        values > 0 over the channels and the pixels of that class),
        ``margin_fg`` (mean fg-minus-bg logit on foreground pixels),
        ``margin_max`` (largest fg-minus-bg logit of all pixels) and
        ``bias_diff``.
    """
    if (feats.shape[0] != labels.shape[0]
            or feats.shape[2:] != labels.shape[1:]):
        raise ValueError(f'feats {tuple(feats.shape)} and labels '
                         f'{tuple(labels.shape)} differ in batch or size')
    fg, bg = labels == foreground, labels == background
    if not fg.any() or not bg.any():
        raise ValueError('labels need foreground and background pixels')
    w = weight[foreground] - weight[background]  # (C,)
    b = bias[foreground] - bias[background]
    margin = torch.einsum('bchw,c->bhw', feats, w) + b  # (B, H, W)
    active = (feats > 0).float().mean(dim=1)  # (B, H, W)
    return dict(
        positive_channels=int((w > 0).sum()),
        channels=int(w.numel()),
        active_fg=float(active[fg].mean()),
        active_bg=float(active[bg].mean()),
        margin_fg=float(margin[fg].mean()),
        margin_max=float(margin.max()),
        bias_diff=float(b))


def _batch(cfg, batch_size, seed):
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)
    dataset_cfg = cfg.train_dataloader.dataset
    dataset_cfg.data_root = from_root(ROOT, dataset_cfg.data_root)
    dataset = DATASETS.build(dataset_cfg)
    return pseudo_collate([dataset[i] for i in range(batch_size)])


def measure(checkpoint, batch):
    """:func:`head_activity` of the model of ``checkpoint`` on ``batch``."""
    _, model = checkpoint_model(checkpoint)
    head = model.decode_head
    with torch.no_grad():
        data = model.data_preprocessor(batch, False)
        feats = head.pre(head._transform_inputs(
            model.extract_feat(data['inputs'])))
        labels = torch.stack(
            [s.gt_sem_seg.data[0] for s in data['data_samples']]).long()
        if labels.shape[1:] != feats.shape[2:]:
            labels = resize(labels[:, None].float(), size=feats.shape[2:],
                            mode='nearest')[:, 0].long()
        weight = head.conv_seg.weight[:, :, 0, 0]
        return head_activity(feats, weight, head.conv_seg.bias, labels)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('checkpoints', nargs='+')
    parser.add_argument('--batch-size', type=int, default=8)
    parser.add_argument('--seed', type=int, default=0)
    args = parser.parse_args()
    cfg = checkpoint_config(args.checkpoints[0])
    init_default_scope(cfg.get('default_scope', 'mmseg'))
    batch = _batch(cfg, args.batch_size, args.seed)
    lines = [
        '| checkpoint | channels with w_fg - w_bg > 0 | active on fg | '
        'active on bg | mean fg-bg logit on fg | max fg-bg logit | '
        'bias difference |', '|---' * 7 + '|'
    ]
    for ckpt in args.checkpoints:
        r = measure(ckpt, batch)
        lines.append(
            f"| `{ckpt}` | {r['positive_channels']}/{r['channels']} | "
            f"{r['active_fg']:.3f} | {r['active_bg']:.3f} | "
            f"{r['margin_fg']:.2f} | {r['margin_max']:.2f} | "
            f"{r['bias_diff']:.2f} |")
    print('\n'.join(lines))


if __name__ == '__main__':
    main()
