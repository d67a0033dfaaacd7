"""ONNX export of semantic segmentors, checked in onnxruntime.

The exported graph maps a normalised image batch (B, 3, H, W), i.e. the
output of the config's ``data_preprocessor``, to class logits (B, K, H, W):
backbone (and neck), the decode head's logits (the first output of heads
that return several, as their ``predict`` does: DANet's ``pam_cam``,
EncHead's segmentation logits) and a bilinear resize to the input size, as
mmseg's whole-image inference does. ``argmax`` over K gives the label map.

Exportable: mmseg ``EncoderDecoder`` models (U-MixFormer on every encoder,
DANet, FastFCN) and the semantic output of MaskAttn-UNet. Not exportable,
with the reason :func:`exportable_reason` gives: Gated-SCNN (its Canny edge
input is computed with OpenCV on the host), the few-shot segmentors
(episodes of query and support images), and the panoptic outputs (instance
grouping, Mask2Former's query matching: data-dependent loops).
"""
from typing import Optional, Sequence, Union

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
from mmengine.model import is_model_wrapper

__all__ = [
    'SemanticLogits', 'check_onnx', 'export_onnx', 'exportable_reason'
]

# segmentor class name -> why it cannot be exported
NOT_EXPORTABLE = {
    'GSCNN': 'its Canny edge input is computed with OpenCV on the host, '
    'outside the network',
    'HDMNet': 'few-shot inference takes episodes (a query and its support '
    'images and masks), not an image',
    'PrototypeFSS': 'few-shot inference takes episodes (a query and its '
    'support images and masks), not an image',
    'Mask2FormerPanopticSegmentor': 'its panoptic output matches queries '
    'with data-dependent loops',
}


def exportable_reason(model: Union[nn.Module, str]) -> Optional[str]:
    """Why ``model`` cannot be exported, or None if it can.

    Args:
        model (nn.Module | str): A segmentor, or the ``type`` of a model
            config (checked before the model is built).
    """
    if isinstance(model, str):
        name = model.split('.')[-1]
        if name in NOT_EXPORTABLE:
            return f'{name}: {NOT_EXPORTABLE[name]}'
        return None
    if is_model_wrapper(model):
        model = model.module
    name = type(model).__name__
    if name in NOT_EXPORTABLE:
        return f'{name}: {NOT_EXPORTABLE[name]}'
    if not (hasattr(model, 'extract_feat')
            and hasattr(model, 'decode_head')):
        return (f'{name} has no extract_feat / decode_head (not an mmseg '
                'EncoderDecoder)')
    return None


class SemanticLogits(nn.Module):
    """Normalised image (B, 3, H, W) -> class logits (B, K, H, W).

    Args:
        model (nn.Module): An exportable segmentor (see the module
            docstring), in eval mode.
    """

    def __init__(self, model: nn.Module) -> None:
        super().__init__()
        reason = exportable_reason(model)
        if reason is not None:
            raise ValueError(f'cannot export to ONNX: {reason}')
        self.model = model.module if is_model_wrapper(model) else model

    def forward(self, inputs: torch.Tensor) -> torch.Tensor:
        feats = self.model.extract_feat(inputs)
        head = self.model.decode_head
        logits = head.forward(feats)
        if isinstance(logits, (tuple, list)):
            logits = logits[0]
        return F.interpolate(
            logits,
            size=inputs.shape[2:],
            mode='bilinear',
            align_corners=head.align_corners)


def export_onnx(model: nn.Module,
                path: str,
                shape: Sequence[int],
                *,
                dynamic: bool = False,
                dynamo: bool = True,
                opset: int = 18) -> torch.Tensor:
    """Export ``model`` to ``path``; return the example input used.

    Args:
        model (nn.Module): An exportable segmentor.
        path (str): Output ``.onnx`` file.
        shape (Sequence[int]): (H, W) of the example input.
        dynamic (bool): Height and width as dynamic axes (the batch stays
            1).
        dynamo (bool): torch's ``torch.export``-based exporter (True) or
            the TorchScript one (False: static shapes only, and no LVT or
            PSP heads at feature sizes that are not multiples of the bins).
        opset (int): ONNX opset version (at least 18 for the
            ``torch.export``-based exporter).

    Returns:
        torch.Tensor: The (1, 3, H, W) example input (seeded normal noise).
    """
    if len(shape) != 2 or any(int(s) <= 0 for s in shape):
        raise ValueError(f'shape must be (H, W) > 0, got {tuple(shape)}')
    if dynamic and not dynamo:
        raise ValueError('dynamic=True needs the torch.export-based exporter '
                         '(dynamo=True): the TorchScript one bakes shapes')
    wrapper = SemanticLogits(model).eval()
    generator = torch.Generator().manual_seed(0)
    example = torch.randn(1, 3, int(shape[0]), int(shape[1]),
                          generator=generator)
    kwargs = dict(
        input_names=['inputs'], output_names=['seg_logits'],
        opset_version=opset)
    if dynamic:
        if dynamo:
            dim = torch.export.Dim.AUTO
            kwargs['dynamic_shapes'] = {'inputs': {2: dim, 3: dim}}
        else:
            axes = {2: 'height', 3: 'width'}
            kwargs['dynamic_axes'] = {'inputs': axes, 'seg_logits': axes}
    with torch.no_grad():
        torch.onnx.export(
            wrapper, (example, ), path, dynamo=dynamo, **kwargs)
    return example


def check_onnx(path: str, model: nn.Module,
               inputs: torch.Tensor) -> float:
    """Largest absolute difference of the onnxruntime and PyTorch logits.

    Args:
        path (str): The exported ``.onnx`` file.
        model (nn.Module): The segmentor it was exported from.
        inputs (torch.Tensor): A normalised image batch (B, 3, H, W).

    Returns:
        float: ``max |onnx - torch|`` over all logits.
    """
    import onnxruntime as ort
    session = ort.InferenceSession(path, providers=['CPUExecutionProvider'])
    got = session.run(None, {'inputs': inputs.numpy()})[0]
    with torch.no_grad():
        want = SemanticLogits(model).eval()(inputs).numpy()
    if got.shape != want.shape:
        raise ValueError(f'ONNX output {got.shape} differs in shape from '
                         f'PyTorch {want.shape}')
    return float(np.abs(got - want).max())
