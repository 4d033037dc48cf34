"""The kernels' global settings for tests: which SIMD levels this CPU and build can run, and context managers
that run a block at one level or thread count and put the previous one back."""
import contextlib

import pytest

from deepgrad import _C


def _available_levels():
    levels = []
    before = _C.simd_level()
    try:
        for name in ("avx512", "avx2", "portable"):
            try:
                _C._set_simd_level(name)
                levels.append(name)
            except ValueError:
                pass
    finally:
        _C._set_simd_level(before)
    return levels


SIMD_LEVELS = _available_levels()  # best first; "portable" always last


@contextlib.contextmanager
def at_simd_level(name):
    """Runs the block with the `name` kernels; skips the test where this CPU or build has none."""
    before = _C.simd_level()
    if name not in SIMD_LEVELS:
        pytest.skip(f"no {name} kernels on this CPU or build")
    _C._set_simd_level(name)
    try:
        yield
    finally:
        _C._set_simd_level(before)


@contextlib.contextmanager
def num_threads(n):
    before = _C.get_num_threads()
    _C.set_num_threads(n)
    try:
        yield
    finally:
        _C.set_num_threads(before)
