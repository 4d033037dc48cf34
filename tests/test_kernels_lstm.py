"""The fused LSTM kernel: fast vs naive twin on awkward sizes, and the layer Function against a step-by-step
composition of primitive ops (forward and backward)."""
import numpy as np
import pytest

import deepgrad as dg
from deepgrad import _C
from kernel_settings import SIMD_LEVELS, at_simd_level
from deepgrad.ops import rnn as ops


def _problem(rng, T, B, I, H, dtype, lengths):
    x = rng.standard_normal((T, B, I)).astype(dtype)
    w_ih = (rng.standard_normal((4 * H, I)) * 0.4).astype(dtype)
    w_hh = (rng.standard_normal((4 * H, H)) * 0.4).astype(dtype)
    b = rng.standard_normal(4 * H).astype(dtype)
    h0 = rng.standard_normal((B, H)).astype(dtype)
    c0 = rng.standard_normal((B, H)).astype(dtype)
    lens = rng.integers(0, T + 1, B).astype(np.int64) if lengths else None
    return x, w_ih, w_hh, b, h0, c0, lens


def _run(fwd, bwd, x, w_ih, w_hh, b, h0, c0, lens, reverse, dhs, dhn, dcn):
    T, B, I = x.shape
    H = w_hh.shape[1]
    hs, cs = np.empty((T, B, H), x.dtype), np.empty((T, B, H), x.dtype)
    gates = np.empty((T, B, 4 * H), x.dtype)
    fwd(hs, cs, gates, x, w_ih, w_hh, b, h0, c0, lens, reverse)
    grads = [np.empty_like(x), np.empty_like(w_ih), np.empty_like(w_hh), np.empty(4 * H, x.dtype),
             np.empty((B, H), x.dtype), np.empty((B, H), x.dtype)]
    bwd(*grads, dhs, dhn, dcn, gates, hs, cs, x, w_ih, w_hh, h0, c0, lens, reverse)
    return [hs, cs] + grads


@pytest.mark.parametrize("dtype, tol", [(np.float32, 2e-5), (np.float64, 1e-12)])
# (3, 13, 6, 70): the per-step products take the packed-panel path with W_hh packed once, in two K blocks backward;
# (9, 13, 6, 70): enough work for two threads, each running its own 6 or 7 samples through every step;
# (2, 8, 5, 300): W_hh too big for that, the steps' products against whole-K panels (the few-rows kernel)
@pytest.mark.parametrize("T, B, I, H", [(1, 1, 1, 1), (7, 3, 5, 9), (4, 13, 17, 33), (3, 2, 70, 65), (3, 13, 6, 70),
                                        (9, 13, 6, 70), (2, 8, 5, 300)])
@pytest.mark.parametrize("reverse", [False, True])
@pytest.mark.parametrize("lengths", [False, True])
def test_fast_matches_naive(dtype, tol, T, B, I, H, reverse, lengths):
    rng = np.random.default_rng(T * 100 + H)
    x, w_ih, w_hh, b, h0, c0, lens = _problem(rng, T, B, I, H, dtype, lengths)
    dhs = rng.standard_normal((T, B, H)).astype(dtype)
    dhn, dcn = rng.standard_normal((2, B, H)).astype(dtype)
    fast = _run(_C.lstm_forward, _C.lstm_backward, x, w_ih, w_hh, b, h0, c0, lens, reverse, dhs, dhn, dcn)
    naive = _run(_C.lstm_forward_naive, _C.lstm_backward_naive, x, w_ih, w_hh, b, h0, c0, lens, reverse, dhs, dhn,
                 dcn)
    for name, a, r in zip(["hs", "cs", "dx", "dw_ih", "dw_hh", "db", "dh0", "dc0"], fast, naive):
        np.testing.assert_allclose(a, r, rtol=tol, atol=tol * 10, err_msg=name)


@pytest.mark.parametrize("lengths", [False, True])
def test_gate_loops_agree_across_simd_levels(lengths):
    """The AVX2 gate loops (lstm_avx2.cpp, float32) against the portable ones; H = 21 leaves a tail of 5."""
    rng = np.random.default_rng(5)
    x, w_ih, w_hh, b, h0, c0, lens = _problem(rng, 6, 4, 7, 21, np.float32, lengths)
    dhs = rng.standard_normal((6, 4, 21)).astype(np.float32)
    dhn, dcn = rng.standard_normal((2, 4, 21)).astype(np.float32)
    if "avx2" not in SIMD_LEVELS:
        pytest.skip("this CPU or build has no AVX2 path")
    results = {}
    for name in ("portable", "avx2"):
        with at_simd_level(name):
            results[name] = _run(_C.lstm_forward, _C.lstm_backward, x, w_ih, w_hh, b, h0, c0, lens, False, dhs,
                                 dhn, dcn)
    for name, a, r in zip(["hs", "cs", "dx", "dw_ih", "dw_hh", "db", "dh0", "dc0"], *results.values()):
        np.testing.assert_allclose(a, r, rtol=2e-5, atol=2e-5, err_msg=name)


def test_optional_state_and_bias_are_zero():
    rng = np.random.default_rng(0)
    x, w_ih, w_hh, b, h0, c0, _ = _problem(rng, 5, 3, 4, 6, np.float64, False)
    zeros = np.zeros_like(h0)
    shape = (5, 3, 6)
    a = [np.empty(shape), np.empty(shape), np.empty((5, 3, 24))]
    r = [np.empty(shape), np.empty(shape), np.empty((5, 3, 24))]
    _C.lstm_forward(*a, x, w_ih, w_hh, None, None, None, None)
    _C.lstm_forward(*r, x, w_ih, w_hh, np.zeros(24), zeros, zeros, None)
    np.testing.assert_allclose(a[0], r[0], atol=1e-14)


def test_binding_checks_shapes():
    x = np.zeros((2, 3, 4), np.float32)
    with pytest.raises(ValueError, match="w_ih"):
        _C.lstm_forward(np.empty((2, 3, 5), np.float32), np.empty((2, 3, 5), np.float32),
                        np.empty((2, 3, 20), np.float32), x, np.zeros((20, 3), np.float32),
                        np.zeros((20, 5), np.float32), None, None, None, None)


def _composed(x, w_ih, w_hh, b_ih, b_hh, h, c, reverse):
    """The layer as a Python loop over ops.lstm_cell (primitive ops only)."""
    T = x.shape[0]
    outs = [None] * T
    for s in range(T):
        t = T - 1 - s if reverse else s
        h, c = ops.lstm_cell(x[t], h, c, w_ih, w_hh, b_ih, b_hh)
        outs[t] = h
    return dg.stack(outs, 0), h, c


@pytest.mark.parametrize("reverse", [False, True])
@pytest.mark.parametrize("dtype, tol", [(np.float64, 1e-10), (np.float32, 3e-5)])
def test_fused_layer_matches_composition(reverse, dtype, tol):
    rng = np.random.default_rng(3)
    T, B, I, H = 6, 5, 7, 11
    arrays = [rng.standard_normal(s).astype(dtype) * 0.5 for s in
              [(T, B, I), (4 * H, I), (4 * H, H), (4 * H,), (4 * H,), (B, H), (B, H)]]
    weight = rng.standard_normal((T, B, H)).astype(dtype)
    results = []
    for fn in (lambda *a: ops.lstm_layer(*a, reverse=reverse), lambda *a: _composed(*a, reverse)):
        inputs = [dg.tensor(a, requires_grad=True) for a in arrays]
        x, w_ih, w_hh, b_ih, b_hh, h0, c0 = inputs
        y, hn, cn = fn(x, w_ih, w_hh, b_ih, b_hh, h0, c0)
        ((y * dg.tensor(weight)).sum() + (hn * hn).sum() + cn.sum() * 0.5).backward()
        results.append([y.detach().numpy(), hn.detach().numpy(), cn.detach().numpy()] +
                       [t.grad.numpy() for t in inputs])
    for a, r in zip(*results):
        np.testing.assert_allclose(a, r, rtol=tol, atol=tol)
