"""Thread count of the C++ kernels (OpenMP)."""
from . import _C


def set_num_threads(n):
    """Threads the C++ kernels use; the default is the number of available cores."""
    if int(n) < 1:
        raise ValueError(f"set_num_threads: expected a positive number of threads, got {n}")
    _C.set_num_threads(int(n))


def get_num_threads():
    return _C.get_num_threads()
