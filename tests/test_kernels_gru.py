"""The fused GRU kernel (csrc/cpu/gru.cpp) against a plain NumPy reference of PyTorch's equations, forward and BPTT,
on awkward sizes, both directions, variable lengths, with and without h0 and biases, at 1 and 2 threads and every
SIMD level. (Gradchecks of the layer and cell: tests/test_rnn.py and tests/op_table.py.)"""
import numpy as np
import pytest

from deepgrad import _C
from kernel_settings import SIMD_LEVELS, at_simd_level, num_threads


def _sig(a):
    return 1 / (1 + np.exp(-a))


def ref_forward(x, w_ih, w_hh, b_ih, b_hh, h0, lengths, reverse):
    """hs (T, B, H) and the per-step (r, z, n, hn, h_prev) for ref_backward, in float64."""
    T, B, _ = x.shape
    H = w_hh.shape[1]
    b_ih = np.zeros(3 * H) if b_ih is None else b_ih
    b_hh = np.zeros(3 * H) if b_hh is None else b_hh
    h = np.zeros((B, H)) if h0 is None else h0
    hs, saved = np.zeros((T, B, H)), {}
    for t in (range(T - 1, -1, -1) if reverse else range(T)):
        gi, gh = x[t] @ w_ih.T + b_ih, h @ w_hh.T + b_hh
        r = _sig(gi[:, :H] + gh[:, :H])
        z = _sig(gi[:, H:2 * H] + gh[:, H:2 * H])
        n = np.tanh(gi[:, 2 * H:] + r * gh[:, 2 * H:])
        live = np.ones((B, 1), bool) if lengths is None else (t < lengths)[:, None]
        saved[t] = (r, z, n, gh[:, 2 * H:], h, live)
        h = np.where(live, (1 - z) * n + z * h, h)
        hs[t] = h
    return hs, saved


def ref_backward(x, w_ih, w_hh, saved, dhs, dhn, reverse):
    T, B, _ = x.shape
    H = w_hh.shape[1]
    dgi, dgh = np.zeros((T, B, 3 * H)), np.zeros((T, B, 3 * H))
    dw_hh = np.zeros_like(w_hh)
    dh = dhn.copy()
    for t in (range(T) if reverse else range(T - 1, -1, -1)):
        r, z, n, hn, h_prev, live = saved[t]
        d = dh + dhs[t]
        dn = d * (1 - z) * (1 - n * n)
        dr = dn * hn * r * (1 - r)
        dz = d * (h_prev - n) * z * (1 - z)
        dgi[t] = np.concatenate([dr, dz, dn], 1) * live
        dgh[t] = np.concatenate([dr, dz, dn * r], 1) * live
        dw_hh += dgh[t].T @ h_prev
        dh = np.where(live, d * z + dgh[t] @ w_hh, d)
    flat_i = dgi.reshape(T * B, -1)
    dx = (flat_i @ w_ih).reshape(x.shape)
    dw_ih = flat_i.T @ x.reshape(T * B, -1)
    return dx, dw_ih, dw_hh, flat_i.sum(0), dgh.reshape(T * B, -1).sum(0), dh


def _problem(rng, T, B, I, H, dtype, lengths, bias, initial):
    x = rng.standard_normal((T, B, I))
    w_ih = rng.standard_normal((3 * H, I)) * 0.4
    w_hh = rng.standard_normal((3 * H, H)) * 0.4
    b_ih, b_hh = (rng.standard_normal(3 * H), rng.standard_normal(3 * H)) if bias else (None, None)
    h0 = rng.standard_normal((B, H)) if initial else None
    lens = rng.integers(0, T + 1, B).astype(np.int64) if lengths else None
    cast = [None if a is None else a.astype(dtype) for a in (x, w_ih, w_hh, b_ih, b_hh, h0)]
    return cast, lens


def _kernel(arrays, lens, reverse, dhs, dhn):
    x, w_ih, w_hh, b_ih, b_hh, h0 = arrays
    T, B, I = x.shape
    H = w_hh.shape[1]
    hs, gates, hn = np.empty((T, B, H), x.dtype), np.empty((T, B, 3 * H), x.dtype), np.empty((T, B, H), x.dtype)
    _C.gru_forward(hs, gates, hn, x, w_ih, w_hh, b_ih, b_hh, h0, lens, reverse)
    grads = [np.full_like(x, np.nan), np.full_like(w_ih, np.nan), np.full_like(w_hh, np.nan),
             np.full(3 * H, np.nan, x.dtype), np.full(3 * H, np.nan, x.dtype), np.full((B, H), np.nan, x.dtype)]
    _C.gru_backward(*grads, dhs, dhn, gates, hn, hs, x, w_ih, w_hh, h0, lens, reverse)
    return hs, grads


# (10, 32, 8, 64), (30, 19, 4, 40): enough work at 2 threads for each to run its own samples (16 + 16, 9 + 10)
# through every step (W_hh in L2); (2, 8, 5, 300): W_hh (900 x 300) too big for that, threads inside each step's
# product; 33, 65, 70: ragged panels
SHAPES = [(1, 1, 1, 1), (7, 3, 5, 9), (4, 13, 17, 33), (3, 2, 70, 65), (9, 13, 6, 70), (10, 32, 8, 64),
          (30, 19, 4, 40), (2, 8, 5, 300)]


@pytest.mark.parametrize("dtype, tol", [(np.float32, 3e-5), (np.float64, 1e-11)], ids=["f32", "f64"])
@pytest.mark.parametrize("T, B, I, H", SHAPES)
@pytest.mark.parametrize("reverse", [False, True])
@pytest.mark.parametrize("lengths", [False, True])
@pytest.mark.parametrize("threads", [1, 2])
def test_gru_kernel_matches_numpy(dtype, tol, T, B, I, H, reverse, lengths, threads):
    rng = np.random.default_rng(T * 100 + H + 7 * lengths)
    arrays, lens = _problem(rng, T, B, I, H, dtype, lengths, bias=True, initial=True)
    dhs = rng.standard_normal((T, B, H)).astype(dtype)
    dhn = rng.standard_normal((B, H)).astype(dtype)
    with num_threads(threads):
        hs, grads = _kernel(arrays, lens, reverse, dhs, dhn)
    ref = [a if a is None else a.astype(np.float64) for a in arrays]
    ref_hs, saved = ref_forward(*ref, lens, reverse)
    expected = ref_backward(ref[0], ref[1], ref[2], saved, dhs.astype(np.float64), dhn.astype(np.float64), reverse)
    np.testing.assert_allclose(hs, ref_hs, rtol=tol, atol=tol)
    for name, got, want in zip(["dx", "dw_ih", "dw_hh", "db_ih", "db_hh", "dh0"], grads, expected):
        np.testing.assert_allclose(got, want, rtol=tol, atol=tol * 10, err_msg=name)


@pytest.mark.parametrize("level", SIMD_LEVELS)
def test_gru_without_bias_or_h0_at_every_simd_level(level):
    """b_ih, b_hh, h0 all None (zeros), the gradients that are not asked for left alone."""
    rng = np.random.default_rng(3)
    arrays, _ = _problem(rng, 5, 6, 7, 37, np.float32, False, bias=False, initial=False)
    x, w_ih, w_hh = arrays[:3]
    T, B, H = 5, 6, 37
    dhs = rng.standard_normal((T, B, H)).astype(np.float32)
    with at_simd_level(level):
        hs, gates, hn = np.empty((T, B, H), np.float32), np.empty((T, B, 3 * H), np.float32), np.empty((T, B, H),
                                                                                                        np.float32)
        _C.gru_forward(hs, gates, hn, x, w_ih, w_hh, None, None, None, None, False)
        dw_hh = np.empty_like(w_hh)
        _C.gru_backward(None, None, dw_hh, None, None, None, dhs, None, gates, hn, hs, x, w_ih, w_hh, None, None, False)
    ref = [None if a is None else a.astype(np.float64) for a in arrays]
    ref_hs, saved = ref_forward(*ref, None, False)
    expected = ref_backward(ref[0], ref[1], ref[2], saved, dhs.astype(np.float64), np.zeros((B, H)), False)
    np.testing.assert_allclose(hs, ref_hs, rtol=3e-5, atol=3e-5)
    np.testing.assert_allclose(dw_hh, expected[2], rtol=3e-5, atol=3e-4)


@pytest.mark.parametrize("reverse", [False, True])
def test_recurrent_kernels_with_no_steps(reverse):
    """T = 0: the weight gradients are zeros and dh0 is dhn (the first step's product with h0 must not read dgates,
    which is empty)."""
    B, I, H = 5, 3, 4
    x, h0, dhn = np.ones((0, B, I), np.float32), np.ones((B, H), np.float32), np.full((B, H), 2.0, np.float32)
    empty = np.empty((0, B, H), np.float32)
    w_ih, w_hh = np.ones((3 * H, I), np.float32), np.ones((3 * H, H), np.float32)
    dw_hh, db, dh0 = np.full_like(w_hh, np.nan), np.full(3 * H, np.nan, np.float32), np.empty((B, H), np.float32)
    _C.gru_backward(None, None, dw_hh, db, None, dh0, None, dhn, np.empty((0, B, 3 * H), np.float32), empty, empty,
                    x, w_ih, w_hh, h0, None, reverse)
    assert (dw_hh == 0).all() and (db == 0).all() and (dh0 == 2).all()
    w_ih, w_hh = np.ones((4 * H, I), np.float32), np.ones((4 * H, H), np.float32)
    dw_hh = np.full_like(w_hh, np.nan)
    _C.lstm_backward(None, None, dw_hh, None, None, None, None, dhn, None, np.empty((0, B, 4 * H), np.float32), empty,
                     empty, x, w_ih, w_hh, h0, h0, None, reverse)
    assert (dw_hh == 0).all()


def test_gru_kernel_rejects_bad_shapes():
    x, w_ih, w_hh = np.ones((2, 3, 4), np.float32), np.ones((15, 4), np.float32), np.ones((15, 5), np.float32)
    hs, gates, hn = np.empty((2, 3, 5), np.float32), np.empty((2, 3, 15), np.float32), np.empty((2, 3, 5), np.float32)
    _C.gru_forward(hs, gates, hn, x, w_ih, w_hh, None, None, None, None, False)
    with pytest.raises(ValueError, match="gru_forward: w_hh"):
        _C.gru_forward(hs, gates, hn, x, w_ih, np.ones((12, 5), np.float32), None, None, None, None, False)
    with pytest.raises(ValueError, match="gru_forward: gates"):
        _C.gru_forward(hs, np.empty((2, 3, 20), np.float32), hn, x, w_ih, w_hh, None, None, None, None, False)
    with pytest.raises(ValueError, match="gru_forward: b_hh"):
        _C.gru_forward(hs, gates, hn, x, w_ih, w_hh, None, np.ones(14, np.float32), None, None, False)
