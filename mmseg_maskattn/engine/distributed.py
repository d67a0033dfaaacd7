"""Distributed runs on machines without CUDA, through mmengine's launcher.

``tools/dist_train.sh`` / ``dist_test.sh`` start one process per rank with
``torch.distributed.run`` and ``--launcher pytorch``. mmengine's pytorch
launcher calls ``torch.cuda.set_device`` and builds an NCCL process group,
and its Runner wraps the model for GPUs; on a CPU-only machine all three
fail. :func:`setup_cpu_distributed` lets the same commands run there: it
starts the gloo process group from the launcher's environment (``RANK``,
``WORLD_SIZE``, ``MASTER_ADDR``, ``MASTER_PORT``), after which the Runner
skips its own initialisation, and selects
:class:`CPUDistributedDataParallel` as the model wrapper. With CUDA, or
without a launcher, it changes nothing. :func:`teardown_cpu_distributed`
closes that process group when the tool ends (a gloo group left open
aborts the process at exit).
"""
import datetime

import torch
import torch.distributed as dist
from mmengine.config import Config

__all__ = ['setup_cpu_distributed', 'teardown_cpu_distributed']


def setup_cpu_distributed(cfg: Config) -> bool:
    """Prepare ``cfg`` (and the process group) for a CPU-only launch.

    Args:
        cfg (Config): The config, with ``cfg.launcher`` set; changed in
            place.

    Returns:
        bool: Whether the CPU setup was applied.
    """
    if cfg.get('launcher', 'none') == 'none' or torch.cuda.is_available():
        return False
    if cfg.launcher != 'pytorch':
        raise ValueError(
            'without CUDA only --launcher pytorch (tools/dist_train.sh, '
            f'tools/dist_test.sh) is supported, got {cfg.launcher!r}')
    env_cfg = cfg.get('env_cfg', None) or {}
    dist_cfg = dict(env_cfg.get('dist_cfg', None) or {})
    dist_cfg['backend'] = 'gloo'
    cfg.env_cfg = dict(env_cfg, dist_cfg=dist_cfg)
    if not dist.is_initialized():
        timeout = dist_cfg.get('timeout', 1800)
        dist.init_process_group(
            backend='gloo', timeout=datetime.timedelta(seconds=timeout))
    wrapper = dict(cfg.get('model_wrapper_cfg', None) or {})
    if wrapper.get('type', 'MMDistributedDataParallel') not in (
            'MMDistributedDataParallel', 'CPUDistributedDataParallel'):
        raise ValueError(
            f"model_wrapper_cfg type {wrapper['type']!r} is not supported "
            'without CUDA; use MMDistributedDataParallel (the default)')
    wrapper.setdefault('broadcast_buffers', False)
    wrapper.setdefault('find_unused_parameters',
                       cfg.get('find_unused_parameters', False))
    wrapper['type'] = 'CPUDistributedDataParallel'
    cfg.model_wrapper_cfg = wrapper
    return True


def teardown_cpu_distributed(applied: bool, *, synchronize: bool = True
                             ) -> None:
    """Close the process group :func:`setup_cpu_distributed` opened.

    Args:
        applied (bool): What :func:`setup_cpu_distributed` returned.
        synchronize (bool): Wait for every rank first (after a successful
            run): a rank that closes the group while another still talks
            to it aborts ("terminate called without an active
            exception"). False after an error, when the other ranks may
            never arrive.
    """
    if applied and dist.is_initialized():
        if synchronize:
            dist.barrier()
        dist.destroy_process_group()
