"""conv2d / conv_transpose2d kernels: the fast path against its naive twin and a NumPy reference."""
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import deepgrad as dg
from deepgrad import _C


# ---- NumPy reference: one einsum per kernel tap over strided slices of the padded input ----------------------


def _taps(R, S, P, Q, stride, dil):
    for r in range(R):
        for s in range(S):
            yield r, s, (slice(r * dil[0], r * dil[0] + (P - 1) * stride[0] + 1, stride[0]),
                         slice(s * dil[1], s * dil[1] + (Q - 1) * stride[1] + 1, stride[1]))


def _padded(x, pads, P, Q, R, S, stride, dil):
    """x zero-padded by pads = (top, left) and enough at the bottom/right for every tap of a P x Q output."""
    bottom = max(0, (P - 1) * stride[0] + dil[0] * (R - 1) + 1 - x.shape[2] - pads[0])
    right = max(0, (Q - 1) * stride[1] + dil[1] * (S - 1) + 1 - x.shape[3] - pads[1])
    return np.pad(x, ((0, 0), (0, 0), (pads[0], bottom), (pads[1], right)))


def ref_conv2d(x, w, b, stride, pads, dil, groups, out_hw=None):
    N, C, H, W = x.shape
    K, Cg, R, S = w.shape
    P, Q = out_hw or ((H + 2 * pads[0] - dil[0] * (R - 1) - 1) // stride[0] + 1,
                      (W + 2 * pads[1] - dil[1] * (S - 1) - 1) // stride[1] + 1)
    xp = _padded(x, pads, P, Q, R, S, stride, dil)
    G, Kg = groups, K // groups
    y = np.zeros((N, G, Kg, P, Q), dtype=np.float64)
    for r, s, (hs, ws) in _taps(R, S, P, Q, stride, dil):
        patch = xp[:, :, hs, ws].reshape(N, G, Cg, P, Q)
        y += np.einsum("ngcpq,gkc->ngkpq", patch, w[:, :, r, s].reshape(G, Kg, Cg))
    y = y.reshape(N, K, P, Q)
    return y if b is None else y + b[None, :, None, None]


def ref_conv2d_backward(dy, x, w, stride, pads, dil, groups):
    """(dx, dw, db) of ref_conv2d: the adjoint scatter of the same slices."""
    N, C, H, W = x.shape
    K, Cg, R, S = w.shape
    P, Q = dy.shape[2:]
    G, Kg = groups, K // groups
    xp = _padded(x, pads, P, Q, R, S, stride, dil)
    dxp = np.zeros_like(xp, dtype=np.float64)
    dw = np.zeros(w.shape)
    dyg = dy.reshape(N, G, Kg, P, Q)
    for r, s, (hs, ws) in _taps(R, S, P, Q, stride, dil):
        wg = w[:, :, r, s].reshape(G, Kg, Cg)
        dxp[:, :, hs, ws] += np.einsum("ngkpq,gkc->ngcpq", dyg, wg).reshape(N, C, P, Q)
        dw[:, :, r, s] = np.einsum("ngkpq,ngcpq->gkc", dyg, xp[:, :, hs, ws].reshape(N, G, Cg, P, Q)).reshape(K, Cg)
    dx = dxp[:, :, pads[0]:pads[0] + H, pads[1]:pads[1] + W]
    return dx, dw, dy.sum(axis=(0, 2, 3))


def ref_conv_transpose2d(x, w, b, stride, pads, out_pad, groups, dil):
    """conv_transpose2d as the input gradient of the conv2d whose output has x's shape."""
    N, _, H, W = x.shape
    _, Cog, R, S = w.shape
    Ho = (H - 1) * stride[0] - 2 * pads[0] + dil[0] * (R - 1) + out_pad[0] + 1
    Wo = (W - 1) * stride[1] - 2 * pads[1] + dil[1] * (S - 1) + out_pad[1] + 1
    dummy = np.zeros((N, Cog * groups, Ho, Wo))
    y = ref_conv2d_backward(x, dummy, w, stride, pads, dil, groups)[0]
    return y if b is None else y + b[None, :, None, None]


# ---- the kernels through _C ------------------------------------------------------------------------------------


@pytest.fixture(params=[1, 2], ids=["1thread", "2threads"])
def threads(request):
    original = dg.get_num_threads()
    dg.set_num_threads(request.param)
    yield request.param
    dg.set_num_threads(original)


def out_size(n, k, stride, pad, dil):
    return (n + 2 * pad - dil * (k - 1) - 1) // stride + 1


def run_conv(naive, x, w, b, gy, stride, pad, dil, groups):
    """(y, dx, dw, db) from the kernels."""
    P = out_size(x.shape[2], w.shape[2], stride[0], pad[0], dil[0])
    Q = out_size(x.shape[3], w.shape[3], stride[1], pad[1], dil[1])
    y = np.empty((x.shape[0], w.shape[0], P, Q), dtype=x.dtype)
    _C.conv2d_forward(y, x, w, b, stride, pad, dil, groups, naive=naive)
    dx, dw = np.empty_like(x), np.empty_like(w)
    db = None if b is None else np.empty_like(b)
    _C.conv2d_backward(dx, dw, db, gy, x, w, stride, pad, dil, groups, naive=naive)
    return y, dx, dw, db


# N, C, H, W, K, R, S, stride, pad, dil, groups
CONV_CASES = [
    (1, 1, 1, 1, 1, 1, 1, (1, 1), (0, 0), (1, 1), 1),
    (2, 3, 7, 5, 4, 3, 3, (1, 1), (1, 1), (1, 1), 1),
    (3, 4, 11, 13, 6, 3, 2, (2, 3), (1, 0), (1, 1), 2),
    (2, 6, 9, 9, 6, 3, 3, (1, 1), (2, 2), (2, 2), 6),  # depthwise, dilated
    (2, 2, 5, 7, 3, 1, 1, (1, 1), (0, 0), (1, 1), 1),  # 1x1: no im2col
    (1, 5, 13, 11, 7, 5, 3, (3, 2), (2, 1), (2, 1), 1),
    (5, 4, 6, 6, 8, 2, 2, (2, 2), (0, 1), (1, 2), 4),
    (2, 3, 4, 4, 2, 4, 4, (1, 1), (0, 0), (1, 1), 1),  # kernel = input: 1x1 output
    (3, 2, 8, 3, 4, 1, 1, (2, 1), (1, 0), (1, 1), 2),  # 1x1 but strided and padded
    # the bias rides on the product's epilogue: here through the transposed-C path (PQ = 9 < 16 columns, 20 rows)
    # and after the last of two K blocks (CRS = 288)
    (2, 3, 5, 5, 20, 3, 3, (2, 2), (1, 1), (1, 1), 1),
    (2, 32, 6, 6, 10, 3, 3, (1, 1), (1, 1), (1, 1), 1),
    # enough work for two threads over the images, each with its own dw and db partial sums (odd N: uneven shares)
    (5, 3, 17, 19, 8, 3, 3, (1, 1), (1, 1), (1, 1), 1),
    (5, 4, 15, 13, 6, 3, 3, (1, 1), (1, 1), (1, 1), 2),
]


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("case", CONV_CASES)
def test_conv2d_fast_matches_naive_and_numpy(case, dtype, threads):
    N, C, H, W, K, R, S, stride, pad, dil, groups = case
    rng = np.random.default_rng(0)
    x = rng.standard_normal((N, C, H, W)).astype(dtype)
    w = rng.standard_normal((K, C // groups, R, S)).astype(dtype)
    b = rng.standard_normal(K).astype(dtype)
    y_ref = ref_conv2d(x.astype(np.float64), w.astype(np.float64), b.astype(np.float64), stride, pad, dil, groups)
    gy = rng.standard_normal(y_ref.shape).astype(dtype)
    refs = (y_ref,) + ref_conv2d_backward(gy.astype(np.float64), x.astype(np.float64), w.astype(np.float64),
                                           stride, pad, dil, groups)
    fast = run_conv(False, x, w, b, gy, stride, pad, dil, groups)
    naive = run_conv(True, x, w, b, gy, stride, pad, dil, groups)
    tol = 1e-4 if dtype == np.float32 else 1e-11
    for name, f, n, r in zip(("y", "dx", "dw", "db"), fast, naive, refs):
        assert f.dtype == dtype
        np.testing.assert_allclose(f, n, rtol=tol, atol=tol, err_msg=f"{name}: fast vs naive")
        np.testing.assert_allclose(f, r, rtol=tol, atol=tol, err_msg=f"{name}: fast vs numpy")


def test_conv2d_backward_partial_outputs():
    """Any gradient may be None; the others are unchanged by leaving it out."""
    rng = np.random.default_rng(1)
    x, w, gy = rng.standard_normal((2, 4, 6, 6)), rng.standard_normal((4, 2, 3, 3)), rng.standard_normal((2, 4, 4, 4))
    args = ((1, 1), (0, 0), (1, 1), 2)
    full = [np.empty_like(x), np.empty_like(w), np.empty(4)]
    _C.conv2d_backward(*full, gy, x, w, *args)
    for keep in range(3):
        outs = [None, None, None]
        outs[keep] = np.full_like(full[keep], np.nan)
        _C.conv2d_backward(*outs, gy, x, w, *args)
        np.testing.assert_allclose(outs[keep], full[keep], rtol=1e-12, atol=1e-12)


# N, Cin, H, W, Cout, R, S, stride, pad, out_pad, dil, groups
TRANSPOSE_CASES = [
    (2, 3, 4, 5, 2, 3, 3, (2, 2), (1, 1), (1, 0), (1, 1), 1),
    (1, 4, 3, 3, 6, 2, 3, (3, 1), (0, 1), (2, 0), (1, 2), 2),
    (3, 2, 5, 4, 2, 1, 1, (1, 1), (0, 0), (0, 0), (1, 1), 2),
]


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("case", TRANSPOSE_CASES)
def test_conv_transpose2d_fast_matches_naive_and_numpy(case, dtype, threads):
    N, Cin, H, W, Cout, R, S, stride, pad, out_pad, dil, groups = case
    rng = np.random.default_rng(2)
    x = rng.standard_normal((N, Cin, H, W)).astype(dtype)
    w = rng.standard_normal((Cin, Cout // groups, R, S)).astype(dtype)
    b = rng.standard_normal(Cout).astype(dtype)
    y_ref = ref_conv_transpose2d(x.astype(np.float64), w.astype(np.float64), b.astype(np.float64), stride, pad,
                                 out_pad, groups, dil)
    gy = rng.standard_normal(y_ref.shape).astype(dtype)
    # backward of a transposed conv: dx = conv2d(gy, w); dw from conv2d's weight gradient with roles swapped
    dx_ref = ref_conv2d(gy.astype(np.float64), w.astype(np.float64), None, stride, pad, dil, groups, out_hw=(H, W))
    dw_ref = ref_conv2d_backward(x.astype(np.float64), gy.astype(np.float64), w.astype(np.float64), stride, pad,
                                 dil, groups)[1]
    tol = 1e-4 if dtype == np.float32 else 1e-11
    for naive in (False, True):
        y = np.empty(y_ref.shape, dtype=dtype)
        _C.conv_transpose2d_forward(y, x, w, b, stride, pad, dil, groups, naive=naive)
        dx, dw, db = np.empty_like(x), np.empty_like(w), np.empty_like(b)
        _C.conv_transpose2d_backward(dx, dw, db, gy, x, w, stride, pad, dil, groups, naive=naive)
        for name, got, ref in (("y", y, y_ref), ("dx", dx, dx_ref), ("dw", dw, dw_ref),
                               ("db", db, gy.astype(np.float64).sum(axis=(0, 2, 3)))):
            np.testing.assert_allclose(got, ref, rtol=tol, atol=tol, err_msg=f"{name} (naive={naive})")


@settings(max_examples=25, deadline=None)
@given(
    N=st.integers(1, 3), G=st.sampled_from([1, 2, 3]), Cg=st.integers(1, 3), Kg=st.integers(1, 3),
    H=st.integers(1, 9), W=st.integers(1, 9), R=st.integers(1, 4), S=st.integers(1, 4),
    sh=st.integers(1, 3), sw=st.integers(1, 3), ph=st.integers(0, 2), pw=st.integers(0, 2),
    dh=st.integers(1, 2), dw=st.integers(1, 2), seed=st.integers(0, 2**16),
)
def test_conv2d_property_random_shapes(N, G, Cg, Kg, H, W, R, S, sh, sw, ph, pw, dh, dw, seed):
    if out_size(H, R, sh, ph, dh) < 1 or out_size(W, S, sw, pw, dw) < 1:
        return
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((N, G * Cg, H, W))
    w = rng.standard_normal((G * Kg, Cg, R, S))
    args = ((sh, sw), (ph, pw), (dh, dw), G)
    y_ref = ref_conv2d(x, w, None, *args)
    gy = rng.standard_normal(y_ref.shape)
    y, dx, dwt, _ = run_conv(False, x, w, None, gy, *args)
    dx_ref, dw_ref, _ = ref_conv2d_backward(gy, x, w, *args)
    np.testing.assert_allclose(y, y_ref, rtol=1e-10, atol=1e-10)
    np.testing.assert_allclose(dx, dx_ref, rtol=1e-10, atol=1e-10)
    np.testing.assert_allclose(dwt, dw_ref, rtol=1e-10, atol=1e-10)


def test_binding_rejects_bad_arrays():
    x, w, y = np.zeros((1, 2, 5, 5)), np.zeros((3, 2, 3, 3)), np.zeros((1, 3, 3, 3))
    args = ((1, 1), (0, 0), (1, 1), 1)
    with pytest.raises(TypeError, match="float32 or float64"):
        _C.conv2d_forward(y.astype(np.int64), x.astype(np.int64), w.astype(np.int64), None, *args)
    with pytest.raises(TypeError, match="dtype"):
        _C.conv2d_forward(y, x, w.astype(np.float32), None, *args)
    with pytest.raises(ValueError, match="C-contiguous"):
        _C.conv2d_forward(y, np.zeros((1, 2, 5, 10))[..., ::2], w, None, *args)
    with pytest.raises(ValueError, match="channels"):
        _C.conv2d_forward(y, x, np.zeros((3, 1, 3, 3)), None, *args)
    with pytest.raises(ValueError, match="shape"):
        _C.conv2d_forward(y, x, w, np.zeros(2), *args)
    with pytest.raises(ValueError, match=">= 1"):
        _C.conv2d_forward(y, x, w, None, (0, 1), (0, 0), (1, 1), 1)
    with pytest.raises(ValueError, match="read-only"):
        y.flags.writeable = False
        _C.conv2d_forward(y, x, w, None, *args)
