"""Elementwise ops with broadcasting: arithmetic, unary maths, activations."""
import math

import numpy as np

from .. import _C, dtypes
from ..autograd.function import Function, records_graph, unbroadcast
from ..autograd.quiet import quiet, restore
from ..tensor import Tensor, tensor


class Add(Function):
    def forward(self, a, b):
        self.shapes = a.shape, b.shape
        return a + b

    def backward(self, g):
        sa, sb = self.shapes
        return unbroadcast(g, sa), unbroadcast(g, sb)


class Sub(Function):
    # a fused twin of add(a, neg(b)): subtraction is in every loss and update, so skip the temporary
    def forward(self, a, b):
        self.shapes = a.shape, b.shape
        return a - b

    def backward(self, g):
        sa, sb = self.shapes
        return unbroadcast(g, sa), unbroadcast(-g, sb)


class Mul(Function):
    def forward(self, a, b):
        self.save_for_backward(a, b)
        return a * b

    def backward(self, g):
        a, b = self.saved_tensors
        ga = unbroadcast(g * b, a.shape) if self.needs_input_grad[0] else None
        gb = unbroadcast(g * a, b.shape) if self.needs_input_grad[1] else None
        return ga, gb


class Div(Function):
    def forward(self, a, b):
        self.save_for_backward(a, b)
        return a / b

    def backward(self, g):
        a, b = self.saved_tensors
        ga = unbroadcast(g / b, a.shape) if self.needs_input_grad[0] else None
        gb = unbroadcast(-g * a / (b * b), b.shape) if self.needs_input_grad[1] else None
        return ga, gb


class Neg(Function):
    def forward(self, a):
        return -a

    def backward(self, g):
        return -g


class PowScalar(Function):
    """a ** exponent for a Python number exponent."""

    def forward(self, a, exponent):
        self.exponent = exponent
        self.save_for_backward(a)
        return a ** a.dtype.type(exponent) if a.dtype.kind == "f" else a**exponent

    def backward(self, g):
        (a,) = self.saved_tensors
        p = self.exponent
        if p == 0:
            return np.zeros_like(a)
        return g * (p * a ** a.dtype.type(p - 1))


class Pow(Function):
    """a ** b with both tensors."""

    def forward(self, a, b):
        out = np.power(a, b) if a.dtype.kind == "f" else _integer_power(a, b)
        self.save_for_backward(a, b, out)
        return out

    def backward(self, g):
        a, b, out = self.saved_tensors
        ga = gb = None
        if self.needs_input_grad[0]:
            # PyTorch masks b == 0 so that 0 ** 0 has gradient 0, not 0 * inf
            ga = unbroadcast(np.where(b == 0, 0, g * b * np.power(a, b - 1)), a.shape)
        if self.needs_input_grad[1]:
            # d/db a^b = a^b log a; PyTorch masks the a == 0, b >= 0 case to 0
            d = out * np.log(a)
            d = np.where((a == 0) & (b >= 0), 0, d)
            gb = unbroadcast(g * d, b.shape)
        return ga, gb


def _integer_power(a, b):
    """Integer a ** b as PyTorch computes it: negative exponents give 1/a**|b| truncated (0 unless |a| == 1)."""
    if a.dtype == np.bool_:
        return a | ~b
    if not (b < 0).any():
        return np.power(a, b)
    out = np.power(a, np.where(b < 0, 0, b))
    sign = np.where(b % 2 == 0, 1, -1).astype(a.dtype)
    neg = np.where(a == 1, 1, np.where(a == -1, sign, 0)).astype(a.dtype)
    return np.where(b < 0, neg, out)


class RPowScalar(Function):
    """base ** a for a Python number base."""

    def forward(self, a, base):
        self.log_base = math.log(base) if base > 0 else float("nan")
        out = np.power(a.dtype.type(base), a)
        self.save_for_backward(out)
        return out

    def backward(self, g):
        (out,) = self.saved_tensors
        return g * out * out.dtype.type(self.log_base)


class Exp(Function):
    def forward(self, a):
        out = np.exp(a)
        self.save_for_backward(out)
        return out

    def backward(self, g):
        return g * self.saved_tensors[0]


class Log(Function):
    def forward(self, a):
        self.save_for_backward(a)
        return np.log(a)

    def backward(self, g):
        return g / self.saved_tensors[0]


class Log1p(Function):
    def forward(self, a):
        self.save_for_backward(a)
        return np.log1p(a)

    def backward(self, g):
        return g / (1 + self.saved_tensors[0])


class Sqrt(Function):
    def forward(self, a):
        out = np.sqrt(a)
        self.save_for_backward(out)
        return out

    def backward(self, g):
        return g / (2 * self.saved_tensors[0])


class Abs(Function):
    def forward(self, a):
        self.save_for_backward(a)
        return np.abs(a)

    def backward(self, g):
        return g * np.sign(self.saved_tensors[0])


class Sin(Function):
    def forward(self, a):
        self.save_for_backward(a)
        return np.sin(a)

    def backward(self, g):
        return g * np.cos(self.saved_tensors[0])


class Cos(Function):
    def forward(self, a):
        self.save_for_backward(a)
        return np.cos(a)

    def backward(self, g):
        return -g * np.sin(self.saved_tensors[0])


class Clamp(Function):
    """Gradient passes where min <= a <= max (inclusive, as in PyTorch)."""

    def forward(self, a, min=None, max=None):
        self.save_for_backward(a)
        self.bounds = min, max
        out = a
        if min is not None:
            out = np.maximum(out, a.dtype.type(min))
        if max is not None:
            out = np.minimum(out, a.dtype.type(max))
        return out if out is not a else a.copy()

    def backward(self, g):
        (a,) = self.saved_tensors
        lo, hi = self.bounds
        mask = np.ones(a.shape, dtype=bool)
        if lo is not None:
            mask &= a >= lo
        if hi is not None:
            mask &= a <= hi
        return g * mask


class Maximum(Function):
    """Elementwise max; at ties the gradient is split evenly, as in PyTorch."""

    def forward(self, a, b):
        self.save_for_backward(a, b)
        return np.maximum(a, b)

    def backward(self, g):
        a, b = self.saved_tensors
        share_a = (a > b) + 0.5 * (a == b)
        return unbroadcast(g * share_a, a.shape), unbroadcast(g * (1 - share_a), b.shape)


class Minimum(Function):
    def forward(self, a, b):
        self.save_for_backward(a, b)
        return np.minimum(a, b)

    def backward(self, g):
        a, b = self.saved_tensors
        share_a = (a < b) + 0.5 * (a == b)
        return unbroadcast(g * share_a, a.shape), unbroadcast(g * (1 - share_a), b.shape)


class Where(Function):
    """where(cond, a, b); cond is a boolean array passed as an option (not differentiable)."""

    def forward(self, a, b, cond=None):
        self.cond = cond
        self.shapes = a.shape, b.shape
        return np.where(cond, a, b)

    def backward(self, g):
        sa, sb = self.shapes
        zero = g.dtype.type(0)
        return unbroadcast(np.where(self.cond, g, zero), sa), unbroadcast(np.where(self.cond, zero, g), sb)


class Cast(Function):
    def forward(self, a, dtype=None):
        self.in_dtype = a.dtype
        return a.astype(dtype)

    def backward(self, g):
        return g.astype(self.in_dtype) if self.in_dtype.kind in "fc" else None


# ---- activations ----


def _read_only_zero(dtype):
    zero = np.zeros((), dtype)
    zero.flags.writeable = False
    return zero


_ZEROS = {np.dtype(t): _read_only_zero(t) for t in (np.float16, np.float32, np.float64)}


class Relu(Function):
    numpy_may_warn = False  # no floating-point arithmetic that NumPy warns about

    @staticmethod
    def compute(a):
        zero = _ZEROS.get(a.dtype)  # a 0-d array: half the cost of a NumPy scalar in the ufunc call
        return np.maximum(a, a.dtype.type(0) if zero is None else zero)

    def forward(self, a):
        out = self.compute(a)
        self.save_for_backward(out)
        return out

    def backward(self, g):
        return g * (self.saved_tensors[0] > 0)


class LeakyRelu(Function):
    def forward(self, a, negative_slope=0.01):
        self.slope = negative_slope
        self.save_for_backward(a)
        return np.where(a > 0, a, a * a.dtype.type(negative_slope))

    def backward(self, g):
        (a,) = self.saved_tensors
        return np.where(a > 0, g, g * g.dtype.type(self.slope))


class Sigmoid(Function):
    def forward(self, a):
        # the two branches avoid overflow of exp for large |a|
        e = np.exp(-np.abs(a))
        out = np.where(a >= 0, 1 / (1 + e), e / (1 + e)).astype(a.dtype, copy=False)
        self.save_for_backward(out)
        return out

    def backward(self, g):
        s = self.saved_tensors[0]
        return g * s * (1 - s)


class Tanh(Function):
    def forward(self, a):
        out = np.tanh(a)
        self.save_for_backward(out)
        return out

    def backward(self, g):
        t = self.saved_tensors[0]
        return g * (1 - t * t)


class Softplus(Function):
    def forward(self, a, beta=1.0, threshold=20.0):
        self.beta, self.threshold = beta, threshold
        self.save_for_backward(a)
        z = a * beta
        soft = np.logaddexp(0, z) / beta
        return np.where(z > threshold, a, soft).astype(a.dtype, copy=False)

    def backward(self, g):
        (a,) = self.saved_tensors
        z = a * self.beta
        s = 1 / (1 + np.exp(-np.clip(z, -60, 60)))
        return g * np.where(z > self.threshold, 1, s).astype(g.dtype, copy=False)


class Gelu(Function):
    """x * Phi(x) with the exact erf ('none') or the tanh approximation ('tanh'), as in PyTorch: one C++ pass each
    way (float16 goes through float32)."""

    numpy_may_warn = False  # the C++ kernel does the arithmetic

    def forward(self, a, approximate="none"):
        self.tanh = approximate == "tanh"
        self.save_for_backward(a)
        return _C.gelu(a.astype(np.float32) if a.dtype == np.float16 else a, self.tanh).astype(a.dtype, copy=False)

    def backward(self, g):
        (a,) = self.saved_tensors
        if a.dtype == np.float16:
            return _C.gelu_backward(g.astype(np.float32), a.astype(np.float32), self.tanh).astype(a.dtype)
        return _C.gelu_backward(g.astype(a.dtype, copy=False), a, self.tanh)


class Clone(Function):
    def forward(self, a):
        return a.copy()

    def backward(self, g):
        return g


# ---- entry points: argument handling, dtype promotion, broadcast errors ----


def as_operand(x, like_dtype):
    """A Tensor for x: Tensors pass through, Python scalars take the tensor's dtype (PyTorch's promotion)."""
    if isinstance(x, Tensor):
        return x
    if isinstance(x, (int, float, bool, np.number, np.bool_)):
        return _scalar(x, dtypes.scalar_dtype(x, like_dtype))
    return tensor(x)


def _scalar(x, dtype):
    # through a NumPy array so that -3 next to a uint8 tensor wraps around as in PyTorch instead of raising
    return Tensor._wrap(np.asarray(x).astype(dtype))


def _tier(x):
    if isinstance(x, Tensor):
        return x._data.dtype, 2 if x._data.ndim else 1
    if isinstance(x, (int, float, bool, np.number, np.bool_)):
        return dtypes.python_scalar_dtype(x), 0
    return tensor(x).dtype, 2


def operands(a, b, op, floating=False):
    """Both arguments as Tensors of the promoted dtype, with a clear error when they do not broadcast.

    The dtype follows torch.result_type: Python scalars and 0-d tensors only raise the category (bool < integer
    < float) of a tensor with dims, never its width.
    """
    ta, tb = isinstance(a, Tensor), isinstance(b, Tensor)
    if ta and tb and a._data.dtype == b._data.dtype and not (floating and a._data.dtype.kind != "f"):
        pass
    elif ta and type(b) in (float, int) and a._data.dtype.kind == "f":  # fast path: float tensor and a number
        b = Tensor._wrap(np.array(b, dtype=a._data.dtype))
    elif tb and type(a) in (float, int) and b._data.dtype.kind == "f":
        a = Tensor._wrap(np.array(a, dtype=b._data.dtype))
    else:
        if not (ta or isinstance(a, (int, float, bool, np.number, np.bool_))):
            a, ta = tensor(a), True
        if not (tb or isinstance(b, (int, float, bool, np.number, np.bool_))):
            b, tb = tensor(b), True
        dt = dtypes.result_type(_tier(a), _tier(b))
        if floating and dt.kind != "f":
            dt = dtypes.get_default_dtype()
        a = (a if a._data.dtype == dt else cast(a, dt)) if ta else _scalar(a, dt)
        b = (b if b._data.dtype == dt else cast(b, dt)) if tb else _scalar(b, dt)
    sa, sb = a._data.shape, b._data.shape
    if sa != sb and sa and sb:
        for x, y in zip(reversed(sa), reversed(sb)):
            if x != y and x != 1 and y != 1:
                check_broadcast(sa, sb, op)
    return a, b


def check_broadcast(sa, sb, op):
    try:
        return np.broadcast_shapes(sa, sb)
    except ValueError:
        n = max(len(sa), len(sb))
        pa, pb = (1,) * (n - len(sa)) + tuple(sa), (1,) * (n - len(sb)) + tuple(sb)
        dim = next(i for i in reversed(range(n)) if pa[i] != pb[i] and 1 not in (pa[i], pb[i]))
        raise RuntimeError(
            f"{op}: shapes {tuple(sa)} and {tuple(sb)} are not broadcastable: the size of tensor a ({pa[dim]}) "
            f"must match the size of tensor b ({pb[dim]}) at non-singleton dimension {dim}"
        ) from None


def _arithmetic(op, ufunc, a, b):
    """op(a, b) on promoted operands: the Function when a graph is needed, else the ufunc itself (the lean path:
    the same arithmetic with no graph node)."""
    if records_graph(a, b):
        return op.apply(a, b)
    token = quiet()
    try:
        return Tensor._wrap(ufunc(a._data, b._data))
    finally:
        restore(token)


def add(a, b, alpha=1):
    a, b = operands(a, b, "add")
    return _arithmetic(Add, np.add, a, b if alpha == 1 else mul(b, alpha))


def sub(a, b, alpha=1):
    a, b = operands(a, b, "sub")
    if a._data.dtype == np.bool_:
        raise RuntimeError("sub: subtraction, the `-` operator, with a bool tensor is not supported; use ~ or logical_not() to invert a mask")
    return _arithmetic(Sub, np.subtract, a, b if alpha == 1 else mul(b, alpha))


def mul(a, b):
    a, b = operands(a, b, "mul")
    return _arithmetic(Mul, np.multiply, a, b)


def div(a, b, rounding_mode=None):
    if rounding_mode is not None:
        a, b = operands(a, b, "div")
        fn = {"floor": np.floor_divide, "trunc": lambda x, y: np.trunc(x / y).astype(x.dtype)}[rounding_mode]
        with np.errstate(all="ignore"):
            return Tensor._wrap(fn(a._data, b._data))
    # true division of integers gives the default float dtype, as in PyTorch
    a, b = operands(a, b, "div", floating=True)
    return _arithmetic(Div, np.true_divide, a, b)


def pow(a, b):
    if isinstance(a, Tensor) and isinstance(b, (int, float, np.number)) and not isinstance(b, bool):
        dt = dtypes.result_type(_tier(a), _tier(b))
        a = a if a.dtype == dt else cast(a, dt)
        if dt.kind != "f" and b < 0:
            raise RuntimeError("pow: integers to negative integer powers are not allowed")
        return PowScalar.apply(a, exponent=b)
    if not isinstance(a, Tensor) and isinstance(a, (int, float, np.number)) and not isinstance(a, bool):
        dt = dtypes.result_type(_tier(a), _tier(b))
        if a > 0 and dt.kind == "f":
            return RPowScalar.apply(b if b.dtype == dt else cast(b, dt), base=a)
    return Pow.apply(*operands(a, b, "pow"))


def neg(a):
    return Neg.apply(a)


def _floating(a):
    """Unary maths on integer tensors works in the default float dtype, as in PyTorch."""
    return a if a.dtype.kind == "f" else cast(a, dtypes.get_default_dtype())


def exp(a):
    return Exp.apply(_floating(a))


def log(a):
    return Log.apply(_floating(a))


def log1p(a):
    return Log1p.apply(_floating(a))


def sqrt(a):
    return Sqrt.apply(_floating(a))


def rsqrt(a):
    return div(1.0, sqrt(a))


def abs(a):
    return Abs.apply(a)


def sin(a):
    return Sin.apply(_floating(a))


def cos(a):
    return Cos.apply(_floating(a))


def clamp(a, min=None, max=None):
    if min is None and max is None:
        raise RuntimeError("clamp: at least one of 'min' or 'max' must not be None")
    if isinstance(min, Tensor) or isinstance(max, Tensor):
        from .compare import gt, lt

        # where() rather than maximum(): at a == bound the whole gradient goes to a, as in PyTorch
        out = a
        if min is not None:
            out = where(lt(out, min), min, out)
        if max is not None:
            out = where(gt(out, max), max, out)
        return out
    dt = dtypes.result_type(_tier(a), *[_tier(v) for v in (min, max) if v is not None])
    return Clamp.apply(a if a.dtype == dt else cast(a, dt), min=min, max=max)


def maximum(a, b):
    return Maximum.apply(*operands(a, b, "maximum"))


def minimum(a, b):
    return Minimum.apply(*operands(a, b, "minimum"))


def where(condition, a=None, b=None):
    """where(condition, a, b): a where condition holds, else b; where(condition) is nonzero(condition, as_tuple=True)."""
    if a is None and b is None:
        from .compare import nonzero

        return nonzero(condition if isinstance(condition, Tensor) else tensor(condition), as_tuple=True)
    cond = condition._data if isinstance(condition, Tensor) else np.asarray(condition)
    if cond.dtype != np.bool_:
        cond = cond.astype(bool)
    if not isinstance(a, Tensor) and not isinstance(b, Tensor):
        # two Python scalars: the result dtype comes from the scalars alone (1, 0 -> int64; 1.0, 0 -> float32)
        a = _scalar(a, dtypes.result_type(_tier(a), _tier(b)))
    a, b = operands(a, b, "where")
    shape = check_broadcast(a.shape, b.shape, "where")
    check_broadcast(cond.shape, shape, "where")
    return Where.apply(a, b, cond=cond)


def cast(a, dtype):
    return Cast.apply(a, dtype=np.dtype(dtype))


def clone(a):
    return Clone.apply(a)


def relu(a):
    return Relu.apply(a) if records_graph(a) else Tensor._wrap(Relu.compute(a._data))  # the lean path: no node


def leaky_relu(a, negative_slope=0.01):
    return LeakyRelu.apply(a, negative_slope=negative_slope)


def sigmoid(a):
    return Sigmoid.apply(_floating(a))


def tanh(a):
    return Tanh.apply(_floating(a))


def softplus(a, beta=1.0, threshold=20.0):
    return Softplus.apply(a, beta=beta, threshold=threshold)


def gelu(a, approximate="none"):
    if approximate not in ("none", "tanh"):
        raise ValueError(f"gelu: approximate must be 'none' or 'tanh', got {approximate!r}")
    return Gelu.apply(a, approximate=approximate)


class Step(Function):
    """A piecewise-constant map (sign, floor, round, ...): its gradient is zero, as in PyTorch (not None)."""

    def forward(self, a, fn=None):
        return fn(a)

    def backward(self, g):
        return np.zeros_like(g)


def _no_grad_unary(fn):
    def op(a):
        return Tensor._wrap(fn(a._data))

    op.__name__ = fn.__name__
    return op


def _step(fn, name):
    def op(a, **options):
        f = (lambda x: fn(x, **options)) if options else fn
        if a.requires_grad:
            return Step.apply(a, fn=f)
        return Tensor._wrap(f(a._data))

    op.__name__ = name
    return op


def _sign(x):
    return x.copy() if x.dtype == np.bool_ else np.sign(x)


sign = _step(_sign, "sign")
floor = _step(np.floor, "floor")
ceil = _step(np.ceil, "ceil")
def _round(x, decimals=0):
    return np.round(x, decimals)


round = _step(_round, "round")
trunc = _step(np.trunc, "trunc")
isnan = _no_grad_unary(np.isnan)
isinf = _no_grad_unary(np.isinf)
isfinite = _no_grad_unary(np.isfinite)


def floor_divide(a, b):
    """a // b rounded towards minus infinity, in the promoted dtype (not differentiable)."""
    return div(a, b, rounding_mode="floor")


class Remainder(Function):
    """a - floor(a / b) * b, the sign of b; d/da = 1, d/db = -floor(a / b) (PyTorch's derivatives)."""

    def forward(self, a, b):
        self.save_for_backward(a, b)
        return np.remainder(a, b)

    def backward(self, g):
        a, b = self.saved_tensors
        gb = unbroadcast(-g * np.floor(a / b), b.shape) if self.needs_input_grad[1] else None
        return unbroadcast(g, a.shape), gb


def remainder(a, b):
    """a % b with the sign of b (Python's and PyTorch's convention), in the promoted dtype; differentiable for
    floats."""
    a, b = operands(a, b, "remainder")
    if a._data.dtype.kind == "f" and (a.requires_grad or b.requires_grad):
        return Remainder.apply(a, b)
    with np.errstate(all="ignore"):
        return Tensor._wrap(np.remainder(a._data, b._data))


def square(a):
    return mul(a, a)


def log2(a):
    return div(log(a), math.log(2))


def exp2(a):
    return pow(2.0, _floating(a))
