"""Pooling kernels: the fast path against its naive twin and a NumPy reference."""
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import deepgrad as dg
from deepgrad import _C


def pool_out(n, k, stride, pad, dil, ceil_mode):
    """PyTorch's pooling output size (the last window must start inside the input or the left padding)."""
    o = (n + 2 * pad - dil * (k - 1) - 1 + (stride - 1 if ceil_mode else 0)) // stride + 1
    if ceil_mode and (o - 1) * stride >= n + pad:
        o -= 1
    return o


def _windows(a, fill, kernel, stride, pad, dil, out_hw):
    """(R*S, N, C, P, Q) stack of every window tap of `a`, padded with `fill` (far enough for ceil_mode)."""
    (R, S), (P, Q) = kernel, out_hw
    H, W = a.shape[2:]
    bottom = max(0, (P - 1) * stride[0] + dil[0] * (R - 1) + 1 - H - pad[0])
    right = max(0, (Q - 1) * stride[1] + dil[1] * (S - 1) + 1 - W - pad[1])
    ap = np.pad(a, ((0, 0), (0, 0), (pad[0], bottom), (pad[1], right)), constant_values=fill)
    return np.stack([ap[:, :, r * dil[0]:r * dil[0] + (P - 1) * stride[0] + 1:stride[0],
                        s * dil[1]:s * dil[1] + (Q - 1) * stride[1] + 1:stride[1]]
                     for r in range(R) for s in range(S)])


def ref_max_pool2d(x, kernel, stride, pad, dil, out_hw):
    """(values, flat indices): the first maximum of each window (-inf padding)."""
    N, C, H, W = x.shape
    flat = np.broadcast_to(np.arange(H * W).reshape(1, 1, H, W), x.shape)
    vals = _windows(x.astype(np.float64), -np.inf, kernel, stride, pad, dil, out_hw)
    idx = _windows(flat, -1, kernel, stride, pad, dil, out_hw)
    arg = vals.argmax(axis=0)[None]
    return np.take_along_axis(vals, arg, 0)[0], np.take_along_axis(idx, arg, 0)[0]


def ref_avg_pool2d(x, kernel, stride, pad, out_hw, count_include_pad, divisor_override):
    sums = _windows(x.astype(np.float64), 0.0, kernel, stride, pad, (1, 1), out_hw).sum(axis=0)
    if divisor_override:
        return sums / divisor_override
    H, W = x.shape[2:]
    if count_include_pad:  # the window clipped to the padded input [-pad, H + pad)
        mask = np.ones((1, 1, H + 2 * pad[0], W + 2 * pad[1]))
        counts = _windows(mask, 0.0, kernel, stride, (0, 0), (1, 1), out_hw).sum(axis=0)
    else:
        counts = _windows(np.ones((1, 1, H, W)), 0.0, kernel, stride, pad, (1, 1), out_hw).sum(axis=0)
    return sums / counts


def ref_adaptive_avg_pool2d(x, out_hw):
    H, W = x.shape[2:]
    P, Q = out_hw
    y = np.empty(x.shape[:2] + (P, Q))
    for p in range(P):
        h0, h1 = (p * H) // P, -(-(p + 1) * H // P)
        for q in range(Q):
            w0, w1 = (q * W) // Q, -(-(q + 1) * W // Q)
            y[:, :, p, q] = x[:, :, h0:h1, w0:w1].mean(axis=(2, 3))
    return y


def vjp(f, x, gy):
    """The gradient of sum(f(x) * gy) w.r.t. x, for linear f: f applied to the basis, contracted with gy."""
    basis = np.eye(x.size).reshape((x.size,) + x.shape)
    return np.array([(f(e[None].reshape(x.shape)) * gy).sum() for e in basis]).reshape(x.shape)


@pytest.fixture(params=[1, 2], ids=["1thread", "2threads"])
def threads(request):
    original = dg.get_num_threads()
    dg.set_num_threads(request.param)
    yield request.param
    dg.set_num_threads(original)


# N, C, H, W, kernel, stride, pad, dil, ceil_mode
MAX_CASES = [
    (1, 1, 1, 1, (1, 1), (1, 1), (0, 0), (1, 1), False),
    (2, 3, 8, 8, (2, 2), (2, 2), (0, 0), (1, 1), False),
    (2, 3, 7, 5, (3, 3), (2, 2), (1, 1), (1, 1), True),
    (1, 2, 13, 11, (3, 2), (3, 1), (1, 1), (2, 2), True),
    (3, 1, 5, 6, (2, 3), (2, 2), (1, 1), (1, 1), True),  # ceil_mode drops a window starting in the padding
    (2, 2, 6, 6, (4, 4), (3, 3), (2, 2), (1, 1), False),
]


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("case", MAX_CASES)
def test_max_pool2d_fast_matches_naive_and_numpy(case, dtype, threads):
    N, C, H, W, kernel, stride, pad, dil, ceil = case
    rng = np.random.default_rng(0)
    x = rng.permutation(N * C * H * W).reshape(N, C, H, W).astype(dtype)  # no ties
    out_hw = tuple(pool_out(n, k, s, p, d, ceil) for n, k, s, p, d in zip((H, W), kernel, stride, pad, dil))
    ref_y, ref_i = ref_max_pool2d(x, kernel, stride, pad, dil, out_hw)
    gy = rng.standard_normal(ref_y.shape).astype(dtype)
    ref_dx = np.zeros((N * C, H * W))
    np.add.at(ref_dx, (np.arange(N * C)[:, None], ref_i.reshape(N * C, -1)), gy.reshape(N * C, -1))
    for naive in (False, True):
        y, idx = np.empty(ref_y.shape, dtype), np.empty(ref_y.shape, np.int64)
        _C.max_pool2d_forward(y, idx, x, kernel, stride, pad, dil, naive=naive)
        np.testing.assert_array_equal(y, ref_y)
        np.testing.assert_array_equal(idx, ref_i)
        dx = np.full_like(x, np.nan)
        _C.max_pool2d_backward(dx, gy, idx, naive=naive)
        np.testing.assert_allclose(dx, ref_dx.reshape(x.shape), rtol=1e-6)


def test_max_pool2d_ties_nan_and_empty_windows():
    # ties: the first maximum in window order wins; NaN propagates
    x = np.array([[[[1.0, 1.0], [1.0, np.nan]]]])
    y, idx = np.empty((1, 1, 1, 1)), np.empty((1, 1, 1, 1), np.int64)
    for naive in (False, True):
        _C.max_pool2d_forward(y, idx, x[..., :1, :], (1, 2), (1, 1), (0, 0), (1, 1), naive=naive)
        assert y.item() == 1.0 and idx.item() == 0
        _C.max_pool2d_forward(y, idx, x, (2, 2), (1, 1), (0, 0), (1, 1), naive=naive)
        assert np.isnan(y.item()) and idx.item() == 3
        # a window entirely in the padding: -inf, index -1, and backward skips it
        _C.max_pool2d_forward(y, idx, np.ones((1, 1, 1, 1)), (2, 2), (1, 1), (1, 1), (2, 2), naive=naive)
        assert y.item() == -np.inf and idx.item() == -1
        dx = np.full((1, 1, 1, 1), np.nan)
        _C.max_pool2d_backward(dx, np.ones((1, 1, 1, 1)), np.array([[[[7]]]]), naive=naive)  # out of range: skipped
        assert dx.item() == 0.0


# N, C, H, W, kernel, stride, pad, ceil_mode, count_include_pad, divisor_override
AVG_CASES = [
    (2, 3, 8, 8, (2, 2), (2, 2), (0, 0), False, True, 0),
    (2, 2, 7, 5, (3, 3), (2, 2), (1, 1), True, True, 0),
    (2, 2, 7, 5, (3, 3), (2, 2), (1, 1), True, False, 0),
    (1, 3, 5, 6, (2, 3), (2, 2), (1, 1), True, True, 0),  # windows clipped at the padded edge
    (1, 2, 9, 4, (3, 2), (3, 1), (1, 1), False, False, 5),
    (1, 1, 1, 1, (1, 1), (1, 1), (0, 0), False, True, 0),
]


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("case", AVG_CASES)
def test_avg_pool2d_fast_matches_naive_and_numpy(case, dtype, threads):
    N, C, H, W, kernel, stride, pad, ceil, cip, dov = case
    rng = np.random.default_rng(1)
    x = rng.standard_normal((N, C, H, W)).astype(dtype)
    out_hw = tuple(pool_out(n, k, s, p, 1, ceil) for n, k, s, p in zip((H, W), kernel, stride, pad))
    ref = lambda a: ref_avg_pool2d(a, kernel, stride, pad, out_hw, cip, dov)  # noqa: E731
    ref_y = ref(x)
    gy = rng.standard_normal(ref_y.shape).astype(dtype)
    ref_dx = vjp(ref, x.astype(np.float64), gy.astype(np.float64))
    tol = 1e-5 if dtype == np.float32 else 1e-12
    for naive in (False, True):
        y = np.empty(ref_y.shape, dtype)
        _C.avg_pool2d_forward(y, x, kernel, stride, pad, cip, dov, naive=naive)
        np.testing.assert_allclose(y, ref_y, rtol=tol, atol=tol)
        dx = np.full_like(x, np.nan)
        _C.avg_pool2d_backward(dx, gy, kernel, stride, pad, cip, dov, naive=naive)
        np.testing.assert_allclose(dx, ref_dx, rtol=tol, atol=tol)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("shape,out_hw", [((2, 3, 7, 5), (3, 2)), ((1, 2, 6, 6), (6, 6)), ((1, 1, 3, 4), (5, 7)),
                                          ((2, 2, 9, 1), (4, 1)), ((1, 1, 5, 5), (1, 1))])
def test_adaptive_avg_pool2d_fast_matches_naive_and_numpy(shape, out_hw, dtype, threads):
    rng = np.random.default_rng(2)
    x = rng.standard_normal(shape).astype(dtype)
    ref = lambda a: ref_adaptive_avg_pool2d(a, out_hw)  # noqa: E731
    ref_y = ref(x)
    gy = rng.standard_normal(ref_y.shape).astype(dtype)
    ref_dx = vjp(ref, x.astype(np.float64), gy.astype(np.float64))
    tol = 1e-5 if dtype == np.float32 else 1e-12
    for naive in (False, True):
        y = np.empty(ref_y.shape, dtype)
        _C.adaptive_avg_pool2d_forward(y, x, naive=naive)
        np.testing.assert_allclose(y, ref_y, rtol=tol, atol=tol)
        dx = np.full_like(x, np.nan)
        _C.adaptive_avg_pool2d_backward(dx, gy, naive=naive)
        np.testing.assert_allclose(dx, ref_dx, rtol=tol, atol=tol)


@settings(max_examples=30, deadline=None)
@given(H=st.integers(1, 10), W=st.integers(1, 10), R=st.integers(1, 4), S=st.integers(1, 4), sh=st.integers(1, 3),
       sw=st.integers(1, 3), ph=st.integers(0, 2), pw=st.integers(0, 2), dh=st.integers(1, 2), dw=st.integers(1, 2),
       ceil=st.booleans(), seed=st.integers(0, 2**16))
def test_max_and_avg_pool2d_property_random_shapes(H, W, R, S, sh, sw, ph, pw, dh, dw, ceil, seed):
    if 2 * ph > dh * (R - 1) + 1 or 2 * pw > dw * (S - 1) + 1:
        return
    P, Q = pool_out(H, R, sh, ph, dh, ceil), pool_out(W, S, sw, pw, dw, ceil)
    if P < 1 or Q < 1:
        return
    rng = np.random.default_rng(seed)
    x = rng.permutation(2 * H * W).reshape(1, 2, H, W).astype(np.float64)
    ref_y, ref_i = ref_max_pool2d(x, (R, S), (sh, sw), (ph, pw), (dh, dw), (P, Q))
    y, idx = np.empty((1, 2, P, Q)), np.empty((1, 2, P, Q), np.int64)
    _C.max_pool2d_forward(y, idx, x, (R, S), (sh, sw), (ph, pw), (dh, dw))
    np.testing.assert_array_equal(y, ref_y)
    np.testing.assert_array_equal(idx, ref_i)
    if 2 * ph <= R and 2 * pw <= S:
        P, Q = pool_out(H, R, sh, ph, 1, ceil), pool_out(W, S, sw, pw, 1, ceil)
        y = np.empty((1, 2, P, Q))
        _C.avg_pool2d_forward(y, x, (R, S), (sh, sw), (ph, pw), ceil, 0)
        np.testing.assert_allclose(y, ref_avg_pool2d(x, (R, S), (sh, sw), (ph, pw), (P, Q), ceil, 0), rtol=1e-12)


def test_binding_rejects_bad_arrays():
    x, y, i = np.zeros((1, 2, 4, 4)), np.zeros((1, 2, 2, 2)), np.zeros((1, 2, 2, 2), np.int64)
    pool = ((2, 2), (2, 2), (0, 0), (1, 1))
    with pytest.raises(TypeError, match="int64"):
        _C.max_pool2d_forward(y, i.astype(np.int32), x, *pool)
    with pytest.raises(TypeError, match="float32 or float64"):
        _C.max_pool2d_forward(y, i, x.astype(np.int64), *pool)
    with pytest.raises(ValueError, match="shape"):
        _C.max_pool2d_forward(np.zeros((1, 3, 2, 2)), i, x, *pool)
    with pytest.raises(ValueError, match=">= 1"):
        _C.max_pool2d_forward(y, i, x, (0, 2), (2, 2), (0, 0), (1, 1))
    with pytest.raises(ValueError, match="shape"):
        _C.max_pool2d_backward(x, y, np.zeros((1, 2, 3, 2), np.int64))
