"""LayerNorm: the fused kernel against its naive twin and NumPy, F.layer_norm / nn.LayerNorm, gradcheck."""
import numpy as np
import pytest

import deepgrad as dg
from deepgrad import _C
from deepgrad.nn import functional as F


def ref_layer_norm(x, nd, w=None, b=None, eps=1e-5):
    axes = tuple(range(x.ndim - nd, x.ndim))
    mu = x.mean(axis=axes, keepdims=True)
    var = ((x - mu) ** 2).mean(axis=axes, keepdims=True)
    y = (x - mu) / np.sqrt(var + eps)
    return y * (1 if w is None else w) + (0 if b is None else b)


@pytest.mark.parametrize("M,N", [(1, 1), (7, 13), (300, 5), (64, 1000)])
@pytest.mark.parametrize("affine", [(True, True), (True, False), (False, False)])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_fused_kernel_matches_naive_twin(M, N, affine, dtype):
    rng = np.random.default_rng(0)
    x, dy = (rng.standard_normal((M, N)) * 3 + 1).astype(dtype), rng.standard_normal((M, N)).astype(dtype)
    w = rng.standard_normal(N).astype(dtype) if affine[0] else None
    b = rng.standard_normal(N).astype(dtype) if affine[1] else None
    results = []
    for fwd, bwd in ((_C.layernorm_forward, _C.layernorm_backward),
                     (_C.layernorm_forward_naive, _C.layernorm_backward_naive)):
        y, mean, rstd = np.empty_like(x), np.empty(M, dtype), np.empty(M, dtype)
        fwd(y, mean, rstd, x, w, b, 1e-5)
        dx, dw, db = np.empty_like(x), np.empty(N, dtype), np.empty(N, dtype)
        bwd(dx, dw, db, dy, x, mean, rstd, w)
        results.append((y, mean, rstd, dx, dw, db))
    tol = dict(rtol=2e-4, atol=2e-4) if dtype == np.float32 else dict(rtol=1e-10, atol=1e-10)
    for a, c in zip(*results):
        np.testing.assert_allclose(a, c, **tol)
    np.testing.assert_allclose(results[0][0], ref_layer_norm(x.astype(np.float64), 1, w, b), **tol)


def test_layer_norm_matches_numpy_over_several_dims():
    rng = np.random.default_rng(1)
    x, w, b = rng.standard_normal((2, 3, 4, 5)), rng.standard_normal((4, 5)), rng.standard_normal((4, 5))
    out = F.layer_norm(dg.tensor(x), (4, 5), dg.tensor(w), dg.tensor(b), eps=1e-3)
    np.testing.assert_allclose(out.numpy(), ref_layer_norm(x, 2, w, b, 1e-3), rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("affine", [(True, True), (True, False), (False, True), (False, False)])
def test_gradcheck(affine):
    rng = np.random.default_rng(2)
    x = dg.tensor(rng.standard_normal((3, 2, 6)), requires_grad=True)
    params = [dg.tensor(rng.standard_normal((2, 6)), requires_grad=True) if a else None for a in affine]
    inputs = [x] + [p for p in params if p is not None]

    def fn(x, *ps):
        it = iter(ps)
        w = next(it) if affine[0] else None
        b = next(it) if affine[1] else None
        return F.layer_norm(x, (2, 6), w, b)

    assert dg.autograd.gradcheck(fn, inputs)


def test_module_parameters_and_options():
    ln = dg.nn.LayerNorm(8)
    assert list(dict(ln.named_parameters())) == ["weight", "bias"]
    assert np.all(ln.weight.detach().numpy() == 1) and np.all(ln.bias.detach().numpy() == 0)
    assert ln.bias is not None and dg.nn.LayerNorm(8, bias=False).bias is None
    assert list(dg.nn.LayerNorm((2, 8), elementwise_affine=False).parameters()) == []
    x = np.random.default_rng(3).standard_normal((4, 8)).astype(np.float32)
    np.testing.assert_allclose(ln(dg.tensor(x)).detach().numpy(), ref_layer_norm(x.astype(np.float64), 1),
                               rtol=1e-5, atol=1e-5)
    with pytest.raises(RuntimeError, match="layer_norm: expected input with shape"):
        ln(dg.zeros(4, 7))
