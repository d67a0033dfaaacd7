"""Where does MaskAttn-UNet lose its things: semantics, embeddings or grouping?

Diagnostic of the MaskAttn-UNet study (Cheng et al., "MaskAttn-UNet: A Mask
Attention-Driven Framework for Universal Low-Resolution Image
Segmentation", arXiv 2503.10686, https://arxiv.org/abs/2503.10686). The
model's instances are its embeddings of the predicted thing pixels grouped
by :func:`~mmseg_maskattn.models.utils.group_embeddings`; a low PQ_th can
come from the semantic map (which pixels are things), from the embeddings
(whether pixels of one nucleus are closer to each other than to their
neighbours) or from the grouping's settings. This script runs the model of
a checkpoint (with the config stored in it) once over the val set of that
config and scores the panoptic output of several readings of the same
forward pass with :class:`PanopticQualityMetric`:

- ``embeddings``: the model's own inference, at each ``--thresholds``
  (``grouping_cfg.threshold``; the other grouping keys from the config);
- ``embeddings, true semantics``: the same grouping of the ground-truth
  thing pixels (what the embeddings give if the semantic map is perfect);
- ``connected components``: the connected components of the predicted
  thing pixels (the U-Net baseline's reading, no embeddings),
  and of the true ones;
- with ``--connectivity``, ``embeddings within connected components``:
  the grouping restricted to each connected component of the thing pixels
  (``grouping_cfg.connectivity``, our addition), on the predicted and the
  true semantics.

It also reports how well the embeddings separate instances: ``intra``,
the mean cosine similarity of a thing pixel's embedding to the (normalised)
mean embedding of its true instance, and ``inter``, the mean cosine
similarity between the mean embeddings of two instances of one image.

Run from the repository root, with DSB2018 at data/dsb2018:
    python projects/lowres_universal/grouping_study.py CKPT \
        --thresholds 0.5 0.7 0.9 --connectivity 8
"""
import argparse
import logging
import os.path as osp

import torch
import torch.nn.functional as F
from mmengine.dataset import pseudo_collate
from mmengine.logging import MMLogger
from mmseg.registry import DATASETS, METRICS

import mmseg_maskattn  # noqa: F401
from mmseg_maskattn.analysis.study import checkpoint_model, from_root
from mmseg_maskattn.models.utils import (assemble_panoptic,
                                         component_instances, group_things)

ROOT = osp.abspath(osp.join(osp.dirname(__file__), '..', '..'))


def embedding_separation(embeddings: torch.Tensor,
                         instances: torch.Tensor) -> dict:
    """Cohesion and separation of the embeddings of true instances.

    Args:
        embeddings (Tensor): (D, H, W) unit-length embeddings.
        instances (Tensor): (H, W) true instance ids, 0 = no instance.

    Returns:
        dict: ``intra_sum`` / ``intra_n``, the sum over thing pixels of the
        cosine similarity to their instance's normalised mean embedding and
        the pixel count; ``inter_sum`` / ``inter_n``, the sum over ordered
        pairs of distinct instances of the cosine similarity of their
        normalised mean embeddings and the pair count. Sums, so that images
        add up.
    """
    if embeddings.shape[1:] != instances.shape:
        raise ValueError(f'embeddings {tuple(embeddings.shape)} and '
                         f'instances {tuple(instances.shape)} differ in size')
    ids, inverse = torch.unique(instances.flatten(), return_inverse=True)
    thing = ids > 0
    emb = embeddings.flatten(1).t()  # (D, H, W) -> (H*W, D)
    if not thing.any():
        return dict(intra_sum=0.0, intra_n=0, inter_sum=0.0, inter_n=0)
    sums = torch.zeros(len(ids), emb.shape[1], dtype=emb.dtype)
    sums.index_add_(0, inverse, emb)
    centres = F.normalize(sums[thing], dim=1)  # (K, D)
    # index of each thing pixel's centre among the K thing ids
    centre_of = (torch.cumsum(thing.long(), 0) - 1)[inverse]
    pixel = thing[inverse]
    intra = (emb[pixel] * centres[centre_of[pixel]]).sum(1)
    k = centres.shape[0]
    cos = centres @ centres.t()
    return dict(
        intra_sum=float(intra.sum()),
        intra_n=int(pixel.sum()),
        inter_sum=float(cos.sum() - cos.diagonal().sum()),
        inter_n=k * (k - 1))


def _panoptic_sample(sem, probs, instances, thing_classes, gt):
    pan, segments = assemble_panoptic(sem, probs, instances, thing_classes)
    return dict(
        pred_panoptic_seg=dict(
            sem_seg=pan[None], segments_info=segments),
        gt_panoptic_seg=gt)


def _gt_panoptic(sample):
    gt = sample.gt_panoptic_seg
    return dict(sem_seg=gt.sem_seg, segments_info=gt.segments_info)


def study(checkpoint, thresholds, batch_size=8, connectivity=None):
    """Readings of the val set by the model of ``checkpoint``.

    Args:
        checkpoint (str): Checkpoint written by the mmengine Runner with a
            :class:`MaskAttnUNetSegmentor`.
        thresholds (Sequence[float]): Grouping thresholds to score.
        batch_size (int): Val images per forward pass.
        connectivity (int, optional): Also score the grouping within the
            4- or 8-connected components of the thing pixels
            (``grouping_cfg.connectivity``).

    Returns:
        tuple: (list of (reading, PQ metrics dict, mean predicted
        instances per image)), mean true instances per image and the
        embedding separation (``intra``, ``inter``).
    """
    cfg, model = checkpoint_model(checkpoint)
    if not hasattr(model, 'predict_embeddings'):
        raise TypeError(f'{checkpoint}: the model is a '
                        f'{type(model).__name__}, not a segmentor that '
                        'groups embeddings (MaskAttnUNetSegmentor)')
    dataset_cfg = cfg.val_dataloader.dataset
    dataset_cfg.data_root = from_root(ROOT, dataset_cfg.data_root)
    dataset = DATASETS.build(dataset_cfg)
    pq_cfg = [
        e for e in (cfg.val_evaluator if isinstance(cfg.val_evaluator, list)
                    else [cfg.val_evaluator])
        if e['type'] == 'PanopticQualityMetric'
    ]
    if not pq_cfg:
        raise KeyError(f'{checkpoint}: val_evaluator has no '
                       'PanopticQualityMetric')
    grouping = {k: v for k, v in model.grouping_cfg.items()
                if k not in ('threshold', 'connectivity')}
    things = model.thing_classes
    min_area = grouping.get('min_area', 4)
    # (reading prefix, true semantics?, connectivity of the grouping)
    variants = [('embeddings', False, None),
                ('embeddings, true semantics', True, None)]
    if connectivity is not None:
        within = f'embeddings within {connectivity}-connected components'
        variants += [(within, False, connectivity),
                     (f'{within}, true semantics', True, connectivity)]
    readings = [f'{prefix}, threshold {t}' for prefix, _, _ in variants
                for t in thresholds]
    readings += ['connected components', 'connected components, '
                 'true semantics']
    metrics = {}
    for name in readings:
        metrics[name] = METRICS.build(pq_cfg[0])
        metrics[name].dataset_meta = dataset.metainfo
    counts = {name: 0 for name in readings}
    true_count = 0
    sep = dict(intra_sum=0.0, intra_n=0, inter_sum=0.0, inter_n=0)
    with torch.no_grad():
        for start in range(0, len(dataset), batch_size):
            batch = pseudo_collate([
                dataset[i]
                for i in range(start, min(start + batch_size, len(dataset)))
            ])
            data = model.data_preprocessor(batch, False)
            results, embs = model.predict_embeddings(data['inputs'],
                                                     data['data_samples'])
            for sample, emb in zip(results, embs):
                pred = sample.pred_sem_seg.data[0]
                true = sample.gt_sem_seg.data[0].long()
                probs = sample.seg_logits.data.softmax(dim=0)
                gt = _gt_panoptic(sample)
                true_inst = sample.gt_instance_seg.data[0].long()
                true_count += int(true_inst.unique().gt(0).sum())
                for key, value in embedding_separation(emb,
                                                       true_inst).items():
                    sep[key] += value
                maps = {}
                for t in thresholds:
                    for prefix, use_true, conn in variants:
                        sem = true if use_true else pred
                        maps[f'{prefix}, threshold {t}'] = (sem, group_things(
                            emb, sem, things, threshold=t, connectivity=conn,
                            **grouping))
                for sem, name in ((pred, 'connected components'),
                                  (true, 'connected components, true '
                                   'semantics')):
                    maps[name] = (sem, component_instances(
                        sem, things, connectivity=8, min_area=min_area))
                for name, (sem, inst) in maps.items():
                    counts[name] += int(inst.max())
                    metrics[name].process(
                        None,
                        [_panoptic_sample(sem, probs, inst, things, gt)])
    n = len(dataset)
    rows = [(name, metrics[name].compute_metrics(metrics[name].results),
             counts[name] / n) for name in readings]
    separation = dict(
        intra=sep['intra_sum'] / max(sep['intra_n'], 1),
        inter=sep['inter_sum'] / max(sep['inter_n'], 1))
    return rows, true_count / n, separation


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('checkpoint')
    parser.add_argument(
        '--thresholds', type=float, nargs='+', default=[0.5, 0.7, 0.9])
    parser.add_argument(
        '--connectivity',
        type=int,
        choices=[4, 8],
        help='also group within the connected components of the thing '
        'pixels')
    args = parser.parse_args()
    bad = [t for t in args.thresholds if not -1 < t < 1]
    if bad:
        parser.error(f'--thresholds must be cosine similarities in (-1, 1), '
                     f'got {bad}')
    MMLogger.get_current_instance().setLevel(logging.WARNING)
    rows, true_count, sep = study(args.checkpoint, args.thresholds,
                                  connectivity=args.connectivity)
    lines = [
        '| reading | PQ_th | SQ_th | RQ_th | PQ | instances / image |',
        '|---|---|---|---|---|---|'
    ]
    for name, m, count in rows:
        lines.append(f"| {name} | {m['PQ_th']:.2f} | {m['SQ_th']:.2f} | "
                     f"{m['RQ_th']:.2f} | {m['PQ']:.2f} | {count:.1f} |")
    lines.append(f'| ground truth | | | | | {true_count:.1f} |')
    print(f'`{args.checkpoint}`\n')
    print('\n'.join(lines))
    print(f"\nEmbeddings of the true instances: intra (pixel to its "
          f"instance's mean) {sep['intra']:.3f}, inter (between the means "
          f"of two instances of an image) {sep['inter']:.3f}")


if __name__ == '__main__':
    main()
