"""_C.erf: the vectorised float32 approximation and libm's float64 erf against math.erf."""
import math

import numpy as np
import pytest

from deepgrad import _C
from kernel_settings import at_simd_level


@pytest.mark.parametrize("n", [1, 7, 16383, 16385, 100003])
def test_erf_matches_math_erf(n):
    x = np.random.default_rng(n).standard_normal(n) * 3
    ref = np.array([math.erf(v) for v in x])
    np.testing.assert_allclose(_C.erf(x.astype(np.float32)), ref, rtol=0, atol=1e-6)
    np.testing.assert_allclose(_C.erf(x), ref, rtol=1e-15, atol=1e-15)


def test_erf_extremes_and_shape():
    x = np.array([[-np.inf, -10.0, 0.0], [1e-8, 10.0, np.inf]], dtype=np.float32)
    out = _C.erf(x)
    assert out.shape == x.shape and out.dtype == np.float32
    np.testing.assert_allclose(out, [[-1, -1, 0], [0, 1, 1]], atol=1e-6)
    assert np.isnan(_C.erf(np.array([np.nan], dtype=np.float32)))[0]


def _gelu_ref(x, tanh):
    """float64 GELU and its slope from math.erf / math.tanh."""
    if tanh:  # 1 + tanh u and 1 - tanh u written without cancellation in the tails
        k = math.sqrt(2 / math.pi)
        u = k * (x + 0.044715 * x**3)
        with np.errstate(over="ignore"):
            plus, minus = 2 / (1 + np.exp(-2 * u)), 2 / (1 + np.exp(2 * u))
        return 0.5 * x * plus, 0.5 * plus + 0.5 * x * plus * minus * k * (1 + 3 * 0.044715 * x * x)
    cdf = 0.5 * np.vectorize(math.erfc)(-x / math.sqrt(2))  # 1 + erf(z) = erfc(-z), exact in the left tail
    return x * cdf, cdf + x * np.exp(-0.5 * x * x) / math.sqrt(2 * math.pi)


@pytest.mark.parametrize("threads", [1, 2])
@pytest.mark.parametrize("tanh", [False, True])
@pytest.mark.parametrize("n", [1, 7, 8, 9, 16383, 70001])
def test_gelu_matches_reference(n, tanh, threads):
    import deepgrad as dg

    dg.set_num_threads(threads)
    x = np.random.default_rng(n).standard_normal(n) * 4
    y_ref, slope_ref = _gelu_ref(x, tanh)
    dy = np.random.default_rng(n + 1).standard_normal(n)
    np.testing.assert_allclose(_C.gelu(x, tanh), y_ref, rtol=1e-14, atol=1e-15)
    np.testing.assert_allclose(_C.gelu_backward(dy, x, tanh), dy * slope_ref, rtol=1e-13, atol=1e-15)
    x32, dy32 = x.astype(np.float32), dy.astype(np.float32)
    y_ref32, slope_ref32 = _gelu_ref(x32.astype(np.float64), tanh)
    np.testing.assert_allclose(_C.gelu(x32, tanh), y_ref32, rtol=2e-6, atol=1e-6)
    np.testing.assert_allclose(_C.gelu_backward(dy32, x32, tanh), dy32 * slope_ref32, rtol=2e-6, atol=1e-6)


@pytest.mark.parametrize("level", ["portable", "avx2"])
def test_gelu_float32_left_tail_is_accurate(level):
    """x Phi(x) for x << 0 is tiny: it must not be formed as x (1 + erf) with erf ~ -1 (cancellation)."""
    with at_simd_level(level):
        x = np.linspace(-9, -3, 64).astype(np.float32)
        for tanh in (False, True):
            y_ref, slope_ref = _gelu_ref(x.astype(np.float64), tanh)
            np.testing.assert_allclose(_C.gelu(x, tanh), y_ref, rtol=2e-5, atol=0)
            np.testing.assert_allclose(_C.gelu_backward(np.ones_like(x), x, tanh), slope_ref, rtol=2e-5, atol=0)


def test_gelu_shapes_and_errors():
    x = np.linspace(-3, 3, 24, dtype=np.float32).reshape(2, 3, 4)
    assert _C.gelu(x).shape == (2, 3, 4) and _C.gelu(x).dtype == np.float32
    assert np.isnan(_C.gelu(np.array([np.nan], np.float32)))[0]
    np.testing.assert_array_equal(_C.gelu(np.array([np.inf, 0.0], np.float32)), [np.inf, 0.0])
    with pytest.raises(TypeError, match="gelu: expected a float32 or float64 array, got int64"):
        _C.gelu(np.arange(3))
    with pytest.raises(ValueError, match=r"gelu_backward: dy has shape \(2,\) but x has shape \(3,\)"):
        _C.gelu_backward(np.zeros(2), np.zeros(3))


@pytest.mark.parametrize("p", [0.0, 0.1, 0.5, 0.9])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_dropout_keeps_the_right_share_with_the_right_scale(p, dtype):
    n = 200_003
    x = np.random.default_rng(0).standard_normal(n).astype(dtype)
    y, mask = _C.dropout(x, p, 12345)
    kept = mask != 0
    assert set(np.unique(mask)) <= {dtype(0), dtype(1 / (1 - p))}
    assert abs(kept.mean() - (1 - p)) < 5 * np.sqrt(p * (1 - p) / n) + 1e-12  # within 5 sigma
    np.testing.assert_array_equal(y, x * mask)
    # no pattern along the index: neighbours are independent (lag-1 correlation of the keep indicator ~ 0)
    if 0 < p < 1:
        k = kept.astype(np.float64) - kept.mean()
        assert abs((k[1:] * k[:-1]).mean() / k.var()) < 0.02


def test_dropout_mask_depends_only_on_the_seed():
    import deepgrad as dg

    x = np.ones(70_001, np.float32)
    before, level = dg.get_num_threads(), _C.simd_level()
    masks = []
    try:
        for threads, simd in [(1, level), (2, level), (1, "portable")]:
            dg.set_num_threads(threads)
            _C._set_simd_level(simd)
            masks.append(_C.dropout(x, 0.25, 99)[1])
    finally:
        dg.set_num_threads(before)
        _C._set_simd_level(level)
    for m in masks[1:]:
        np.testing.assert_array_equal(m, masks[0])
    assert not np.array_equal(_C.dropout(x, 0.25, 100)[1], masks[0])


def test_dropout_errors_and_reproducibility_through_manual_seed():
    import deepgrad as dg

    with pytest.raises(ValueError, match=r"dropout: p must be in \[0, 1\)"):
        _C.dropout(np.ones(3, np.float32), 1.0, 0)
    with pytest.raises(TypeError, match="dropout: expected a float32 or float64 array"):
        _C.dropout(np.ones(3, np.int32), 0.5, 0)
    x = dg.ones(1000)
    dg.manual_seed(3)
    a = dg.nn.functional.dropout(x, 0.5)
    dg.manual_seed(3)
    b = dg.nn.functional.dropout(x, 0.5)
    c = dg.nn.functional.dropout(x, 0.5)
    assert np.array_equal(a.numpy(), b.numpy()) and not np.array_equal(b.numpy(), c.numpy())


@pytest.mark.parametrize("level", ["portable", "avx2"])
def test_erf_float32_is_relatively_accurate_near_zero(level):
    with at_simd_level(level):
        x = np.concatenate([np.geomspace(1e-30, 0.7, 61), -np.geomspace(1e-30, 0.7, 19)]).astype(np.float32)
        ref = np.array([math.erf(v) for v in x.astype(np.float64)])
        np.testing.assert_allclose(_C.erf(x), ref, rtol=3e-7, atol=0)
