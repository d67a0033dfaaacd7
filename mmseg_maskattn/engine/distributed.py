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
import time

import torch
import torch.distributed as dist
from mmengine.config import Config

__all__ = ['setup_cpu_distributed', 'teardown_cpu_distributed']

# rendezvous-store counter of the ranks that closed their process group
_CLOSED_KEY = 'mmseg_maskattn/closed_ranks'


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


def teardown_cpu_distributed(applied: bool, *, synchronize: bool = True,
                             timeout: float = 60.0) -> None:
    """Close the process group :func:`setup_cpu_distributed` opened.

    After a successful run every rank waits for the others, then the ranks
    other than 0 close their group and report it through the rendezvous
    store, and rank 0, which hosts the store, closes last. A rank whose
    store client outlives the store server, or that closes the group while
    another still talks to it, aborts at exit ("terminate called without an
    active exception", seen with gloo when all ranks closed at once).

    Args:
        applied (bool): What :func:`setup_cpu_distributed` returned.
        synchronize (bool): Order the shutdown as above (after a successful
            run). False after an error, when the other ranks may never
            arrive: the group is closed at once.
        timeout (float): Seconds rank 0 waits for the others to close.
    """
    if not (applied and dist.is_initialized()):
        return
    if not synchronize:
        dist.destroy_process_group()
        return
    dist.barrier()
    rank, world = dist.get_rank(), dist.get_world_size()
    store = dist.distributed_c10d._get_default_store()
    if rank != 0:
        dist.destroy_process_group()
        store.add(_CLOSED_KEY, 1)
        return
    deadline = time.monotonic() + timeout
    while store.add(_CLOSED_KEY, 0) < world - 1 and (
            time.monotonic() < deadline):
        time.sleep(0.05)
    dist.destroy_process_group()
