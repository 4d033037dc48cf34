"""_C.softmax_forward/backward against NumPy references, and the fused _C.adam_step against adam_step_numpy."""
import numpy as np
import pytest

import deepgrad as dg
from deepgrad import _C
from deepgrad.optim.adam import adam_step_numpy

SHAPES = [(1,), (7,), (1, 1), (1, 7), (5, 1), (3, 13), (17, 83), (257, 31), (4099, 9), (2, 3, 5)]


def softmax_ref(x, log):
    shifted = x - x.max(axis=-1, keepdims=True)
    if log:
        return shifted - np.log(np.exp(shifted).sum(axis=-1, keepdims=True))
    e = np.exp(shifted)
    return e / e.sum(axis=-1, keepdims=True)


@pytest.mark.parametrize("threads", [1, 2])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("shape", SHAPES)
@pytest.mark.parametrize("log", [False, True])
def test_softmax_rows_match_numpy(shape, dtype, log, threads):
    dg.set_num_threads(threads)
    rng = np.random.default_rng(int(np.prod(shape)) * 10 + len(shape))
    x = (rng.standard_normal(shape) * 4).astype(dtype)
    y = np.empty_like(x)
    _C.softmax_forward(y, x, log)
    tol = 1e-6 if dtype == np.float32 else 1e-14
    np.testing.assert_allclose(y, softmax_ref(x.astype(np.float64), log), rtol=tol, atol=tol)
    dy = rng.standard_normal(shape).astype(dtype)
    dx = np.empty_like(x)
    _C.softmax_backward(dx, y, dy, log)
    y64, dy64 = y.astype(np.float64), dy.astype(np.float64)
    if log:
        ref = dy64 - np.exp(y64) * dy64.sum(axis=-1, keepdims=True)
    else:
        ref = y64 * (dy64 - (dy64 * y64).sum(axis=-1, keepdims=True))
    np.testing.assert_allclose(dx, ref, rtol=tol * 10, atol=tol * 10)


@pytest.mark.parametrize("log", [False, True])
def test_softmax_nan_and_inf_rows_as_numpy(log):
    x = np.array([[0.0, -np.inf, 1.0], [-np.inf, -np.inf, -np.inf], [np.nan, 0.0, 1.0], [np.inf, 0.0, 1.0]])
    y = np.empty_like(x)
    _C.softmax_forward(y, x, log)
    with np.errstate(all="ignore"):
        np.testing.assert_array_equal(y, softmax_ref(x, log))


def test_softmax_bad_arguments_are_named():
    with pytest.raises(ValueError, match=r"softmax_forward: y has shape \(2, 3\); expected \(3, 2\)"):
        _C.softmax_forward(np.empty((2, 3)), np.empty((3, 2)), False)
    with pytest.raises(TypeError, match="softmax_forward: x has dtype int64"):
        _C.softmax_forward(np.empty((2, 3)), np.zeros((2, 3), np.int64), False)
    with pytest.raises(ValueError, match="softmax_backward: dy is not C-contiguous"):
        _C.softmax_backward(np.empty((3, 2)), np.empty((3, 2)), np.empty((2, 3)).T, False)


ADAM_CASES = [  # (beta1, weight_decay, decoupled, amsgrad, maximize)
    (0.9, 0.0, False, False, False),
    (0.9, 0.01, False, True, False),
    (0.9, 0.05, True, False, True),
    (0.3, 0.0, False, True, True),  # 1 - beta1 >= 0.5: the other side of torch's lerp
    (0.5, 0.1, True, True, False),
]


@pytest.mark.parametrize("threads", [1, 2])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("n", [1, 7, 1000, 200003])
@pytest.mark.parametrize("case", ADAM_CASES)
def test_fused_adam_is_bit_identical_to_numpy(case, n, dtype, threads):
    dg.set_num_threads(threads)
    beta1, weight_decay, decoupled, amsgrad, maximize = case
    rng = np.random.default_rng(n)
    fused = [rng.standard_normal(n).astype(dtype) for _ in range(4)]  # param, exp_avg, exp_avg_sq, max_exp_avg_sq
    fused[2] = np.abs(fused[2])
    fused[3] = np.abs(fused[3]) * 0.5
    plain = [a.copy() for a in fused]
    for step in range(1, 4):
        grad = rng.standard_normal(n).astype(dtype)
        args = (3e-3, beta1, 0.999, 1e-8, weight_decay, float(step), amsgrad, maximize, decoupled)
        _C.adam_step(fused[0], grad, fused[1], fused[2], fused[3] if amsgrad else None, *args)
        adam_step_numpy(plain[0], grad, plain[1], plain[2], plain[3] if amsgrad else None, *args)
        for a, b in zip(fused, plain):
            np.testing.assert_array_equal(a, b)


def test_fused_adam_bad_arguments_are_named():
    p = np.zeros(3, np.float32)
    with pytest.raises(ValueError, match=r"adam_step: grad has shape \(4,\); expected \(3,\)"):
        _C.adam_step(p, np.zeros(4, np.float32), p.copy(), p.copy(), None, 1e-3, 0.9, 0.999, 1e-8, 0, 1, False,
                     False, False)
    with pytest.raises(TypeError, match="adam_step: exp_avg has dtype float64"):
        _C.adam_step(p, p.copy(), np.zeros(3), p.copy(), None, 1e-3, 0.9, 0.999, 1e-8, 0, 1, False, False, False)
    with pytest.raises(ValueError, match="amsgrad needs max_exp_avg_sq"):
        _C.adam_step(p, p.copy(), p.copy(), p.copy(), None, 1e-3, 0.9, 0.999, 1e-8, 0, 1, True, False, False)


def test_adam_on_non_contiguous_parameter_takes_the_numpy_path():
    base = np.arange(12, dtype=np.float32).reshape(3, 4) / 10
    w = dg.Tensor._wrap(base.T)  # a transposed view: not C-contiguous
    w.requires_grad = True
    w2 = dg.tensor(base.T.copy(), requires_grad=True)
    opts = [dg.optim.Adam([t], lr=0.1, amsgrad=True) for t in (w, w2)]
    for _ in range(3):
        for t, opt in zip((w, w2), opts):
            opt.zero_grad()
            (t * t).sum().backward()
            opt.step()
    np.testing.assert_array_equal(w.detach().numpy(), w2.detach().numpy())
