"""Describe the machine a benchmark ran on."""
import platform

__all__ = ['cpu_model_name']


def cpu_model_name() -> str:
    """The CPU model from ``/proc/cpuinfo``, else what ``platform`` says."""
    try:
        with open('/proc/cpuinfo') as f:
            for line in f:
                if line.startswith('model name'):
                    return line.split(':', 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()
