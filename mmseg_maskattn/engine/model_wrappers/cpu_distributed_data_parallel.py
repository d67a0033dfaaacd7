"""mmengine's DDP wrapper for a model that stays on the CPU.

mmengine's Runner wraps a distributed model in ``MMDistributedDataParallel``
with ``device_ids=[LOCAL_RANK]``, which torch refuses for a CPU module, and
keeps SyncBN, which torch runs on GPUs only. This wrapper, chosen by
:func:`mmseg_maskattn.engine.setup_cpu_distributed` when CUDA is absent,
drops ``device_ids`` and reverts SyncBN to BN (each rank then normalises
with its own batch statistics, as mmengine does for a single process).
"""
from typing import Optional, Sequence

import torch.nn as nn
from mmengine.logging import print_log
from mmengine.model import MMDistributedDataParallel, revert_sync_batchnorm
from mmengine.registry import MODEL_WRAPPERS

__all__ = ['CPUDistributedDataParallel']


@MODEL_WRAPPERS.register_module()
class CPUDistributedDataParallel(MMDistributedDataParallel):
    """``MMDistributedDataParallel`` on CPU modules (gloo process group).

    Args:
        module (nn.Module): The model; its parameters are on the CPU.
        device_ids (Sequence[int], optional): Ignored (torch requires None
            for CPU modules); accepted because mmengine's Runner passes
            ``[LOCAL_RANK]``.
        **kwargs: Other arguments of ``MMDistributedDataParallel``
            (``broadcast_buffers``, ``find_unused_parameters``, ...).
    """

    def __init__(self,
                 module: nn.Module,
                 device_ids: Optional[Sequence[int]] = None,
                 **kwargs) -> None:
        devices = {p.device.type for p in module.parameters()}
        if devices - {'cpu'}:
            raise ValueError('CPUDistributedDataParallel wraps CPU modules, '
                             f'got parameters on {sorted(devices)}')
        if any(isinstance(m, nn.SyncBatchNorm) for m in module.modules()):
            print_log(
                'CPUDistributedDataParallel: SyncBatchNorm runs on GPUs '
                'only; reverted to BatchNorm (per-rank statistics)',
                logger='current')
            module = revert_sync_batchnorm(module)
        super().__init__(module=module, device_ids=None, **kwargs)
