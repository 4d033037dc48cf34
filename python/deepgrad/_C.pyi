"""deepgrad._C: the C++ kernels (OpenMP + SIMD), bound with pybind11.

Arrays go in, outputs are written in place; the bindings only check dtypes, layout and
shapes, release the GIL and call the kernel. User-facing validation happens in Python.
"""

import numpy as np
import numpy.typing as npt

_Float = np.float32 | np.float64

# ---- information and threads ---------------------------------------------------------------

def simd_level() -> str:
    """The SIMD micro-kernels in use: "avx2" or "portable" (DEEPGRAD_SIMD=portable forces it)."""

def _set_simd_level(name: str) -> None:
    """Select "avx2" or "portable" at run time (for tests). ValueError if not supported here."""

def set_num_threads(n: int) -> None:
    """Threads the kernels use (OpenMP). ValueError if n < 1; ignored without OpenMP."""

def get_num_threads() -> int: ...
def has_openmp() -> bool: ...
def has_cuda() -> bool:
    """True only when built with DEEPGRAD_CUDA=ON."""

# ---- gemm ----------------------------------------------------------------------------------

def gemm(
    a: npt.NDArray[_Float],
    b: npt.NDArray[_Float],
    c: npt.NDArray[_Float],
    trans_a: bool,
    trans_b: bool,
    alpha: float = 1.0,
    beta: float = 0.0,
) -> None:
    """c[i] = alpha * op(a[i]) @ op(b[i]) + beta * c[i], in place.

    a, b, c: C-contiguous 3-D arrays of one dtype (float32 or float64).
    a is (batch_a, M, K), or (batch_a, K, M) when trans_a (op transposes it);
    b is (batch_b, K, N), or (batch_b, N, K) when trans_b; c is (batch, M, N).
    batch_a and batch_b are 1 (broadcast over the batch) or batch.
    beta == 0 ignores c's previous contents (NaN-safe); alpha == 0 does not read a or b.
    Raises TypeError for dtypes, ValueError for shapes, layout, read-only or overlapping c.
    """

def gemm_naive(
    a: npt.NDArray[_Float],
    b: npt.NDArray[_Float],
    c: npt.NDArray[_Float],
    trans_a: bool,
    trans_b: bool,
    alpha: float = 1.0,
    beta: float = 0.0,
) -> None:
    """The reference triple loop behind gemm; same arguments and checks."""
