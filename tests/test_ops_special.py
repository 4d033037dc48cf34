"""erf and erfinv beyond the op table: accuracy over the whole domain (tails included), edges, dtypes, torch."""
import math

import numpy as np
import pytest

import deepgrad as dg
from deepgrad.autograd import gradcheck


def test_erfinv_inverts_erf_in_the_centre():
    x = np.linspace(-2.5, 2.5, 1001)
    y = np.array([math.erf(v) for v in x])
    np.testing.assert_allclose(dg.erfinv(dg.tensor(y)).numpy(), x, rtol=1e-13, atol=1e-15)
    np.testing.assert_allclose(dg.erf(dg.tensor(x)).numpy(), y, rtol=1e-15, atol=0)
    # known values: erfinv(1/2), and erf(erfinv(y)) = y on a grid of y
    assert dg.erfinv(dg.tensor(0.5, dtype=dg.float64)).item() == pytest.approx(0.4769362762044699, rel=1e-15)
    grid = np.linspace(-0.999, 0.999, 999)
    out = dg.erfinv(dg.tensor(grid)).numpy()
    np.testing.assert_allclose([math.erf(v) for v in out], grid, rtol=1e-15, atol=1e-16)


def test_erfinv_tails_to_the_last_double():
    # near +-1 erf saturates; check x = erfinv(1 - q) through erfc(x) = q, with q = 1 - y exact
    q = 1 - (1 - np.logspace(-16, -3, 60))
    x = dg.erfinv(dg.tensor(np.concatenate([1 - q, q - 1]))).numpy()
    np.testing.assert_allclose([math.erfc(v) for v in x[:60]], q, rtol=1e-13)
    np.testing.assert_array_equal(x[60:], -x[:60])
    assert x.max() == pytest.approx(5.863584748755167, rel=1e-14)  # erfinv(1 - 2^-53)


def test_erfinv_edges_and_dtypes():
    out = dg.erfinv(dg.tensor([-1.0, 1.0, 0.0, -0.0, 1.5, -2.0, float("nan")], dtype=dg.float64)).numpy()
    np.testing.assert_array_equal(out[:4], [-np.inf, np.inf, 0.0, 0.0])
    assert np.signbit(out[3]) and np.isnan(out[4:]).all()
    assert dg.erfinv(dg.tensor([0.3])).dtype == dg.float32
    assert dg.erfinv(dg.tensor([0, 1])).dtype == dg.float32  # integers work in the default float dtype
    assert dg.erf(dg.tensor([0, 1])).dtype == dg.float32
    assert dg.erfinv(dg.zeros(2, 0)).shape == (2, 0)
    t = dg.tensor([[0.1, -0.7], [0.99, 0.9995]], dtype=dg.float64)
    np.testing.assert_array_equal(t.erfinv().numpy(), dg.erfinv(t).numpy())
    np.testing.assert_array_equal(t.T.erfinv().numpy(), dg.erfinv(t).numpy().T)  # non-contiguous input


def test_erf_erfinv_gradients():
    y = dg.tensor([-0.95, -0.3, 0.0, 0.5, 0.999], dtype=dg.float64, requires_grad=True)
    assert gradcheck(dg.erfinv, [y], eps=1e-7)
    dg.erfinv(y).sum().backward()
    expected = math.sqrt(math.pi) / 2 * np.exp(dg.erfinv(y.detach()).numpy() ** 2)
    np.testing.assert_allclose(y.grad.numpy(), expected, rtol=1e-14)
    x = dg.tensor([-3.0, -0.5, 0.0, 1.2], dtype=dg.float64, requires_grad=True)
    assert gradcheck(dg.erf, [x])
    # at +-1 the gradient is infinite, as in PyTorch
    edge = dg.tensor([1.0, -1.0], dtype=dg.float64, requires_grad=True)
    dg.erfinv(edge).sum().backward()
    np.testing.assert_array_equal(edge.grad.numpy(), [np.inf, np.inf])


def test_erf_erfinv_match_torch():
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(0)
    y = np.concatenate([rng.uniform(-1, 1, 200), [1 - 1e-12, -1 + 1e-15, 1e-300, 0.999, -0.9991]])
    x = rng.normal(size=200) * 2
    for dtype, tdtype, tol in ((np.float64, torch.float64, 1e-14), (np.float32, torch.float32, 2e-6)):
        np.testing.assert_allclose(dg.erfinv(dg.tensor(y.astype(dtype))).numpy(),
                                   torch.erfinv(torch.tensor(y, dtype=tdtype)).numpy(), rtol=tol, atol=tol)
        np.testing.assert_allclose(dg.erf(dg.tensor(x.astype(dtype))).numpy(),
                                   torch.erf(torch.tensor(x, dtype=tdtype)).numpy(), rtol=tol, atol=tol)
