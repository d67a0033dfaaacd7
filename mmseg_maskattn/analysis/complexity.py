"""Parameter and FLOP counting that includes attention matrix products.

mmengine's :class:`~mmengine.analysis.FlopAnalyzer` traces the model with
``torch.jit`` and counts only the operators it has a handle for. Attention
written with :func:`torch.nn.functional.scaled_dot_product_attention` traces
to ``aten::scaled_dot_product_attention`` and ``nn.MultiheadAttention``
(mmseg's MiT) to ``aten::baddbmm``/``aten::bmm`` or, in inference on
self-attention, to ``aten::_native_multi_head_attention``; only ``bmm`` has
a handle, so the rest would be silently dropped. We add them, with mmengine's convention (one
multiply-accumulate = one FLOP): for queries (B, h, Lq, d), keys (B, h, Lk,
d) and values (B, h, Lk, dv) the attention costs B*h*Lq*Lk*(d + dv) for
QK^T and AV; ``baddbmm`` costs its batched matrix product. Softmax,
scaling, dropout and other element-wise operators are not counted, as in
mmengine. Every operator that remains uncounted is reported.
"""
import inspect
from typing import Any, Counter, List, Tuple

import torch
import torch.nn as nn
from mmengine.analysis import FlopAnalyzer
from mmengine.analysis.jit_handles import get_shape
from mmengine.config import Config

__all__ = [
    'ATTENTION_FLOP_HANDLES', 'build_model_from_config', 'count_flops',
    'count_params', 'resolve_config'
]


def sdpa_flop_jit(inputs: List[Any], outputs: List[Any]) -> int:
    """FLOPs of ``aten::scaled_dot_product_attention``: QK^T plus AV."""
    q_shape, k_shape, v_shape = (get_shape(v) for v in inputs[:3])
    *batch, lq, d = q_shape
    lk = k_shape[-2]
    dv = v_shape[-1]
    n = 1
    for size in batch:
        n *= size
    return n * lq * lk * (d + dv)


def baddbmm_flop_jit(inputs: List[Any], outputs: List[Any]) -> int:
    """FLOPs of ``aten::baddbmm`` (bias + batch1 @ batch2): the product."""
    b, m, k = get_shape(inputs[1])
    n = get_shape(inputs[2])[-1]
    return b * m * k * n


def native_mha_flop_jit(inputs: List[Any], outputs: List[Any]) -> int:
    """FLOPs of ``aten::_native_multi_head_attention``.

    ``nn.MultiheadAttention`` takes this fused path in inference when query,
    key and value are the same tensor: input projections, QK^T, AV and the
    output projection.
    """
    b, lq, e = get_shape(inputs[0])
    lk = get_shape(inputs[1])[1]
    projections = b * (lq * e * e + 2 * lk * e * e + lq * e * e)
    return projections + 2 * b * lq * lk * e


ATTENTION_FLOP_HANDLES = {
    'aten::scaled_dot_product_attention': sdpa_flop_jit,
    'aten::baddbmm': baddbmm_flop_jit,
    'aten::_native_multi_head_attention': native_mha_flop_jit,
}


def resolve_config(config: str) -> str:
    """Path of ``config``; ``package::path`` names a config of a package
    (e.g. ``mmseg::segformer/segformer_mit-b0_8xb2-160k_ade20k-512x512.py``).
    """
    import os.path as osp
    if '::' in config:
        from mmengine.utils import get_installed_path
        package, path = config.split('::', 1)
        config = osp.join(get_installed_path(package), '.mim', 'configs', path)
    if not osp.isfile(config):
        raise FileNotFoundError(f'config file not found: {config}')
    return config


def build_model_from_config(config: str,
                            cfg_options: dict = None) -> nn.Module:
    """Build the segmentor of ``config`` on CPU, in eval mode, no weights.

    SyncBN is reverted to BN so that the model runs without a process group.
    """
    from mmengine.model import revert_sync_batchnorm
    from mmengine.registry import init_default_scope
    from mmseg.registry import MODELS

    import mmseg_maskattn  # noqa: F401

    cfg = Config.fromfile(resolve_config(config))
    if cfg_options:
        cfg.merge_from_dict(cfg_options)
    init_default_scope(cfg.get('default_scope', 'mmseg'))
    model = MODELS.build(cfg.model)
    return revert_sync_batchnorm(model).eval()


def count_params(model: nn.Module) -> int:
    """Number of parameters of ``model``."""
    return sum(p.numel() for p in model.parameters())


class _TensorForward(nn.Module):
    """Runs a segmentor's network only (``mode='tensor'``).

    mmseg's ``EncoderDecoder`` calls ``decode_head.forward(feats)`` in
    tensor mode, which fails for heads whose forward also takes the data
    samples (mmseg's ``Mask2FormerHead``): those are run through their
    ``predict``, which returns the segmentation logits. Heads with a
    ``forward_all`` (``MaskAttnUNetHead``: class logits and instance
    embeddings, both used at inference) are run through it, so the
    embedding branch is counted too (a traced graph drops unused outputs).
    """

    def __init__(self, model: nn.Module) -> None:
        super().__init__()
        self.model = model
        head = getattr(model, 'decode_head', None)
        self.head_needs_samples = head is not None and (
            'batch_data_samples' in inspect.signature(head.forward).parameters)

    def forward(self, inputs: torch.Tensor):
        head = getattr(self.model, 'decode_head', None)
        if hasattr(head, 'forward_all'):
            return head.forward_all(self.model.extract_feat(inputs))
        if not self.head_needs_samples:
            return self.model(inputs, mode='tensor')
        shape = tuple(inputs.shape[2:])
        metas = [dict(img_shape=shape, pad_shape=shape)] * inputs.shape[0]
        return self.model.decode_head.predict(
            self.model.extract_feat(inputs), metas, self.model.test_cfg)


def count_flops(model: nn.Module,
                input_shape: Tuple[int, int, int],
                by_module_depth: int = 0
                ) -> Tuple[int, Counter[str], dict]:
    """Count FLOPs of one forward of ``model`` on a (1, C, H, W) input.

    Args:
        model (nn.Module): A segmentor (its ``mode='tensor'`` forward is
            traced) or any module taking one image tensor.
        input_shape (tuple): (C, H, W).
        by_module_depth (int): Also return FLOPs of the sub-modules down to
            this depth (0: none).

    Returns:
        tuple: total FLOPs, the uncounted operators with their call counts,
        and ``{module name: FLOPs}``.
    """
    net = model
    if hasattr(model, 'data_preprocessor'):
        net = _TensorForward(model)
    inputs = torch.randn(1, *input_shape)
    analyzer = FlopAnalyzer(net, (inputs, ))
    analyzer.set_op_handle(**ATTENTION_FLOP_HANDLES)
    analyzer.unsupported_ops_warnings(False)
    analyzer.uncalled_modules_warnings(False)
    analyzer.tracer_warnings('none')
    with torch.no_grad():
        total = analyzer.total()
    by_module = {}
    if by_module_depth > 0:
        prefix = 'model.' if net is not model else ''
        for name, flops in analyzer.by_module().items():
            short = name[len(prefix):] if name.startswith(prefix) else name
            if short and short.count('.') < by_module_depth:
                by_module[short] = flops
    return total, analyzer.unsupported_ops(), by_module
