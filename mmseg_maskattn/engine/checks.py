"""Checks run once a model is built, before any data is touched."""
import torch
import torch.nn as nn
from mmengine.config import Config
from mmengine.model import is_model_wrapper

__all__ = ['check_decode_head_channels', 'enforce_strict_load']

STRICT_LOAD_HOOK = 'StrictLoadHook'


def enforce_strict_load(cfg: Config, *, allow_partial: bool = False) -> None:
    """Make the runner refuse a checkpoint that does not fit the model.

    mmengine loads ``load_from`` (``tools/test.py``'s checkpoint,
    ``load_from`` in training, ``--resume``) non-strictly: a checkpoint that
    leaves weights unloaded only logs a warning, and a randomly initialised
    model is trained or evaluated. This adds :class:`StrictLoadHook` to
    ``cfg.custom_hooks`` unless the config already has one (its options,
    e.g. ``ignore_prefixes`` for a new classifier, are kept). With
    ``allow_partial`` (the tools' ``--allow-partial``), for deliberate
    partial loads such as a backbone-only checkpoint, the hook is removed
    and mmengine's non-strict load applies.

    Args:
        cfg (Config): The config, changed in place.
        allow_partial (bool): Accept a checkpoint that does not fit.
    """
    hooks = list(cfg.get('custom_hooks', None) or [])
    strict = [h for h in hooks if h.get('type') == STRICT_LOAD_HOOK]
    if allow_partial:
        cfg.custom_hooks = [h for h in hooks if h not in strict]
    elif not strict:
        cfg.custom_hooks = hooks + [dict(type=STRICT_LOAD_HOOK)]


def check_decode_head_channels(model: nn.Module,
                               input_size: int = 64) -> None:
    """Compare ``decode_head.in_channels`` with the backbone's outputs.

    Runs the backbone (and neck) once on a small zero image and raises a
    ``ValueError`` naming ``decode_head.in_channels`` / ``in_index`` when they
    do not match, instead of failing deep inside the first training step.

    Args:
        model (nn.Module): A segmentor with ``extract_feat`` and
            ``decode_head``. Models without them, and heads that keep no
            ``in_channels`` / ``in_index`` attributes (mmseg's
            ``Mask2FormerHead``, whose pixel decoder takes every backbone
            output), are left alone, and so are heads that declare
            ``reads_backbone_outputs = False`` (HDMNet's head takes the
            segmentor's merged episode features).
        input_size (int): Side of the probe image.
    """
    if is_model_wrapper(model):
        model = model.module
    head = getattr(model, 'decode_head', None)
    if head is None or not hasattr(model, 'extract_feat') or not (
            hasattr(head, 'in_channels') and hasattr(head, 'in_index')) or (
                not getattr(head, 'reads_backbone_outputs', True)):
        return
    in_channels = head.in_channels
    in_index = head.in_index
    if isinstance(in_index, int):
        in_channels, in_index = [in_channels], [in_index]
    param = next(model.parameters(), None)
    device = param.device if param is not None else torch.device('cpu')
    was_training = model.training
    model.eval()
    try:
        with torch.no_grad():
            feats = model.extract_feat(
                torch.zeros(1, 3, input_size, input_size, device=device))
    finally:
        model.train(was_training)
    for i, (index, channels) in enumerate(zip(in_index, in_channels)):
        if not -len(feats) <= index < len(feats):
            raise ValueError(
                f'decode_head.in_index[{i}]={index} but the backbone returns '
                f'{len(feats)} outputs')
        actual = feats[index].shape[1]
        if actual != channels:
            raise ValueError(
                f'decode_head.in_channels[{i}]={channels} but backbone output '
                f'{index} has {actual} channels (backbone output widths: '
                f'{[f.shape[1] for f in feats]})')
