"""Tensor over NumPy storage, and the creation functions (tensor, zeros, ones, arange, randn, ...)."""
import builtins
import numbers
import weakref

import numpy as np

from . import dtypes, random
from .autograd.grad_mode import is_grad_enabled


class Size(tuple):
    """A shape, as torch.Size: a tuple that prints as Size([...]) and has numel()."""

    def numel(self):
        return int(np.prod(self)) if self else 1

    def __repr__(self):
        return f"Size({list(self)})"


class Tensor:
    """An n-dimensional array with an optional gradient and the Function that produced it."""

    __array_priority__ = 1000
    __slots__ = ("_data", "grad", "_requires_grad", "_ctx", "_hooks", "_retains_grad", "__weakref__", "__dict__")

    def __init__(self, data=None, dtype=None, requires_grad=False):
        if data is None:
            data = np.empty(0, dtype=dtypes.get_default_dtype())
        self._data = _to_array(data, dtypes.to_dtype(dtype))
        self.grad = None
        self._ctx = None
        self._hooks = ()
        self._retains_grad = False
        self._requires_grad = False
        self.requires_grad = requires_grad

    @classmethod
    def _wrap(cls, array):
        """A Tensor around an existing array, no copy (internal fast path)."""
        t = cls.__new__(cls)
        t._data = array if isinstance(array, np.ndarray) else np.asarray(array)
        t.grad = None
        t._ctx = None
        t._hooks = ()
        t._retains_grad = False
        t._requires_grad = False
        return t

    # ---- properties ----
    @property
    def data(self):
        """A Tensor sharing this one's storage, outside the graph (as torch's .data)."""
        return Tensor._wrap(self._data)

    @data.setter
    def data(self, value):
        value = value._data if isinstance(value, Tensor) else np.asarray(value)
        self._data = value

    @property
    def requires_grad(self):
        return self._requires_grad

    @requires_grad.setter
    def requires_grad(self, value):
        if value and self._data.dtype.kind not in "fc":
            raise RuntimeError(
                f"only Tensors of floating point dtype can require gradients (got {self._data.dtype})"
            )
        if not value and self._ctx is not None:
            raise RuntimeError(
                "you can only change requires_grad flags of leaf variables; use detach() for a tensor outside the graph"
            )
        self._requires_grad = builtins.bool(value)

    def requires_grad_(self, requires_grad=True):
        self.requires_grad = requires_grad
        return self

    @property
    def is_leaf(self):
        return self._ctx is None

    @property
    def grad_fn(self):
        return self._ctx

    @property
    def shape(self):
        return Size(self._data.shape)

    @property
    def dtype(self):
        return self._data.dtype

    @property
    def ndim(self):
        return self._data.ndim

    @property
    def device(self):
        return "cpu"

    @property
    def T(self):
        return self.permute(*reversed(range(self.ndim)))

    @property
    def mT(self):
        return self.transpose(-2, -1)

    @property
    def is_cuda(self):
        return False

    def size(self, dim=None):
        return self.shape if dim is None else self._data.shape[dim]

    def dim(self):
        return self._data.ndim

    def numel(self):
        return int(self._data.size)

    def element_size(self):
        return self._data.itemsize

    def is_floating_point(self):
        return self._data.dtype.kind == "f"

    def is_contiguous(self):
        return builtins.bool(self._data.flags.c_contiguous)

    def __len__(self):
        if self._data.ndim == 0:
            raise TypeError("len() of a 0-d tensor")
        return len(self._data)

    # ---- conversion ----
    def numpy(self):
        if self.requires_grad:
            raise RuntimeError("Can't call numpy() on Tensor that requires grad. Use tensor.detach().numpy() instead.")
        return self._data

    def __array__(self, dtype=None, copy=None):
        return self._data if dtype is None else self._data.astype(dtype)

    def item(self):
        if self._data.size != 1:
            raise RuntimeError(
                f"a Tensor with {self._data.size} elements cannot be converted to Scalar (shape {tuple(self.shape)})"
            )
        return self._data.reshape(()).item()

    def tolist(self):
        return self._data.tolist()

    def __float__(self):
        return builtins.float(self.item())

    def __int__(self):
        return builtins.int(self.item())

    def __index__(self):
        if self._data.dtype.kind not in "iu" or self._data.size != 1:
            raise TypeError("only integer tensors of a single element can be converted to an index")
        return builtins.int(self.item())

    def __bool__(self):
        if self._data.size != 1:
            raise RuntimeError(f"Boolean value of Tensor with {self._data.size} values is ambiguous")
        return builtins.bool(self._data.reshape(()).item())

    def to(self, *args, **kwargs):
        """to(dtype), to(device), to(device, dtype), to(other): the only device is 'cpu'."""
        dtype = kwargs.get("dtype")
        for a in list(args) + [kwargs.get("device")]:
            if isinstance(a, Tensor):
                dtype = a.dtype
            elif isinstance(a, str) or a is None:
                _check_device(a)
            else:
                dtype = a
        if dtype is None or np.dtype(dtypes.to_dtype(dtype)) == self.dtype:
            return self
        return _ew.cast(self, dtypes.to_dtype(dtype))

    def cpu(self):
        return self

    def cuda(self, *args, **kwargs):
        _check_device("cuda")

    def type(self, dtype=None):
        return str(self.dtype) if dtype is None else self.to(dtype)

    def type_as(self, other):
        return self.to(other.dtype)

    def float(self):
        return self.to(dtypes.float32)

    def double(self):
        return self.to(dtypes.float64)

    def half(self):
        return self.to(dtypes.float16)

    def long(self):
        return self.to(dtypes.int64)

    def int(self):
        return self.to(dtypes.int32)

    def bool(self):
        return self.to(dtypes.bool)

    # ---- autograd ----
    def backward(self, gradient=None, retain_graph=None, create_graph=False, inputs=None):
        from .autograd import backward

        backward(self, gradient, retain_graph=retain_graph, inputs=inputs)

    def detach(self):
        return Tensor._wrap(self._data)

    def detach_(self):
        self._ctx = None
        self._requires_grad = False
        return self

    def retain_grad(self):
        if not self.requires_grad:
            raise RuntimeError("can't retain_grad on Tensor that has requires_grad=False")
        if self._ctx is not None:
            self._retains_grad = True

    @property
    def retains_grad(self):
        return self._retains_grad

    def register_hook(self, hook):
        """hook(grad) -> Tensor or None, called with this tensor's gradient during backward."""
        if not self.requires_grad:
            raise RuntimeError("cannot register a hook on a tensor that doesn't require gradient")
        if not self._hooks:
            self._hooks = []  # tensors start with a shared empty tuple
        self._hooks.append(hook)

        class _Handle:
            def remove(handle):
                if hook in self._hooks:
                    self._hooks.remove(hook)

        return _Handle()

    def clone(self):
        return _ew.clone(self)

    def contiguous(self):
        return self if self._data.flags.c_contiguous else _ew.clone(self)

    # ---- printing ----
    def __repr__(self):
        body = np.array2string(self._data, separator=", ", precision=4, prefix="tensor(")
        extra = ""
        if self.dtype not in (dtypes.get_default_dtype(), dtypes.int64, dtypes.bool):
            extra += f", dtype={self.dtype}"
        if self._ctx is not None:
            extra += f", grad_fn=<{type(self._ctx).__name__}Backward>"
        elif self.requires_grad:
            extra += ", requires_grad=True"
        return f"tensor({body}{extra})"

    def __hash__(self):
        return id(self)

    def __iter__(self):
        if self._data.ndim == 0:
            raise TypeError("iteration over a 0-d tensor")
        return (self[i] for i in range(self._data.shape[0]))

    # ---- in-place updates (outside autograd: optimizers, init, buffers) ----
    def _check_inplace(self, op):
        if is_grad_enabled() and self.requires_grad:
            kind = "a leaf Variable that requires grad" if self._ctx is None else "a tensor that is part of a graph"
            raise RuntimeError(f"{op}: {kind} is being used in an in-place operation.")

    def _in_graph(self):
        """True when an in-place op on this non-leaf tensor must be recorded (PyTorch allows those)."""
        return self._ctx is not None and is_grad_enabled()

    def _rebind(self, fn):
        """Record an in-place op on a tensor in the graph: this Tensor becomes the output of fn(its old value).

        The new value lives in a new array, so NumPy views of the old one do not see the write (PyTorch's would);
        in exchange, Functions that saved the old array keep a correct copy.
        """
        old = Tensor._wrap(self._data)
        old._ctx, old._requires_grad = self._ctx, self._requires_grad
        if self._ctx is not None:
            self._ctx._output = weakref.ref(old)
        out = fn(old)
        if out.dtype != self.dtype:
            out = out.to(self.dtype)
        self._data, self._ctx, self._requires_grad = out._data, out._ctx, out._requires_grad
        if out._ctx is not None:
            out._ctx._output = weakref.ref(self)
        return self

    def _inplace(self, op, value):
        self._check_inplace(op)
        np.copyto(self._data, value, casting="unsafe")
        return self

    def copy_(self, src):
        src = src._data if isinstance(src, Tensor) else np.asarray(src)
        try:
            b = np.broadcast_to(src, self._data.shape)
        except ValueError:
            raise RuntimeError(
                f"copy_: the source of shape {tuple(np.shape(src))} cannot be broadcast to {tuple(self.shape)}"
            ) from None
        return self._inplace("copy_", b)

    def zero_(self):
        return self._inplace("zero_", 0)

    def fill_(self, value):
        return self._inplace("fill_", _raw(value))

    def add_(self, other, alpha=1):
        if self._in_graph():
            return self._rebind(lambda old: _ew.add(old, other, alpha=alpha))
        return self._inplace("add_", self._data + _raw(other) * alpha)

    def sub_(self, other, alpha=1):
        if self._in_graph():
            return self._rebind(lambda old: _ew.sub(old, other, alpha=alpha))
        return self._inplace("sub_", self._data - _raw(other) * alpha)

    def mul_(self, other):
        if self._in_graph():
            return self._rebind(lambda old: _ew.mul(old, other))
        return self._inplace("mul_", self._data * _raw(other))

    def div_(self, other):
        if self._in_graph():
            return self._rebind(lambda old: _ew.div(old, other))
        return self._inplace("div_", self._data / _raw(other))

    def pow_(self, exponent):
        return self._inplace("pow_", self._data ** _raw(exponent))

    def sqrt_(self):
        return self._inplace("sqrt_", np.sqrt(self._data))

    def neg_(self):
        return self._inplace("neg_", -self._data)

    def exp_(self):
        return self._inplace("exp_", np.exp(self._data))

    def abs_(self):
        return self._inplace("abs_", np.abs(self._data))

    def clamp_(self, min=None, max=None):
        if self._in_graph():
            return self._rebind(lambda old: _ew.clamp(old, min, max))
        return self._inplace("clamp_", np.clip(self._data, min, max))

    clip_ = clamp_

    def relu_(self):
        if self._in_graph():
            return self._rebind(_ew.relu)
        return self._inplace("relu_", np.maximum(self._data, 0))

    def addcmul_(self, t1, t2, value=1):
        return self._inplace("addcmul_", self._data + value * _raw(t1) * _raw(t2))

    def addcdiv_(self, t1, t2, value=1):
        return self._inplace("addcdiv_", self._data + value * _raw(t1) / _raw(t2))

    def lerp_(self, end, weight):
        return self._inplace("lerp_", self._data + _raw(weight) * (_raw(end) - self._data))

    def maximum_(self, other):
        return self._inplace("maximum_", np.maximum(self._data, _raw(other)))

    def uniform_(self, a=0.0, b=1.0, generator=None):
        return self._inplace("uniform_", random.uniform(a, b, self.shape, generator))

    def normal_(self, mean=0.0, std=1.0, generator=None):
        return self._inplace("normal_", random.normal(mean, std, self.shape, generator))

    def bernoulli_(self, p=0.5, generator=None):
        return self._inplace("bernoulli_", random.uniform(0.0, 1.0, self.shape, generator) < p)

    def masked_fill_(self, mask, value):
        if self._in_graph() or (is_grad_enabled() and isinstance(value, Tensor) and value.requires_grad):
            return self._rebind(lambda old: _ix.masked_fill(old, mask, value))
        return self._inplace("masked_fill_", np.where(_raw(mask), _raw(value), self._data))

    def __setitem__(self, index, value):
        if self._ctx is None:
            self._check_inplace("__setitem__")
        if self._in_graph() or (is_grad_enabled() and isinstance(value, Tensor) and value.requires_grad):
            self._rebind(lambda old: _ix.index_put(old, index, value))
            return
        self._data[_ix.convert_index(index)] = _raw(value)

    # ---- operators and methods: thin calls into the op families ----
    def __add__(self, o):
        return _ew.add(self, o)

    def __radd__(self, o):
        return _ew.add(o, self)

    def __sub__(self, o):
        return _ew.sub(self, o)

    def __rsub__(self, o):
        return _ew.sub(o, self)

    def __mul__(self, o):
        return _ew.mul(self, o)

    def __rmul__(self, o):
        return _ew.mul(o, self)

    def __truediv__(self, o):
        return _ew.div(self, o)

    def __rtruediv__(self, o):
        return _ew.div(o, self)

    def __floordiv__(self, o):
        return _ew.floor_divide(self, o)

    def __rfloordiv__(self, o):
        return _ew.floor_divide(o, self)

    def __mod__(self, o):
        return _ew.remainder(self, o)

    def __rmod__(self, o):
        return _ew.remainder(o, self)

    def __pow__(self, o):
        return _ew.pow(self, o)

    def __rpow__(self, o):
        return _ew.pow(o, self)

    def __neg__(self):
        return _ew.neg(self)

    def __pos__(self):
        return self

    def __abs__(self):
        return _ew.abs(self)

    def __matmul__(self, o):
        return _la.matmul(self, o)

    def __rmatmul__(self, o):
        return _la.matmul(o, self)

    def __iadd__(self, o):
        return self.add_(o) if not (is_grad_enabled() and self.requires_grad) else _ew.add(self, o)

    def __isub__(self, o):
        return self.sub_(o) if not (is_grad_enabled() and self.requires_grad) else _ew.sub(self, o)

    def __imul__(self, o):
        return self.mul_(o) if not (is_grad_enabled() and self.requires_grad) else _ew.mul(self, o)

    def __itruediv__(self, o):
        return self.div_(o) if not (is_grad_enabled() and self.requires_grad) else _ew.div(self, o)

    def __eq__(self, o):
        return False if o is None else _cmp.eq(self, o)

    def __ne__(self, o):
        return True if o is None else _cmp.ne(self, o)

    def __lt__(self, o):
        return _cmp.lt(self, o)

    def __le__(self, o):
        return _cmp.le(self, o)

    def __gt__(self, o):
        return _cmp.gt(self, o)

    def __ge__(self, o):
        return _cmp.ge(self, o)

    def __invert__(self):
        return _cmp.bitwise_not(self)

    def __and__(self, o):
        return _cmp.bitwise_and(self, o)

    def __rand__(self, o):
        return _cmp.bitwise_and(o, self)

    def __or__(self, o):
        return _cmp.bitwise_or(self, o)

    def __ror__(self, o):
        return _cmp.bitwise_or(o, self)

    def __xor__(self, o):
        return _cmp.bitwise_xor(self, o)

    def __rxor__(self, o):
        return _cmp.bitwise_xor(o, self)

    def __getitem__(self, index):
        return _ix.getitem(self, index)


def _check_device(device):
    if device is None:
        return
    name = str(device)
    if not (name == "cpu" or name.startswith("cpu:")):
        raise RuntimeError(f"deepgrad tensors live on the CPU; device {name!r} is not available")


def _raw(x):
    """The NumPy value behind a Tensor, or the value itself."""
    return x._data if isinstance(x, Tensor) else x


def _infer_dtype(data):
    """PyTorch's inference: Python floats -> default float, ints -> int64, bools -> bool; NumPy arrays and scalars
    keep their dtype; a list takes the promotion of its elements' dtypes ([np.float64(1), 2.0] -> float64)."""
    if isinstance(data, (np.ndarray, np.generic)):
        return data.dtype
    if isinstance(data, (list, tuple)):
        kinds = {type(x) for x in _flatten(data)}
        if kinds <= {builtins.float, builtins.int, builtins.bool}:
            kind = np.asarray(data).dtype.kind if kinds else "f"
            return dtypes.get_default_dtype() if kind == "f" else dtypes.int64 if kind in "iu" else dtypes.bool
        out = None
        for k in kinds:
            sample = next(x for x in _flatten(data) if type(x) is k)
            dt = _infer_dtype(sample)
            out = dt if out is None else dtypes.promote(out, dt)
        return out
    if isinstance(data, (builtins.bool, builtins.int, builtins.float)):
        return dtypes.python_scalar_dtype(data)
    arr = np.asarray(data)
    if arr.dtype.kind == "O":
        raise TypeError(f"tensor: could not infer a dtype for {type(data).__name__} data")
    return _infer_dtype(arr)


def _to_array(data, dtype, copy=True):
    if isinstance(data, Tensor):
        data = data._data
    elif isinstance(data, (list, tuple)) and any(isinstance(x, Tensor) for x in _flatten(data)):
        data = np.array([_raw(x) if not isinstance(x, (list, tuple)) else _to_array(x, None) for x in data])
    if dtype is None:
        dtype = _infer_dtype(data)
    return np.array(data, dtype=dtype, copy=copy) if copy else np.asarray(data, dtype=dtype)


def _flatten(seq):
    for x in seq:
        if isinstance(x, (list, tuple)):
            yield from _flatten(x)
        else:
            yield x


def _shape_args(size):
    """Creation functions take a shape as varargs or as one tuple/list: zeros(2, 3) == zeros((2, 3))."""
    if len(size) == 1 and isinstance(size[0], (tuple, list, Size)):
        size = tuple(size[0])
    for n in size:
        if not isinstance(n, (numbers.Integral, np.integer)) or n < 0:
            raise ValueError(f"shape must be non-negative integers, got {tuple(size)}")
    return tuple(builtins.int(n) for n in size)


# ---- creation functions ----


def tensor(data, dtype=None, device=None, requires_grad=False):
    _check_device(device)
    return Tensor(data, dtype=dtype, requires_grad=requires_grad)


def as_tensor(data, dtype=None, device=None):
    _check_device(device)
    if isinstance(data, Tensor) and (dtype is None or data.dtype == np.dtype(dtype)):
        return data
    return Tensor._wrap(_to_array(data, dtypes.to_dtype(dtype), copy=False))


def from_numpy(array):
    """A Tensor sharing memory with `array` (as torch.from_numpy)."""
    if not isinstance(array, np.ndarray):
        raise TypeError(f"from_numpy: expected np.ndarray (got {type(array).__name__})")
    return Tensor._wrap(array)


def _filled(size, value, dtype, requires_grad, device=None):
    _check_device(device)
    dtype = dtypes.to_dtype(dtype) or dtypes.get_default_dtype()
    t = Tensor._wrap(np.full(_shape_args(size), value, dtype=dtype))
    t.requires_grad = requires_grad
    return t


def zeros(*size, dtype=None, device=None, requires_grad=False):
    return _filled(size, 0, dtype, requires_grad, device)


def ones(*size, dtype=None, device=None, requires_grad=False):
    return _filled(size, 1, dtype, requires_grad, device)


def empty(*size, dtype=None, device=None, requires_grad=False):
    return _filled(size, 0, dtype, requires_grad, device)


def full(size, fill_value, dtype=None, device=None, requires_grad=False):
    if dtype is None:
        dtype = _infer_dtype(fill_value)
    return _filled((size,) if isinstance(size, (tuple, list)) else (size,), fill_value, dtype, requires_grad, device)


def _like(t, dtype):
    return t.dtype if dtype is None else dtype


def zeros_like(t, dtype=None, device=None, requires_grad=False):
    return zeros(t.shape, dtype=_like(t, dtype), requires_grad=requires_grad)


def ones_like(t, dtype=None, device=None, requires_grad=False):
    return ones(t.shape, dtype=_like(t, dtype), requires_grad=requires_grad)


def empty_like(t, dtype=None, device=None, requires_grad=False):
    return zeros(t.shape, dtype=_like(t, dtype), requires_grad=requires_grad)


def full_like(t, fill_value, dtype=None, device=None, requires_grad=False):
    return full(t.shape, fill_value, dtype=_like(t, dtype), requires_grad=requires_grad)


def rand_like(t, dtype=None, generator=None):
    return rand(t.shape, dtype=_like(t, dtype), generator=generator)


def randn_like(t, dtype=None, generator=None):
    return randn(t.shape, dtype=_like(t, dtype), generator=generator)


def arange(start, end=None, step=1, dtype=None, device=None, requires_grad=False):
    _check_device(device)
    if end is None:
        start, end = 0, start
    values = [_raw(v) for v in (start, end, step)]
    values = [v.item() if isinstance(v, (np.ndarray, np.generic)) else v for v in values]
    if dtype is None:
        is_int = all(isinstance(v, numbers.Integral) for v in values)
        dtype = dtypes.int64 if is_int else dtypes.get_default_dtype()
    t = Tensor._wrap(np.arange(*values).astype(dtypes.to_dtype(dtype)))
    t.requires_grad = requires_grad
    return t


def linspace(start, end, steps, dtype=None, device=None, requires_grad=False):
    _check_device(device)
    dtype = dtypes.to_dtype(dtype) or dtypes.get_default_dtype()
    t = Tensor._wrap(np.linspace(start, end, steps).astype(dtype))
    t.requires_grad = requires_grad
    return t


def eye(n, m=None, dtype=None, device=None, requires_grad=False):
    _check_device(device)
    t = Tensor._wrap(np.eye(n, m, dtype=dtypes.to_dtype(dtype) or dtypes.get_default_dtype()))
    t.requires_grad = requires_grad
    return t


def rand(*size, dtype=None, generator=None, device=None, requires_grad=False):
    _check_device(device)
    dtype = dtypes.to_dtype(dtype) or dtypes.get_default_dtype()
    t = Tensor._wrap(random.uniform(0.0, 1.0, _shape_args(size), generator).astype(dtype))
    t.requires_grad = requires_grad
    return t


def randn(*size, dtype=None, generator=None, device=None, requires_grad=False):
    _check_device(device)
    dtype = dtypes.to_dtype(dtype) or dtypes.get_default_dtype()
    t = Tensor._wrap(random.normal(0.0, 1.0, _shape_args(size), generator).astype(dtype))
    t.requires_grad = requires_grad
    return t


def randint(low, high=None, size=None, dtype=None, generator=None, device=None):
    _check_device(device)
    if size is None and isinstance(high, (tuple, list, Size)):
        low, high, size = 0, low, high  # randint(high, size)
    if high is None:
        low, high = 0, low
    if size is None:
        raise TypeError("randint: the size argument is required")
    values = random.integers(low, high, _shape_args((size,)), generator)
    return Tensor._wrap(values.astype(dtypes.to_dtype(dtype) or dtypes.int64))


def randperm(n, dtype=None, generator=None, device=None):
    _check_device(device)
    return Tensor._wrap(random.permutation(n, generator).astype(dtypes.to_dtype(dtype) or dtypes.int64))


from .ops import compare as _cmp  # noqa: E402  (the op families call back into Tensor)
from .ops import elementwise as _ew  # noqa: E402
from .ops import index as _ix  # noqa: E402
from .ops import linalg as _la  # noqa: E402
from .ops import reduce as _rd  # noqa: E402
from .ops import shape as _sh  # noqa: E402
from .ops import sampling as _smp  # noqa: E402
from .ops import special as _sp  # noqa: E402


def _method(fn):
    def method(self, *args, **kwargs):
        return fn(self, *args, **kwargs)

    method.__name__ = fn.__name__
    method.__doc__ = fn.__doc__
    return method


# Tensor methods named as in PyTorch, each the op's single entry point with the tensor first.
for _name, _fn in {
    "add": _ew.add, "sub": _ew.sub, "mul": _ew.mul, "div": _ew.div, "pow": _ew.pow, "neg": _ew.neg,
    "exp": _ew.exp, "log": _ew.log, "log1p": _ew.log1p, "sqrt": _ew.sqrt, "rsqrt": _ew.rsqrt, "abs": _ew.abs,
    "erf": _sp.erf, "erfinv": _sp.erfinv,
    "sin": _ew.sin, "cos": _ew.cos, "clamp": _ew.clamp, "clip": _ew.clamp, "maximum": _ew.maximum,
    "minimum": _ew.minimum, "relu": _ew.relu, "sigmoid": _ew.sigmoid, "tanh": _ew.tanh, "sign": _ew.sign,
    "floor": _ew.floor, "ceil": _ew.ceil, "round": _ew.round, "trunc": _ew.trunc, "isnan": _ew.isnan,
    "isinf": _ew.isinf, "isfinite": _ew.isfinite,
    "eq": _cmp.eq, "ne": _cmp.ne, "lt": _cmp.lt, "le": _cmp.le, "gt": _cmp.gt, "ge": _cmp.ge,
    "logical_not": _cmp.logical_not, "logical_and": _cmp.logical_and, "logical_or": _cmp.logical_or,
    "logical_xor": _cmp.logical_xor, "bitwise_and": _cmp.bitwise_and, "bitwise_or": _cmp.bitwise_or,
    "bitwise_xor": _cmp.bitwise_xor, "bitwise_not": _cmp.bitwise_not, "remainder": _ew.remainder,
    "floor_divide": _ew.floor_divide,
    "square": _ew.square, "log2": _ew.log2, "exp2": _ew.exp2, "cumsum": _rd.cumsum, "sort": _rd.sort,
    "argsort": _rd.argsort, "topk": _rd.topk, "tril": _sh.tril, "triu": _sh.triu, "nonzero": _cmp.nonzero,
    "unique": _cmp.unique,
    "any": _cmp.any, "all": _cmp.all, "allclose": _cmp.allclose, "isclose": _cmp.isclose, "equal": _cmp.equal,
    "sum": _rd.sum, "mean": _rd.mean, "var": _rd.var, "std": _rd.std, "max": _rd.max, "min": _rd.min,
    "amax": _rd.amax, "amin": _rd.amin, "argmax": _rd.argmax, "argmin": _rd.argmin, "softmax": _rd.softmax,
    "log_softmax": _rd.log_softmax, "logsumexp": _rd.logsumexp, "prod": _rd.prod, "norm": _rd.norm,
    "reshape": _sh.reshape, "view": _sh.view, "permute": _sh.permute, "transpose": _sh.transpose, "t": _sh.t,
    "unsqueeze": _sh.unsqueeze, "squeeze": _sh.squeeze, "flatten": _sh.flatten, "unflatten": _sh.unflatten,
    "expand": _sh.expand, "broadcast_to": _sh.broadcast_to, "repeat": _sh.repeat, "split": _sh.split,
    "chunk": _sh.chunk, "narrow": _sh.narrow, "select": _sh.select, "unbind": _sh.unbind, "flip": _sh.flip,
    "gather": _ix.gather, "masked_fill": _ix.masked_fill,
    "matmul": _la.matmul, "mv": _la.mv, "mm": _la.mm, "bmm": _la.bmm, "dot": _la.dot, "outer": _la.outer,
}.items():
    setattr(Tensor, _name, _method(_fn))

Tensor.multinomial = _method(_smp.multinomial)
Tensor.expand_as = lambda self, other: _sh.expand(self, tuple(other.shape))
Tensor.view_as = lambda self, other: _sh.reshape(self, tuple(other.shape))
Tensor.reshape_as = Tensor.view_as
Tensor.where = lambda self, condition, other: _ew.where(condition, self, other)
Tensor.new_tensor = lambda self, data, dtype=None: tensor(data, dtype=dtype or self.dtype)
Tensor.new_zeros = lambda self, *size, dtype=None: zeros(*size, dtype=dtype or self.dtype)
Tensor.new_ones = lambda self, *size, dtype=None: ones(*size, dtype=dtype or self.dtype)
Tensor.new_full = lambda self, size, value, dtype=None: full(size, value, dtype=dtype or self.dtype)
Tensor.new_empty = lambda self, *size, dtype=None: zeros(*size, dtype=dtype or self.dtype)


# ---- PyTorch-parity methods (more maths, scans and order statistics, rearranging, scatter, products, samplers):
# the ops live in ops/maths.py, statistics.py, arrange.py, index.py, products.py, sampling.py ----
from .ops import arrange as _ar, maths as _mt, products as _pr, statistics as _st  # noqa: E402


def _inplace_method(fn, name):
    """fn(self, ...) written back into self: recorded in the graph when self is part of one, as add_ and friends."""
    def method(self, *args, **kwargs):
        if self._in_graph() or (is_grad_enabled() and any(isinstance(a, Tensor) and a.requires_grad for a in args)):
            return self._rebind(lambda old: fn(old, *args, **kwargs))
        self._check_inplace(name)
        out = fn(Tensor._wrap(self._data), *args, **kwargs)._data
        if out.shape == self._data.shape:
            np.copyto(self._data, out, casting="unsafe")
        else:  # shape-changing in-place ops (unsqueeze_, t_, ...) rebind the storage, as a view would
            self._data = out.astype(self._data.dtype, copy=False)
        return self

    method.__name__ = name
    return method


for _name, _fn in {
    "tan": _mt.tan, "atan": _mt.atan, "arctan": _mt.atan, "asin": _mt.asin, "arcsin": _mt.asin, "acos": _mt.acos,
    "arccos": _mt.acos, "sinh": _mt.sinh, "cosh": _mt.cosh, "asinh": _mt.asinh, "arcsinh": _mt.asinh,
    "acosh": _mt.acosh, "arccosh": _mt.acosh, "atanh": _mt.atanh, "arctanh": _mt.atanh, "expm1": _mt.expm1,
    "erfc": _mt.erfc, "lgamma": _mt.lgamma, "digamma": _mt.digamma, "atan2": _mt.atan2, "arctan2": _mt.atan2,
    "hypot": _mt.hypot, "logaddexp": _mt.logaddexp, "logaddexp2": _mt.logaddexp2, "xlogy": _mt.xlogy,
    "fmod": _mt.fmod, "reciprocal": _mt.reciprocal, "negative": _mt.negative, "positive": _mt.positive,
    "absolute": _mt.absolute, "true_divide": _mt.true_divide, "float_power": _mt.float_power,
    "clamp_min": _mt.clamp_min, "clamp_max": _mt.clamp_max, "deg2rad": _mt.deg2rad, "rad2deg": _mt.rad2deg,
    "log10": _mt.log10, "sgn": _mt.sgn, "frac": _mt.frac, "fix": _mt.fix, "logit": _mt.logit, "sinc": _mt.sinc,
    "lerp": _mt.lerp, "addcmul": _mt.addcmul, "addcdiv": _mt.addcdiv, "nan_to_num": _mt.nan_to_num,
    "fmax": _mt.fmax, "fmin": _mt.fmin, "copysign": _mt.copysign, "signbit": _mt.signbit,
    "heaviside": _mt.heaviside, "isposinf": _mt.isposinf, "isneginf": _mt.isneginf, "isreal": _mt.isreal,
    "gcd": _mt.gcd, "lcm": _mt.lcm,
    "logcumsumexp": _st.logcumsumexp, "cumprod": _st.cumprod, "cummax": _st.cummax, "cummin": _st.cummin,
    "median": _st.median, "nanmedian": _st.nanmedian, "kthvalue": _st.kthvalue, "mode": _st.mode,
    "nansum": _st.nansum, "nanmean": _st.nanmean, "aminmax": _st.aminmax, "count_nonzero": _st.count_nonzero,
    "quantile": _st.quantile, "nanquantile": _st.nanquantile,
    "roll": _ar.roll, "rot90": _ar.rot90, "fliplr": _ar.fliplr, "flipud": _ar.flipud, "movedim": _ar.movedim,
    "moveaxis": _ar.movedim, "swapaxes": _ar.swapaxes, "swapdims": _ar.swapaxes, "tile": _ar.tile,
    "ravel": _ar.ravel, "diff": _ar.diff, "tensor_split": _ar.tensor_split, "hsplit": _ar.hsplit,
    "vsplit": _ar.vsplit, "dsplit": _ar.dsplit, "diagonal": _ar.diagonal, "diag": _ar.diag,
    "diag_embed": _ar.diag_embed, "trace": _ar.trace, "unfold": _ar.unfold, "repeat_interleave": _ar.repeat_interleave,
    "scatter": _ix.scatter, "scatter_add": _ix.scatter_add, "scatter_reduce": _ix.scatter_reduce,
    "index_add": _ix.index_add, "index_copy": _ix.index_copy, "index_fill": _ix.index_fill,
    "index_select": _ix.index_select, "masked_select": _ix.masked_select, "take": _ix.take,
    "take_along_dim": _ix.take_along_dim,
    "addmm": _pr.addmm, "addmv": _pr.addmv, "addr": _pr.addr, "baddbmm": _pr.baddbmm, "addbmm": _pr.addbmm,
    "inner": _pr.inner, "kron": _pr.kron, "cross": _pr.cross, "vdot": _pr.vdot, "ger": _la.outer, "dist": _pr.dist,
    "bernoulli": _smp.bernoulli,
}.items():
    setattr(Tensor, _name, _method(_fn))

for _name, _fn in {
    "scatter_": _ix.scatter, "scatter_add_": _ix.scatter_add, "scatter_reduce_": _ix.scatter_reduce,
    "index_add_": _ix.index_add, "index_copy_": _ix.index_copy, "index_fill_": _ix.index_fill,
    "sigmoid_": _ew.sigmoid, "tanh_": _ew.tanh, "log_": _ew.log, "floor_": _ew.floor, "ceil_": _ew.ceil,
    "round_": _ew.round, "trunc_": _ew.trunc, "square_": _ew.square, "reciprocal_": _mt.reciprocal,
    "nan_to_num_": _mt.nan_to_num, "clamp_min_": _mt.clamp_min, "clamp_max_": _mt.clamp_max, "tril_": _sh.tril,
    "triu_": _sh.triu, "sin_": _ew.sin, "cos_": _ew.cos, "log1p_": _ew.log1p, "fmod_": _mt.fmod,
    "remainder_": _ew.remainder, "sign_": _ew.sign, "unsqueeze_": _sh.unsqueeze, "squeeze_": _sh.squeeze,
    "t_": _sh.t, "transpose_": _sh.transpose,
}.items():
    setattr(Tensor, _name, _inplace_method(_fn, _name))

for _name in ("exponential_", "geometric_", "log_normal_", "cauchy_", "random_"):
    setattr(Tensor, _name, _method(getattr(_smp, _name)))
Tensor.polygamma = lambda self, n: _mt.polygamma(n, self)
for _name, _fn in {
    "argwhere": _cmp.argwhere, "unique_consecutive": _cmp.unique_consecutive, "msort": _st.msort, "histc": _st.histc,
    "bincount": _st.bincount, "cov": _st.cov, "corrcoef": _st.corrcoef, "index_put": _ix.index_put_values,
    "masked_scatter": _ix.masked_scatter, "isin": _cmp.isin,
}.items():
    setattr(Tensor, _name, _method(_fn))
Tensor.index_put_ = _inplace_method(_ix.index_put_values, "index_put_")
Tensor.masked_scatter_ = _inplace_method(_ix.masked_scatter, "masked_scatter_")


def _fill_diagonal(self, fill_value, wrap=False):
    if self.ndim < 2 or (self.ndim > 2 and len(set(self.shape)) != 1):
        raise RuntimeError("fill_diagonal_: all dimensions of input must be of equal length (2-D: any shape)")
    out = self._data.copy()
    np.fill_diagonal(out, fill_value, wrap=wrap)
    return Tensor._wrap(out)


def _sum_to_size(self, *size):
    shape = _shape_args(size)
    lead = self.ndim - len(shape)
    out = self.sum(tuple(range(lead))) if lead > 0 else self
    dims = tuple(i for i, n in enumerate(shape) if n == 1 and out.shape[i] != 1)
    return out.sum(dims, keepdim=True) if dims else out


Tensor.fill_diagonal_ = _inplace_method(_fill_diagonal, "fill_diagonal_")
Tensor.sum_to_size = _sum_to_size
Tensor.ndimension = Tensor.dim
Tensor.nelement = Tensor.numel
Tensor.byte = lambda self: self.to(dtypes.uint8)
Tensor.char = lambda self: self.to(dtypes.int8)
Tensor.short = lambda self: self.to(dtypes.int16)
Tensor.H = property(lambda self: self.T)  # real tensors: the conjugate transpose is the transpose
Tensor.mH = property(lambda self: self.mT)
Tensor.stride = lambda self, dim=None: (
    tuple(s // self._data.itemsize for s in self._data.strides) if dim is None
    else self._data.strides[dim] // self._data.itemsize)


def is_tensor(obj):
    return isinstance(obj, Tensor)


def is_floating_point(input):
    return input.is_floating_point()


def numel(input):
    return input.numel()


def logspace(start, end, steps, base=10.0, dtype=None, device=None, requires_grad=False):
    """base ** linspace(start, end, steps)."""
    _check_device(device)
    dtype = dtypes.to_dtype(dtype) or dtypes.get_default_dtype()
    t = Tensor._wrap(np.logspace(start, end, steps, base=base).astype(dtype))
    t.requires_grad = requires_grad
    return t


def randint_like(input, low=0, high=None, *, dtype=None, generator=None, device=None):
    """randint(low, high) (randint_like(input, high): [0, high)) with input's shape and dtype."""
    if high is None:
        low, high = 0, low
    return Tensor._wrap(random.integers(low, high, tuple(input.shape), generator).astype(_like(input, dtype)))
