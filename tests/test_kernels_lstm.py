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
    """The SIMD gate loops (lstm_avx2.cpp, lstm_avx512.cpp; float32) against the portable ones; H = 37 leaves a tail
    of 5 after either's vectors."""
    rng = np.random.default_rng(5)
    x, w_ih, w_hh, b, h0, c0, lens = _problem(rng, 6, 4, 7, 37, np.float32, lengths)
    dhs = rng.standard_normal((6, 4, 37)).astype(np.float32)
    dhn, dcn = rng.standard_normal((2, 4, 37)).astype(np.float32)
    if SIMD_LEVELS == ["portable"]:
        pytest.skip("this CPU or build has no SIMD gate loops")
    results = {}
    for name in SIMD_LEVELS:
        with at_simd_level(name):
            results[name] = _run(_C.lstm_forward, _C.lstm_backward, x, w_ih, w_hh, b, h0, c0, lens, False, dhs,
                                 dhn, dcn)
    for level in SIMD_LEVELS[:-1]:
        for name, a, r in zip(["hs", "cs", "dx", "dw_ih", "dw_hh", "db", "dh0", "dc0"], results[level],
                              results["portable"]):
            np.testing.assert_allclose(a, r, rtol=2e-5, atol=2e-5, err_msg=f"{name} at {level}")


def test_gates_saturate_and_keep_nan_at_every_simd_level():
    """Pre-activations far out on both sides saturate the gates exactly as the naive kernel's std::exp does, and a
    NaN in one sample's input makes that sample's states NaN (as in torch), not a number."""
    rng = np.random.default_rng(8)
    T, B, I, H = 3, 4, 5, 37
    x, w_ih, w_hh, b, h0, c0, _ = _problem(rng, T, B, I, H, np.float32, False)
    b = (rng.choice([-1, 1], 4 * H) * rng.uniform(50, 1e4, 4 * H)).astype(np.float32)
    x[1, 2, 0] = np.nan
    expected = np.empty((T, B, H), np.float32), np.empty((T, B, H), np.float32), np.empty((T, B, 4 * H), np.float32)
    _C.lstm_forward_naive(*expected, x, w_ih, w_hh, b, h0, c0, None, False)
    assert np.isnan(expected[0][1:, 2]).all() and np.isfinite(np.delete(expected[0], 2, axis=1)).all()
    for level in SIMD_LEVELS:
        with at_simd_level(level):
            got = np.empty((T, B, H), np.float32), np.empty((T, B, H), np.float32), np.empty((T, B, 4 * H), np.float32)
            _C.lstm_forward(*got, x, w_ih, w_hh, b, h0, c0, None, False)
        for name, a, r in zip(["hs", "cs", "gates"], got, expected):
            np.testing.assert_allclose(a, r, rtol=1e-5, atol=1e-6, err_msg=f"{name} at {level}")


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
