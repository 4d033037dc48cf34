"""Elementwise maths beyond elementwise.py's core, as torch's top-level functions: trigonometric and hyperbolic
functions and their inverses, expm1, erfc, lgamma, digamma, atan2, hypot, logaddexp, xlogy, fmod (Functions with
their derivatives; erf and erfinv are in special.py), and compositions of existing ops (lerp, addcmul, nan_to_num, fmax, logit, sinc, ...).

Integer inputs are computed in the default float dtype, as in PyTorch.
"""
import math

import numpy as np

from .. import dtypes
from ..autograd.function import Function, unbroadcast
from ..tensor import Tensor
from .elementwise import _floating, _step, clamp, div, log, mul, operands, where


# ---- unary Functions: forward directly above backward ----


class Tan(Function):
    def forward(self, a):
        out = np.tan(a)
        self.save_for_backward(out)
        return out

    def backward(self, g):
        (out,) = self.saved_tensors
        return g * (1 + out * out)


class Atan(Function):
    def forward(self, a):
        self.save_for_backward(a)
        return np.arctan(a)

    def backward(self, g):
        (a,) = self.saved_tensors
        return g / (1 + a * a)


class Asin(Function):
    def forward(self, a):
        self.save_for_backward(a)
        return np.arcsin(a)

    def backward(self, g):
        (a,) = self.saved_tensors
        return g / np.sqrt(1 - a * a)


class Acos(Function):
    def forward(self, a):
        self.save_for_backward(a)
        return np.arccos(a)

    def backward(self, g):
        (a,) = self.saved_tensors
        return -g / np.sqrt(1 - a * a)


class Sinh(Function):
    def forward(self, a):
        self.save_for_backward(a)
        return np.sinh(a)

    def backward(self, g):
        return g * np.cosh(self.saved_tensors[0])


class Cosh(Function):
    def forward(self, a):
        self.save_for_backward(a)
        return np.cosh(a)

    def backward(self, g):
        return g * np.sinh(self.saved_tensors[0])


class Asinh(Function):
    def forward(self, a):
        self.save_for_backward(a)
        return np.arcsinh(a)

    def backward(self, g):
        (a,) = self.saved_tensors
        return g / np.sqrt(a * a + 1)


class Acosh(Function):
    def forward(self, a):
        self.save_for_backward(a)
        return np.arccosh(a)

    def backward(self, g):
        (a,) = self.saved_tensors
        return g / np.sqrt(a * a - 1)


class Atanh(Function):
    def forward(self, a):
        self.save_for_backward(a)
        return np.arctanh(a)

    def backward(self, g):
        (a,) = self.saved_tensors
        return g / (1 - a * a)


class Sinc(Function):
    """sin(pi x) / (pi x), 1 at 0; the derivative (pi x cos(pi x) - sin(pi x)) / (pi x^2), 0 at 0, as PyTorch computes
    it (so tiny x give PyTorch's values)."""

    def forward(self, a):
        self.save_for_backward(a)
        y = a * a.dtype.type(math.pi)
        return np.where(a == 0, a.dtype.type(1), np.sin(y) / y)

    def backward(self, g):
        (a,) = self.saved_tensors
        y = a * a.dtype.type(math.pi)
        d = (y * np.cos(y) - np.sin(y)) / (y * a)
        return g * np.where(a == 0, a.dtype.type(0), d)


class Expm1(Function):
    def forward(self, a):
        out = np.expm1(a)
        self.save_for_backward(out)
        return out

    def backward(self, g):
        return g * (self.saved_tensors[0] + 1)


_TWO_OVER_SQRT_PI = 2 / math.sqrt(math.pi)


class Erfc(Function):
    def forward(self, a):
        self.save_for_backward(a)
        # 1 - erf(a) would lose every digit in the tail; math.erfc keeps them
        return np.asarray(np.frompyfunc(math.erfc, 1, 1)(a), dtype=a.dtype)

    def backward(self, g):
        (a,) = self.saved_tensors
        return -g * (a.dtype.type(_TWO_OVER_SQRT_PI) * np.exp(-a * a))


def _lgamma(x):
    def one(v):
        try:
            return math.lgamma(v)
        except ValueError:  # the poles 0, -1, -2, ...
            return math.inf

    return np.asarray(np.frompyfunc(one, 1, 1)(x), dtype=x.dtype)


_PSI_10 = 2.25175258906672110764
_DIGAMMA_A = [8.33333333333333333333e-2, -2.10927960927960927961e-2, 7.57575757575757575758e-3,
              -4.16666666666666666667e-3, 3.96825396825396825397e-3, -8.33333333333333333333e-3,
              8.33333333333333333333e-2]


def _digamma_numpy(x):
    """digamma in float64, PyTorch's CPU algorithm (ATen Math.h calc_digamma) vectorised: the recurrence up to x >= 10,
    then the asymptotic series; reflection for x < 0; +-inf at +-0 and nan at the negative integers."""
    x = np.asarray(x, dtype=np.float64)
    neg = x < 0
    z = np.where(neg, 1 - x, x)
    acc = np.zeros_like(z)
    with np.errstate(all="ignore"):
        for _ in range(11):
            small = z < 10
            if not small.any():
                break
            acc = acc - np.where(small, 1 / z, 0.0)
            z = np.where(small, z + 1, z)
        w = 1 / (z * z)
        y = np.where(z < 1e17, w * np.polyval(_DIGAMMA_A, w), 0.0)
        out = np.where(z == 10, acc + _PSI_10, acc + np.log(z) - 0.5 / z - y)
        out = np.where(neg, out - math.pi / np.tan(math.pi * np.modf(x)[0]), out)
    out = np.where(x == 0, np.copysign(np.inf, -x), out)
    return np.where(neg & (x == np.trunc(x)), np.nan, out)


def _trigamma_numpy(x):
    """trigamma in float64, PyTorch's CPU algorithm (ATen Math.h calc_trigamma) vectorised."""
    x = np.asarray(x, dtype=np.float64)
    with np.errstate(all="ignore"):
        refl = x < 0.5
        result = np.where(refl, -(math.pi * math.pi) / np.sin(math.pi * x) ** 2, 0.0)
        z = np.where(refl, 1 - x, x)
        for _ in range(6):
            result = result + 1 / (z * z)
            z = z + 1
        ixx = 1 / (z * z)
        result = result + (1 + 1 / (2 * z) + ixx * (1 / 6 - ixx * (1 / 30 - ixx * (1 / 42)))) / z
        return np.where(refl, -result, result)


class Lgamma(Function):
    def forward(self, a):
        self.save_for_backward(a)
        return _lgamma(a)

    def backward(self, g):
        (a,) = self.saved_tensors
        return g * _digamma_numpy(a).astype(a.dtype)


class Digamma(Function):
    def forward(self, a):
        self.save_for_backward(a)
        return _digamma_numpy(a).astype(a.dtype)

    def backward(self, g):
        (a,) = self.saved_tensors
        return g * _trigamma_numpy(a).astype(a.dtype)


# ---- binary Functions ----


class Atan2(Function):
    """atan2(input, other): the angle of the point (other, input); d/dinput = other / r^2, d/dother = -input / r^2."""

    def forward(self, a, b):
        self.save_for_backward(a, b)
        return np.arctan2(a, b)

    def backward(self, g):
        a, b = self.saved_tensors
        r2 = a * a + b * b
        return unbroadcast(g * b / r2, a.shape), unbroadcast(-g * a / r2, b.shape)


class Hypot(Function):
    def forward(self, a, b):
        out = np.hypot(a, b)
        self.save_for_backward(a, b, out)
        return out

    def backward(self, g):
        a, b, out = self.saved_tensors
        return unbroadcast(g * a / out, a.shape), unbroadcast(g * b / out, b.shape)


class LogAddExp(Function):
    """log(exp(a) + exp(b)) (base 2 with base2=True) without overflow; d/da = 1 / (1 + base^(b - a))."""

    def forward(self, a, b, base2=False):
        self.base2 = base2
        self.save_for_backward(a, b)
        return np.logaddexp2(a, b) if base2 else np.logaddexp(a, b)

    def backward(self, g):
        a, b = self.saved_tensors
        p = np.exp2 if self.base2 else np.exp
        return unbroadcast(g / (1 + p(b - a)), a.shape), unbroadcast(g / (1 + p(a - b)), b.shape)


class Xlogy(Function):
    """x * log(y), and 0 where x == 0 (unless y is nan), as PyTorch."""

    def forward(self, x, y):
        self.save_for_backward(x, y)
        out = x * np.log(y)
        return np.where((x == 0) & ~np.isnan(y), x.dtype.type(0), out)

    def backward(self, g):
        x, y = self.saved_tensors
        gx = gy = None
        if self.needs_input_grad[0]:
            d = np.where((x == 0) & (y <= 0), 0, g * np.log(y))
            gx = unbroadcast(np.where((g == 0) & ~np.isnan(np.log(y)), 0, d), x.shape)
        if self.needs_input_grad[1]:
            gy = unbroadcast(g * x / y, y.shape)
        return gx, gy


class Fmod(Function):
    """C's fmod: a - trunc(a / b) * b, the sign of a; d/da = 1, d/db = -trunc(a / b)."""

    def forward(self, a, b):
        self.save_for_backward(a, b)
        return np.fmod(a, b)

    def backward(self, g):
        a, b = self.saved_tensors
        gb = unbroadcast(-g * np.trunc(a / b), b.shape) if self.needs_input_grad[1] else None
        return unbroadcast(g, a.shape), gb


# ---- entry points ----


def _unary(fn):
    def op(input):
        return fn.apply(_floating(input))

    return op


tan, atan, asin, acos = _unary(Tan), _unary(Atan), _unary(Asin), _unary(Acos)
sinh, cosh, asinh, acosh, atanh = _unary(Sinh), _unary(Cosh), _unary(Asinh), _unary(Acosh), _unary(Atanh)
expm1, erfc = _unary(Expm1), _unary(Erfc)
lgamma, digamma = _unary(Lgamma), _unary(Digamma)
for _name, _op in dict(tan=tan, atan=atan, asin=asin, acos=acos, sinh=sinh, cosh=cosh, asinh=asinh, acosh=acosh,
                       atanh=atanh, expm1=expm1, erfc=erfc, lgamma=lgamma,
                       digamma=digamma).items():
    _op.__name__ = _name
arctan, arcsin, arccos, arcsinh, arccosh, arctanh = atan, asin, acos, asinh, acosh, atanh


def polygamma(n, input):
    """The n-th derivative of digamma; n = 0 and 1 are supported."""
    if n == 0:
        return digamma(input)
    if n == 1:
        x = _floating(input)
        return Tensor._wrap(_trigamma_numpy(x._data).astype(x.dtype))
    raise NotImplementedError(f"polygamma: only n = 0 and n = 1 are supported, got n = {n}")


def atan2(input, other):
    return Atan2.apply(*operands(input, other, "atan2", floating=True))


arctan2 = atan2


def hypot(input, other):
    return Hypot.apply(*operands(input, other, "hypot", floating=True))


def logaddexp(input, other):
    """log(exp(input) + exp(other)), computed without overflow."""
    return LogAddExp.apply(*operands(input, other, "logaddexp", floating=True))


def logaddexp2(input, other):
    """log2(2^input + 2^other), computed without overflow."""
    return LogAddExp.apply(*operands(input, other, "logaddexp2", floating=True), base2=True)


def xlogy(input, other):
    """input * log(other), with 0 where input == 0 (the convention of entropy terms)."""
    return Xlogy.apply(*operands(input, other, "xlogy", floating=True))


def fmod(input, other):
    """The C remainder, with the sign of input (remainder() takes the sign of other)."""
    a, b = operands(input, other, "fmod")
    if a.dtype.kind != "f":
        if (b._data == 0).any():
            raise RuntimeError("ZeroDivisionError")
        return Tensor._wrap(np.fmod(a._data, b._data))
    return Fmod.apply(a, b)


# ---- compositions of differentiable ops (their gradients come for free) ----


def reciprocal(input):
    return div(1.0, _floating(input))


def negative(input):
    return -input


def positive(input):
    return input


def absolute(input):
    return input.abs()


def true_divide(input, other):
    return div(input, other)


def float_power(input, exponent):
    """input ** exponent in double precision, as torch.float_power."""
    def f64(x):
        return x.to(dtypes.float64) if isinstance(x, Tensor) else x

    return f64(input) ** f64(exponent)


def clamp_min(input, min):
    return clamp(input, min=min)


def clamp_max(input, max):
    return clamp(input, max=max)


def deg2rad(input):
    return _floating(input) * (math.pi / 180)


def rad2deg(input):
    return _floating(input) * (180 / math.pi)


def log10(input):
    return div(log(input), math.log(10))


def sgn(input):
    """sign(x), and 0 at nan (PyTorch's sgn and sign)."""
    out = input.sign()
    return where(input.isnan(), 0, out) if input.dtype.kind == "f" and input.isnan().any() else out


def frac(input):
    """input - trunc(input), the fractional part with input's sign; its gradient is 1."""
    return input - input.trunc()


fix = _step(np.trunc, "fix")


def logit(input, eps=None):
    """log(p / (1 - p)); with eps, p is first clamped to [eps, 1 - eps] (and the gradient is 0 outside)."""
    x = _floating(input)
    if eps is not None:
        x = clamp(x, eps, 1 - eps)
    return log(x) - (-x).log1p()


def sinc(input):
    """sin(pi x) / (pi x), and 1 at x = 0."""
    return Sinc.apply(_floating(input))


def lerp(input, end, weight):
    """input + weight * (end - input); weight is a number or a tensor."""
    return input + mul(weight, end - input)


def addcmul(input, tensor1, tensor2, value=1):
    """input + value * tensor1 * tensor2."""
    prod = tensor1 * tensor2
    return input + (prod if value == 1 else prod * value)


def addcdiv(input, tensor1, tensor2, value=1):
    """input + value * tensor1 / tensor2."""
    q = tensor1 / tensor2
    return input + (q if value == 1 else q * value)


def nan_to_num(input, nan=0.0, posinf=None, neginf=None):
    """nan -> nan, +inf -> posinf, -inf -> neginf (default: the dtype's largest and lowest finite values); the
    gradient is 0 at the replaced entries."""
    if input.dtype.kind != "f":
        return input.clone()
    info = np.finfo(input.dtype)
    posinf = info.max if posinf is None else posinf
    neginf = info.min if neginf is None else neginf
    x = input._data
    filled = np.where(np.isnan(x), nan, np.where(x == np.inf, posinf, neginf)).astype(input.dtype)
    return where(Tensor._wrap(np.isfinite(x)), input, Tensor._wrap(filled))


def fmax(input, other):
    """Elementwise maximum that ignores nan (nan only where both are nan); at ties the gradient goes to input."""
    a, b = operands(input, other, "fmax")
    return where((a >= b) | b.isnan(), a, b)


def fmin(input, other):
    """Elementwise minimum that ignores nan; at ties the gradient goes to input."""
    a, b = operands(input, other, "fmin")
    return where((a <= b) | b.isnan(), a, b)


def copysign(input, other):
    """|input| with the sign of other (the sign bit, so -0.0 counts as negative)."""
    a = _floating(input)
    sign = np.where(np.signbit(other._data if isinstance(other, Tensor) else np.asarray(other)), -1.0, 1.0)
    a, s = operands(a, Tensor._wrap(sign), "copysign", floating=True)
    return a.abs() * s


def signbit(input):
    return Tensor._wrap(np.signbit(input._data))


def heaviside(input, values):
    """0 where input < 0, values where input == 0, 1 where input > 0 (not differentiable)."""
    a, v = operands(input, values, "heaviside")
    x = a._data
    return Tensor._wrap(np.where(x == 0, v._data, (x > 0).astype(x.dtype)).astype(x.dtype))


def isposinf(input):
    return Tensor._wrap(np.isposinf(input._data))


def isneginf(input):
    return Tensor._wrap(np.isneginf(input._data))


def isreal(input):
    return Tensor._wrap(np.isreal(input._data))


def gcd(input, other):
    a, b = operands(input, other, "gcd")
    return Tensor._wrap(np.gcd(a._data, b._data))


def lcm(input, other):
    a, b = operands(input, other, "lcm")
    return Tensor._wrap(np.lcm(a._data, b._data))


# ---- dtype queries, as torch.result_type / promote_types / can_cast ----


def result_type(tensor1, tensor2):
    """The dtype an arithmetic op between the two (tensors or numbers) gives, as torch.result_type."""
    from .elementwise import _tier

    return dtypes.result_type(_tier(tensor1), _tier(tensor2))


def promote_types(type1, type2):
    return dtypes.promote(dtypes.to_dtype(type1), dtypes.to_dtype(type2))


def can_cast(from_, to):
    """PyTorch's casting rule: no float to integer, and nothing but bool to bool."""
    a, b = np.dtype(dtypes.to_dtype(from_)), np.dtype(dtypes.to_dtype(to))
    if a.kind == "f" and b.kind in "iub":
        return False
    return not (b.kind == "b" and a.kind != "b")


def rsub(input, other, alpha=1):
    """other - alpha * input."""
    from .elementwise import sub

    return sub(other, input, alpha=alpha)
