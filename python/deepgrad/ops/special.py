"""Special functions (torch.special's family): the error function and its inverse."""
import math

import numpy as np

from .. import dtypes
from ..autograd.function import Function
from .elementwise import cast

_TWO_OVER_SQRT_PI = 2.0 / math.sqrt(math.pi)


def _erf(x):
    from .. import _C

    # float64 is libm's erf; float32 a fast polynomial (see csrc/cpu/pointwise.cpp)
    return _C.erf(np.ascontiguousarray(x))


# Giles, "Approximating the erfinv function" (GPU Computing Gems, 2011), single-precision version: relative
# error below about 2e-6 for |y| < 1 - 2^-24 (12% at the last doubles below 1), a start for the Newton steps below
_GILES_CENTRAL = (2.81022636e-08, 3.43273939e-07, -3.5233877e-06, -4.39150654e-06, 0.00021858087, -0.00125372503,
                  -0.00417768164, 0.246640727, 1.50140941)
_GILES_TAIL = (-0.000200214257, 0.000100950558, 0.00134934322, -0.00367342844, 0.00573950773, -0.0076224613,
               0.00943887047, 1.00167406, 2.83297682)
_TAIL = 0.999
_erfc = np.vectorize(math.erfc, otypes=[np.float64])


def _horner(coefficients, w):
    p = np.full_like(w, coefficients[0])
    for c in coefficients[1:]:
        p = p * w + c
    return p


def erfinv_numpy(y):
    """erfinv of a float64 array to about 1e-15 relative error: Giles' approximation refined by Newton steps.

    For |y| < 0.999, two steps on erf(x) - y. Nearer to +-1, erf saturates (one ulp of erf(x) moves x a lot), so
    the tail refines log erfc(|x|) - log(1 - |y|) instead, where 1 - |y| is exact; math.erfc does those few
    elements. erfinv(+-1) = +-inf; |y| > 1 or NaN: NaN.
    """
    y = np.asarray(y, dtype=np.float64)
    shape, y = y.shape, y.reshape(-1)
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        w = -np.log((1.0 - y) * (1.0 + y))
        p = np.where(w < 5.0, _horner(_GILES_CENTRAL, w - 2.5), _horner(_GILES_TAIL, np.sqrt(w) - 3.0))
        x = start = p * y
        for _ in range(2):
            # Newton on f(x) = erf(x) - y, f'(x) = 2/sqrt(pi) exp(-x^2)
            x = x - (_erf(x) - y) / (_TWO_OVER_SQRT_PI * np.exp(-x * x))
        tail = np.flatnonzero((np.abs(y) > _TAIL) & (np.abs(y) < 1.0))
        if tail.size:
            x[tail] = np.copysign(_erfinv_tail(1.0 - np.abs(y[tail]), np.abs(start[tail])), y[tail])
    x = np.where(np.abs(y) == 1.0, np.copysign(np.inf, y), x)
    return np.where((np.abs(y) > 1.0) | np.isnan(y), np.nan, x).reshape(shape)


def _erfinv_tail(q, x):
    """x > 0 with erfc(x) = q (q < 1e-3), refined from a start within about 12%: Newton on
    g(x) = log erfc(x) - log q, which is close to -x^2 and so converges from far (four steps reach 1e-16)."""
    log_q = np.log(q)
    for _ in range(4):
        e = _erfc(x)
        x = x + (np.log(e) - log_q) * e / (_TWO_OVER_SQRT_PI * np.exp(-x * x))
    return x


class Erf(Function):
    def forward(self, a):
        self.save_for_backward(a)
        return _erf(a)

    def backward(self, g):
        (a,) = self.saved_tensors
        return g * (a.dtype.type(_TWO_OVER_SQRT_PI) * np.exp(-a * a))


class Erfinv(Function):
    def forward(self, a):
        # computed in float64 whatever the input's dtype, so float32 results are correctly rounded
        out = erfinv_numpy(a).astype(a.dtype, copy=False)
        self.save_for_backward(out)
        return out

    def backward(self, g):
        (out,) = self.saved_tensors
        # d/dy erfinv(y) = sqrt(pi)/2 exp(erfinv(y)^2)
        with np.errstate(over="ignore"):
            return g * (out.dtype.type(math.sqrt(math.pi) / 2) * np.exp(out * out))


def _floating(a):
    # integer tensors work in the default float dtype, as in PyTorch
    return a if a.dtype.kind == "f" else cast(a, dtypes.get_default_dtype())


def erf(input):
    """erf(x) = 2/sqrt(pi) * integral_0^x exp(-t^2) dt, elementwise."""
    return Erf.apply(_floating(input))


def erfinv(input):
    """The inverse of erf on (-1, 1): erfinv(erf(x)) = x; erfinv(+-1) = +-inf, NaN outside [-1, 1]."""
    return Erfinv.apply(_floating(input))
