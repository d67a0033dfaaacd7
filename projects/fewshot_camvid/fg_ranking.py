"""Does a few-shot model rank the novel foreground, even when it predicts none?

Diagnostic of the CamVid few-shot study (HDMNet, Peng et al., CVPR 2023,
https://arxiv.org/abs/2303.14652). A model whose test predictions are
background everywhere can still score the foreground pixels of an episode
above its background pixels, and only fail to cross 0.5; or it can have no
signal at all. For the checkpoint of a few-shot segmentor (with the config
stored in it), this script runs the test episodes of one seed and reports,
from the foreground probability ``p`` of each query at the original image
size:

- ``AUC``: the probability that a random foreground pixel of an episode
  gets a higher ``p`` than a random background pixel of the same episode
  (Mann-Whitney, ties broken by order), averaged over the episodes (0.5 is
  no signal);
- the mean ``p`` on foreground and on background pixels;
- the share of episodes with at least one pixel predicted foreground;
- the novel-class mIoU (foreground intersection and union accumulated per
  class over the episodes, as ``FewShotIoUMetric``) at ``p > 0.5`` (the
  model's argmax) and at the best of a grid of thresholds (an oracle
  calibration, chosen on these episodes: an upper bound, not a result).

With ``--priors``, every HDMNet checkpoint with a base learner also gets a
row ``meta`` for its meta learner's own output before the base-learner
ensemble, and every HDMNet checkpoint rows for its
training-free prior maps alone (layer4, and the base learner's PSP features
when it has one): ``p`` is the prior, min-max normalised per episode and
resized like a prediction. A prior that ranks the foreground while the
model does not points at the decoder; a prior without signal points at the
frozen features.

Run from the repository root, with CamVid at data/camvid:
    python projects/fewshot_camvid/fg_ranking.py CKPT --episodes 300
"""
import argparse
import os.path as osp

import numpy as np
import torch
from mmengine.dataset import pseudo_collate
from mmseg.models.utils import resize
from mmseg.registry import DATASETS

import mmseg_maskattn  # noqa: F401
from mmseg_maskattn.analysis.study import checkpoint_model, from_root

ROOT = osp.abspath(osp.join(osp.dirname(__file__), '..', '..'))

THRESHOLDS = tuple(np.round(np.arange(0.05, 1.0, 0.05), 2))


def episode_scores(prob: torch.Tensor, label: torch.Tensor,
                   thresholds: torch.Tensor,
                   ignore_index: int = 255) -> dict:
    """Ranking and thresholded overlap of one episode.

    Args:
        prob (Tensor): (H, W) foreground probability.
        label (Tensor): (H, W) 1 foreground, 0 background, ``ignore_index``
            left out.
        thresholds (Tensor): (T,) thresholds; a pixel is predicted
            foreground where ``prob > t``.
        ignore_index (int): Label left out.

    Returns:
        dict: ``auc`` (None without foreground or without background
        pixels), ``p_fg`` / ``p_bg`` (mean ``prob`` on the foreground /
        background pixels, None if there are none), ``predicted``,
        ``intersection`` and ``union`` (T,): the pixels predicted
        foreground, and the foreground's intersection and union, per
        threshold.
    """
    if prob.shape != label.shape:
        raise ValueError(f'prob {tuple(prob.shape)} and label '
                         f'{tuple(label.shape)} differ in size')
    bad = set(label.unique().tolist()) - {0, 1, ignore_index}
    if bad:
        raise ValueError(f'label values {sorted(bad)} are not 0, 1 or the '
                         f'ignore index {ignore_index}')
    valid = label != ignore_index
    p, fg = prob[valid], label[valid] == 1
    n_fg, n_bg = int(fg.sum()), int((~fg).sum())
    auc = None
    if n_fg and n_bg:
        # rank 1 = lowest probability; ties broken by position
        ranks = torch.empty(p.numel(), dtype=torch.float64)
        ranks[p.argsort()] = torch.arange(
            1, p.numel() + 1, dtype=torch.float64)
        auc = float((ranks[fg].sum() - n_fg * (n_fg + 1) / 2) /
                    (n_fg * n_bg))
    pred = p[None] > thresholds[:, None]  # (T, N)
    return dict(
        auc=auc,
        p_fg=float(p[fg].mean()) if n_fg else None,
        p_bg=float(p[~fg].mean()) if n_bg else None,
        predicted=pred.sum(1).double(),
        intersection=(pred & fg).sum(1).double(),
        union=(pred | fg).sum(1).double())


def summarize(records, thresholds):
    """Table row values of a list of ``(class_id, episode_scores)``.

    Returns:
        dict: ``auc``, ``p_fg``, ``p_bg`` (means over the episodes that
        have them), ``any_fg`` (share of episodes with a predicted
        foreground pixel at 0.5), ``miou_05`` (novel-class mIoU at 0.5, in
        %), ``best_threshold`` and ``miou_best``.
    """
    classes = sorted({c for c, _ in records})
    t = len(thresholds)
    inter = {c: torch.zeros(t, dtype=torch.float64) for c in classes}
    union = {c: torch.zeros(t, dtype=torch.float64) for c in classes}
    for c, r in records:
        inter[c] += r['intersection']
        union[c] += r['union']
    # (C, T) -> mean over the classes -> (T,)
    miou = torch.stack([inter[c] / union[c].clamp(min=1)
                        for c in classes]).mean(0) * 100
    half = int(np.argmin(np.abs(np.asarray(thresholds) - 0.5)))
    if abs(thresholds[half] - 0.5) > 1e-6:
        raise ValueError(f'thresholds {list(thresholds)} lack 0.5')
    best = int(miou.argmax())

    def mean(key):
        values = [r[key] for _, r in records if r[key] is not None]
        return float(np.mean(values)) if values else float('nan')

    any_fg = np.mean([float(r['predicted'][half] > 0) for _, r in records])
    return dict(
        auc=mean('auc'),
        p_fg=mean('p_fg'),
        p_bg=mean('p_bg'),
        any_fg=float(any_fg),
        miou_05=float(miou[half]),
        best_threshold=float(thresholds[best]),
        miou_best=float(miou[best]))


PRIOR_SOURCES = ('prior-psp', 'prior-layer4')
# the meta learner's own output, before the base-learner ensemble
META_SOURCE = 'meta'


def prior_probability(model, inputs, data_samples, source):
    """The prior of ``source`` as a foreground probability map of each
    query at its original size: min-max normalised per episode, resized
    and un-padded like a prediction."""
    priors = model.episode_priors(inputs, data_samples)
    if source == 'prior-psp' and priors.shape[1] < 2:
        raise ValueError('prior-psp needs a model with a base learner')
    p = priors[:, :1] if source == 'prior-psp' else priors[:, -1:]
    low = p.amin(dim=(2, 3), keepdim=True)
    high = p.amax(dim=(2, 3), keepdim=True)
    p = (p - low) / (high - low).clamp(min=1e-12)
    # (B, 1, h, w) -> two-channel map, resized as the segmentor's predict
    maps = resize(torch.cat([1 - p, p], dim=1), size=inputs.shape[-2:],
                  mode='bilinear', align_corners=model.align_corners)
    samples = model.postprocess_result(maps, data_samples)
    return [sample.seg_logits.data[1] for sample in samples], samples


def meta_probability(model, inputs, data_samples):
    """The foreground probability of each query at its original size from
    the meta learner's own logits (before the base-learner ensemble),
    resized and un-padded like a prediction."""
    logits = model.episode_meta_logits(inputs, data_samples)
    maps = resize(logits, size=inputs.shape[-2:], mode='bilinear',
                  align_corners=model.align_corners)
    samples = model.postprocess_result(maps, data_samples)
    return [sample.seg_logits.data.softmax(dim=0)[1]
            for sample in samples], samples


def run(checkpoint, episodes, seed, source='model'):
    """:func:`summarize` of ``episodes`` test episodes of seed ``seed``,
    for the model's prediction, its meta learner's own output
    (``source`` :data:`META_SOURCE`) or (``source`` in
    :data:`PRIOR_SOURCES`) one of its priors."""
    cfg, model = checkpoint_model(checkpoint)
    dataset_cfg = cfg.test_dataloader.dataset
    dataset_cfg.num_episodes = episodes
    dataset_cfg.seed = seed
    inner = dataset_cfg.dataset
    inner.data_root = from_root(ROOT, inner.data_root)
    dataset = DATASETS.build(dataset_cfg)
    thresholds = torch.tensor(THRESHOLDS, dtype=torch.float32)
    records = []
    with torch.no_grad():
        for i in range(len(dataset)):
            data = model.data_preprocessor(pseudo_collate([dataset[i]]),
                                           False)
            if source == 'model':
                sample = model.predict(data['inputs'],
                                       data['data_samples'])[0]
                prob = sample.seg_logits.data.softmax(dim=0)[1]
            elif source == META_SOURCE:
                probs, samples = meta_probability(model, data['inputs'],
                                                  data['data_samples'])
                prob, sample = probs[0], samples[0]
            else:
                probs, samples = prior_probability(
                    model, data['inputs'], data['data_samples'], source)
                prob, sample = probs[0], samples[0]
            label = sample.gt_sem_seg.data[0].long().to(prob.device)
            records.append((int(sample.metainfo['class_id']),
                            episode_scores(prob, label, thresholds)))
    return summarize(records, THRESHOLDS)


def _sources(checkpoint, priors):
    """The rows of a checkpoint: the model, and with ``priors`` the prior
    maps of an HDMNet."""
    if not priors:
        return ['model']
    cfg, model = checkpoint_model(checkpoint)
    if not hasattr(model, 'episode_priors'):
        return ['model']
    if getattr(model, 'base_learner', None) is None:
        return ['model', 'prior-layer4']
    return ['model', META_SOURCE, *PRIOR_SOURCES]


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('checkpoints', nargs='+')
    parser.add_argument('--episodes', type=int, default=300)
    parser.add_argument('--seed', type=int, default=321)
    parser.add_argument(
        '--priors',
        action='store_true',
        help="also rank the foreground with an HDMNet's prior maps alone")
    args = parser.parse_args()
    if args.episodes < 1:
        parser.error(f'--episodes must be >= 1, got {args.episodes}')
    lines = [
        '| checkpoint | scores | AUC | mean p on fg | mean p on bg | '
        'episodes with fg predicted | mIoU at 0.5 | best threshold | '
        'mIoU there |',
        '|---' * 9 + '|'
    ]
    for ckpt in args.checkpoints:
        for source in _sources(ckpt, args.priors):
            r = run(ckpt, args.episodes, args.seed, source)
            lines.append(
                f"| `{ckpt}` | {source} | {r['auc']:.3f} | {r['p_fg']:.3f} | "
                f"{r['p_bg']:.3f} | {100 * r['any_fg']:.1f}% | "
                f"{r['miou_05']:.2f} | {r['best_threshold']:.2f} | "
                f"{r['miou_best']:.2f} |")
    print(f'{args.episodes} test episodes, seed {args.seed}\n')
    print('\n'.join(lines))


if __name__ == '__main__':
    main()
