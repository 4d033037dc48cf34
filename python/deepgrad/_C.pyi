"""deepgrad._C: the C++ kernels (OpenMP + SIMD), bound with pybind11.

Arrays go in, outputs are written in place; the bindings only check dtypes, layout and
shapes, release the GIL and call the kernel. User-facing validation happens in Python.
"""

import numpy as np
import numpy.typing as npt

_Float = np.float32 | np.float64

# ---- information and threads ---------------------------------------------------------------

def simd_level() -> str:
    """The SIMD micro-kernels in use: "avx512", "avx2" or "portable" (DEEPGRAD_SIMD forces a lower one)."""

def _set_simd_level(name: str) -> None:
    """Select "avx512", "avx2" or "portable" at run time (for tests). ValueError if not supported here."""

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

def gemm_prepacked(
    a: npt.NDArray[_Float],
    b: npt.NDArray[_Float],
    c: npt.NDArray[_Float],
    trans_a: bool,
    trans_b: bool,
    alpha: float = 1.0,
    beta: float = 0.0,
) -> None:
    """gemm with each b packed first (gemm_pack_b then gemm_packed, as the LSTM runs); for tests."""

# ---- attention -----------------------------------------------------------------------------

def attention_forward(
    out: npt.NDArray[_Float],
    lse: npt.NDArray[_Float],
    q: npt.NDArray[_Float],
    k: npt.NDArray[_Float],
    v: npt.NDArray[_Float],
    allow: npt.NDArray[np.bool_] | None = None,
    add: npt.NDArray[_Float] | None = None,
    offsets: npt.NDArray[np.int64] | None = None,
    row_stride: int = 0,
    scale: float = 1.0,
    causal: bool = False,
) -> None:
    """out = softmax(scale * q @ k^T + mask) @ v and lse (the log-sum-exp of each row), in place; tiled, online softmax.

    q (BH, L, E), k (BH, S, E), v (BH, S, Ev), out (BH, L, Ev), lse (BH, L). Mask: allow (bool, True = attend) or
    add (float, added), flat; batch-head b's (L, S) slice starts at offsets[b], its rows row_stride apart (0:
    one row for all queries). causal: query i sees keys j <= i. Rows with every key masked: out 0, lse -inf.
    """

def attention_forward_naive(out, lse, q, k, v, allow=None, add=None, offsets=None, row_stride=0, scale=1.0,
                            causal=False) -> None:
    """The full-score-matrix reference behind attention_forward; same arguments and checks."""

def attention_backward(
    dq: npt.NDArray[_Float] | None,
    dk: npt.NDArray[_Float] | None,
    dv: npt.NDArray[_Float] | None,
    dout: npt.NDArray[_Float],
    q: npt.NDArray[_Float],
    k: npt.NDArray[_Float],
    v: npt.NDArray[_Float],
    out: npt.NDArray[_Float],
    lse: npt.NDArray[_Float],
    allow: npt.NDArray[np.bool_] | None = None,
    add: npt.NDArray[_Float] | None = None,
    offsets: npt.NDArray[np.int64] | None = None,
    row_stride: int = 0,
    scale: float = 1.0,
    causal: bool = False,
) -> None:
    """dq, dk, dv (each may be None) from dout and the forward's out and lse; probabilities recomputed per tile."""

def attention_backward_naive(dq, dk, dv, dout, q, k, v, out, lse, allow=None, add=None, offsets=None, row_stride=0,
                             scale=1.0, causal=False) -> None:
    """The reference behind attention_backward; same arguments and checks."""

# ---- layer norm ----------------------------------------------------------------------------

def layernorm_forward(
    y: npt.NDArray[_Float],
    mean: npt.NDArray[_Float],
    rstd: npt.NDArray[_Float],
    x: npt.NDArray[_Float],
    w: npt.NDArray[_Float] | None,
    b: npt.NDArray[_Float] | None,
    eps: float,
) -> None:
    """y = (x - mean) * rstd * w + b over the rows of x (M, N); w, b (N,) or None; mean, rstd (M,) written too."""

def layernorm_forward_naive(y, mean, rstd, x, w, b, eps) -> None:
    """The reference behind layernorm_forward (double accumulation); same arguments and checks."""

def layernorm_backward(
    dx: npt.NDArray[_Float] | None,
    dw: npt.NDArray[_Float] | None,
    db: npt.NDArray[_Float] | None,
    dy: npt.NDArray[_Float],
    x: npt.NDArray[_Float],
    mean: npt.NDArray[_Float],
    rstd: npt.NDArray[_Float],
    w: npt.NDArray[_Float] | None,
) -> None:
    """dx, dw, db (each may be None) from dy (M, N) and the forward's mean and rstd."""

def layernorm_backward_naive(dx, dw, db, dy, x, mean, rstd, w) -> None:
    """The reference behind layernorm_backward; same arguments and checks."""

def softmax_forward(y, x, log: bool) -> None:
    """y <- softmax (log=False) or log_softmax (log=True) along the last axis; x, y: (*, n) contiguous, float32/64."""

def softmax_backward(dx, y, dy, log: bool) -> None:
    """dx <- the input gradient of softmax/log_softmax from its output y and output gradient dy, all (*, n)."""

def adam_step(param, grad, exp_avg, exp_avg_sq, max_exp_avg_sq, lr: float, beta1: float, beta2: float, eps: float,
              weight_decay: float, step: float, amsgrad: bool, maximize: bool, decoupled_weight_decay: bool) -> None:
    """One Adam/AdamW step in place on contiguous arrays of one shape and dtype (deepgrad/optim.h)."""

def keep_large_blocks() -> bool:
    """glibc: large blocks from the heap and freed memory kept (no page faults on each new large array)."""

def dropout(x, p: float, seed: int) -> tuple:
    """Inverted dropout: (y, mask), mask = 1/(1-p) where kept (u >= p, u from a hash of seed and the index), else 0."""
