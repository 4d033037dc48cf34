"""_C.erf: the vectorised float32 approximation and libm's float64 erf against math.erf."""
import math

import numpy as np
import pytest

from deepgrad import _C


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
