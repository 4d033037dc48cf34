"""The fused Linear kernel (bias + ReLU epilogue, and its backward) against NumPy and its naive twin."""
import numpy as np
import pytest

from deepgrad import _C
from kernel_settings import SIMD_LEVELS, at_simd_level

# The epilogue (bias, ReLU) runs per micro-tile after the last K block, or in one pass on the paths without tiles:
# skinny (M or N <= 8), transposed (N < 16), several K blocks (K > 256), two N blocks (N > 4080), rows split
# between threads (A packed, N narrow: (700, 100, 130)), K split between threads ((40, 100, 1100): bias and
# ReLU after the threads' parts are summed).
SHAPES = [(1, 1, 1), (1, 7, 3), (5, 1, 13), (31, 17, 67), (64, 128, 10), (129, 65, 33), (300, 257, 5),
          (40, 300, 515), (9, 4100, 7), (700, 100, 130), (40, 100, 1100)]


@pytest.mark.parametrize("M,N,K", SHAPES)
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("relu", [False, True])
@pytest.mark.parametrize("with_bias", [False, True])
def test_linear_forward_and_backward(M, N, K, dtype, relu, with_bias):
    rng = np.random.default_rng(M * 1000 + N * 10 + K)
    x = rng.standard_normal((M, K)).astype(dtype)
    w = rng.standard_normal((N, K)).astype(dtype)
    b = rng.standard_normal(N).astype(dtype) if with_bias else None
    expected = x.astype(np.float64) @ w.T.astype(np.float64) + (0 if b is None else b)
    if relu:
        expected = np.maximum(expected, 0)
    tol = dict(rtol=1e-4, atol=1e-4 * np.sqrt(K)) if dtype == np.float32 else dict(rtol=1e-10, atol=1e-10)
    y = np.full((M, N), np.nan, dtype=dtype)
    _C.linear_forward_naive(y, x, w, b, relu)
    np.testing.assert_allclose(y, expected, **tol)
    for level in SIMD_LEVELS:
        with at_simd_level(level):
            y = np.full((M, N), np.nan, dtype=dtype)
            _C.linear_forward(y, x, w, b, relu)
            np.testing.assert_allclose(y, expected, **tol, err_msg=level)

    dy = rng.standard_normal((M, N)).astype(dtype)
    for kernel in (_C.linear_backward, _C.linear_backward_naive):
        dx, dw, db = np.empty_like(x), np.empty_like(w), np.empty(N, dtype=dtype)
        kernel(dx, dw, db, dy, x, w)
        np.testing.assert_allclose(dx, dy.astype(np.float64) @ w, **tol)
        np.testing.assert_allclose(dw, dy.T.astype(np.float64) @ x, **tol)
        np.testing.assert_allclose(db, dy.astype(np.float64).sum(0), **tol)


@pytest.mark.parametrize("M,N,K", [(5, 1, 13), (31, 17, 67), (64, 128, 10), (300, 257, 5), (40, 100, 1100)])
def test_linear_relu_keeps_nan(M, N, K):
    # torch.relu(nan) is nan: the fused ReLU must not turn a NaN product into 0 on any path
    x = np.ones((M, K), np.float32)
    x[M // 2, 0] = np.nan
    w = -np.ones((N, K), np.float32)  # every finite output is negative, so ReLU gives 0 there
    others = np.arange(M) != M // 2
    for kernel, level in [(_C.linear_forward_naive, None)] + [(_C.linear_forward, lv) for lv in SIMD_LEVELS]:
        with at_simd_level(level or SIMD_LEVELS[0]):
            y = np.empty((M, N), np.float32)
            kernel(y, x, w, np.zeros(N, np.float32), True)
        assert np.isnan(y[M // 2]).all() and (y[others] == 0).all(), (kernel.__name__, level)


def test_linear_backward_skips_missing_outputs():
    x, w, dy = np.ones((3, 4), np.float32), np.ones((2, 4), np.float32), np.ones((3, 2), np.float32)
    dw = np.empty_like(w)
    _C.linear_backward(None, dw, None, dy, x, w)
    np.testing.assert_allclose(dw, np.full((2, 4), 3.0))


def test_linear_kernel_rejects_bad_shapes():
    x, w = np.ones((3, 4), np.float32), np.ones((2, 5), np.float32)
    with pytest.raises(ValueError, match=r"linear_forward: x has shape \(3, 4\); expected \(\*, 5\) for w of shape \(2, 5\)"):
        _C.linear_forward(np.empty((3, 2), np.float32), x, w, None, False)
    with pytest.raises(ValueError, match=r"linear_forward: y has shape \(3, 3\); expected \(3, 2\)"):
        _C.linear_forward(np.empty((3, 3), np.float32), x, np.ones((2, 4), np.float32), None, False)
    with pytest.raises(TypeError, match="dtype"):
        _C.linear_forward(np.empty((3, 2), np.float32), x, np.ones((2, 4)), None, False)
