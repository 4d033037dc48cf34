"""Process settings for the C++ kernels: thread count (OpenMP) and the allocator behind the arrays."""
import os

from . import _C


def set_num_threads(n):
    """Threads the C++ kernels use; the default is the number of available cores."""
    if int(n) < 1:
        raise ValueError(f"set_num_threads: expected a positive number of threads, got {n}")
    _C.set_num_threads(int(n))


def get_num_threads():
    return _C.get_num_threads()


def tune_allocator(environ=os.environ):
    """On import: keep large freed blocks in the process (glibc) instead of mapping fresh pages for every new
    activation-sized array, whose page faults were a fifth of a transformer training step. Skipped when
    DEEPGRAD_KEEP_MEMORY=0, or when the user tunes glibc's allocator through its own MALLOC_* variables."""
    if environ.get("DEEPGRAD_KEEP_MEMORY", "1") == "0" or any(k.startswith("MALLOC_") for k in environ):
        return False
    return _C.keep_large_blocks()
