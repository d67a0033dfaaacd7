"""Export of the package's semantic segmentors to ONNX."""
from .onnx_export import (SemanticLogits, check_onnx, export_onnx,
                          exportable_reason)

__all__ = ['SemanticLogits', 'check_onnx', 'export_onnx', 'exportable_reason']
