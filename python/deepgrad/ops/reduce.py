"""Reductions over all elements or over `dim`: sum, max/min (values and indices), softmax, log_softmax."""
import builtins
from collections import namedtuple

import numpy as np

from .. import _C, dtypes
from ..autograd.function import Function, records_graph
from ..tensor import Tensor


def normalize_dims(dim, ndim, op):
    """dim (int, tuple or None) -> tuple of non-negative axes, with PyTorch's error for out-of-range dims."""
    if dim is None:
        return tuple(range(ndim))
    if type(dim) is int and -ndim <= dim < ndim:  # the common case, without the general path's cost
        return (dim % ndim,)
    dims = (dim,) if isinstance(dim, (int, np.integer)) else tuple(dim)
    out = []
    for d in dims:
        lo, hi = (-1, 0) if ndim == 0 else (-ndim, ndim - 1)
        if not lo <= d <= hi:
            raise IndexError(f"{op}: dimension out of range (expected to be in range of [{lo}, {hi}], but got {d})")
        out.append(int(d) % builtins.max(ndim, 1))
    return tuple(sorted(set(out)))


def expand_reduced(g, shape, axes, keepdim):
    """Broadcast a reduced gradient back over the reduced axes of `shape`."""
    if not keepdim and axes and len(shape) > 0:
        g = np.expand_dims(g, axes)
    return np.broadcast_to(g, shape)


class Sum(Function):
    def forward(self, a, dim=None, keepdim=False):
        self.shape = a.shape
        self.axes = normalize_dims(dim, a.ndim, "sum")
        self.keepdim = keepdim
        return a.sum(axis=self.axes if a.ndim else None, keepdims=keepdim)

    def backward(self, g):
        return expand_reduced(g, self.shape, self.axes, self.keepdim)


class Mean(Sum):
    """The sum divided by the number of reduced elements, in one node (as sum then divide, bit for bit)."""

    def forward(self, a, dim=None, keepdim=False):
        total = Sum.forward(self, a, dim, keepdim)
        self.count = a.dtype.type(int(np.prod([a.shape[i] for i in self.axes])) if a.ndim else 1)
        return total / self.count

    def backward(self, g):
        return Sum.backward(self, g / self.count)


class AMax(Function):
    """max/min over dims with the gradient shared evenly between ties (PyTorch's amax and full max)."""

    def forward(self, a, dim=None, keepdim=False, largest=True):
        axes = normalize_dims(dim, a.ndim, "max" if largest else "min")
        if a.size == 0:
            raise RuntimeError(f"{'max' if largest else 'min'}(): expected a non-empty tensor, got shape {a.shape}")
        red = np.max if largest else np.min
        out_keep = red(a, axis=axes if a.ndim else None, keepdims=True)
        self.save_for_backward(a, out_keep)
        self.axes, self.keepdim = axes, keepdim
        return out_keep if keepdim else out_keep.reshape([n for i, n in enumerate(a.shape) if i not in axes])

    def backward(self, g):
        a, out_keep = self.saved_tensors
        mask = a == out_keep
        count = mask.sum(axis=self.axes if a.ndim else None, keepdims=True)
        g = expand_reduced(g, out_keep.shape, self.axes, self.keepdim) if not self.keepdim else g
        return np.where(mask, g / count, 0).astype(a.dtype, copy=False)


class MaxDim(Function):
    """Values of max/min along one dim; the indices are kept in self.indices. Gradient goes to the index."""

    @staticmethod
    def compute(a, dim, keepdim, largest):
        """(values, int64 indices, indices with the reduced axis kept, axis): also the lean path of max/min."""
        (axis,) = normalize_dims(dim, a.ndim, "max" if largest else "min")
        if not a.ndim:
            return a.copy(), np.zeros((), dtype=np.int64), None, axis
        if a.shape[axis] == 0:
            raise IndexError(f"max(): cannot reduce over a zero-size dimension {dim} of shape {a.shape}")
        # (array methods: a third of the cost of the np.* wrappers on small arrays)
        index = (a.argmax if largest else a.argmin)(axis=axis, keepdims=True).astype(np.int64, copy=False)
        # the reduction gives the same values as indexing at the arg (NaN included) and is much cheaper
        values = (a.max if largest else a.min)(axis=axis, keepdims=keepdim)
        return values, (index if keepdim else index.squeeze(axis)), index, axis

    def forward(self, a, dim=0, keepdim=False, largest=True):
        values, self.indices, self.index, self.axis = self.compute(a, dim, keepdim, largest)
        self.shape, self.keepdim = a.shape, keepdim
        return values

    def backward(self, g):
        if not self.shape:
            return g
        if not self.keepdim:
            g = np.expand_dims(g, self.axis)
        out = np.zeros(self.shape, dtype=g.dtype)
        np.put_along_axis(out, self.index, g, axis=self.axis)
        return out


class Softmax(Function):
    """softmax along `dim`; rows along the last axis of float arrays go through the C++ kernel."""

    numpy_may_warn = False  # the C++ kernel, or the NumPy fallback with warnings off

    log = False

    @classmethod
    def compute(cls, a, dim):
        """The forward arithmetic (also the lean path of softmax() and log_softmax()): (output, axis)."""
        (axis,) = normalize_dims(dim, a.ndim, "log_softmax" if cls.log else "softmax")
        if _row_kernel_fits(a, axis):
            out = np.empty(a.shape, a.dtype)
            _C.softmax_forward(out, a if a.flags.c_contiguous else np.ascontiguousarray(a), cls.log)
        else:
            with np.errstate(all="ignore"):
                out = cls._numpy_forward(a, axis)
        return out, axis

    def forward(self, a, dim=-1):
        out, self.axis = self.compute(a, dim)
        self.save_for_backward(out)
        return out

    @staticmethod
    def _numpy_forward(a, axis):
        e = np.exp(a - a.max(axis=axis, keepdims=True))
        return e / e.sum(axis=axis, keepdims=True)

    def backward(self, g):
        (out,) = self.saved_tensors
        if _row_kernel_fits(out, self.axis) and g.dtype == out.dtype:
            dx = np.empty(out.shape, out.dtype)
            _C.softmax_backward(dx, out, np.ascontiguousarray(g), self.log)
            return dx
        return self._numpy_backward(out, g, self.axis)

    @staticmethod
    def _numpy_backward(s, g, axis):
        return s * (g - (g * s).sum(axis=axis, keepdims=True))


class LogSoftmax(Softmax):
    log = True

    @staticmethod
    def _numpy_forward(a, axis):
        shifted = a - a.max(axis=axis, keepdims=True)
        return shifted - np.log(np.exp(shifted).sum(axis=axis, keepdims=True))

    @staticmethod
    def _numpy_backward(out, g, axis):
        return g - np.exp(out) * g.sum(axis=axis, keepdims=True)


def _row_kernel_fits(a, axis):
    """Whether the rows kernel handles softmax of `a` along `axis`: the last axis of a non-empty float array."""
    return axis == a.ndim - 1 and a.size > 0 and a.dtype in (np.float32, np.float64)


class LogSumExp(Function):
    def forward(self, a, dim=None, keepdim=False):
        axes = normalize_dims(dim, a.ndim, "logsumexp")
        m = a.max(axis=axes, keepdims=True) if a.size else np.zeros([1] * a.ndim, a.dtype)
        m = np.where(np.isfinite(m), m, 0)
        out_keep = np.log(np.exp(a - m).sum(axis=axes, keepdims=True)) + m
        self.save_for_backward(a, out_keep)
        self.axes, self.keepdim = axes, keepdim
        return out_keep if keepdim else out_keep.reshape([n for i, n in enumerate(a.shape) if i not in axes])

    def backward(self, g):
        a, out_keep = self.saved_tensors
        if not self.keepdim:
            g = np.expand_dims(g, self.axes)
        return g * np.exp(a - out_keep)


class Norm2(Function):
    """sqrt(sum(a^2)) over dims; the gradient a / norm is 0 where the norm is 0 (PyTorch's subgradient)."""

    def forward(self, a, dim=None, keepdim=False):
        axes = normalize_dims(dim, a.ndim, "norm")
        out_keep = np.sqrt(np.sum(a * a, axis=axes if a.ndim else None, keepdims=True))
        self.save_for_backward(a, out_keep)
        self.axes, self.keepdim = axes, keepdim
        return out_keep if keepdim else out_keep.reshape([n for i, n in enumerate(a.shape) if i not in axes])

    def backward(self, g):
        a, out_keep = self.saved_tensors
        if not self.keepdim and a.ndim:
            g = np.expand_dims(g, self.axes)
        safe = np.where(out_keep == 0, 1, out_keep)
        return np.where(out_keep == 0, 0, g * a / safe)


class Cumsum(Function):
    def forward(self, a, dim=0):
        (self.axis,) = normalize_dims(dim, a.ndim, "cumsum")
        return np.cumsum(a, axis=self.axis) if a.ndim else a.copy()

    def backward(self, g):
        if g.ndim == 0:
            return g
        return np.flip(np.cumsum(np.flip(g, self.axis), axis=self.axis), self.axis)


# ---- entry points ----

ValuesIndices = namedtuple("ValuesIndices", ["values", "indices"])


def _wrap(array):
    return Tensor._wrap(np.asarray(array))


def sum(a, dim=None, keepdim=False, dtype=None):
    if dtype is not None:
        a = a.to(dtype)
    elif a.dtype.kind in "biu" and a.dtype != np.int64:
        a = a.to(np.int64)
    return Sum.apply(a, dim=dim, keepdim=keepdim)


def mean(a, dim=None, keepdim=False, dtype=None):
    if dtype is not None:
        a = a.to(dtype)
    if a.dtype.kind != "f":
        raise RuntimeError(f"mean(): could not infer output dtype. Input dtype must be floating point, got {a.dtype}")
    return Mean.apply(a, dim=dim, keepdim=keepdim)


def var(a, dim=None, unbiased=None, keepdim=False, correction=None):
    """Variance with Bessel's correction by default (correction=1), as torch.var."""
    if correction is None:
        correction = 1 if unbiased is None or unbiased else 0
    axes = normalize_dims(dim, a.ndim, "var")
    count = int(np.prod([a.shape[i] for i in axes])) if a.ndim else 1
    centered = a - mean(a, dim=axes, keepdim=True)
    return sum(centered * centered, dim=axes, keepdim=keepdim) / builtins.max(count - correction, 0)


def std(a, dim=None, unbiased=None, keepdim=False, correction=None):
    return var(a, dim, unbiased, keepdim, correction).sqrt()


def _max_or_min(a, dim, keepdim, largest):
    if isinstance(dim, Tensor):
        from .elementwise import maximum, minimum

        return maximum(a, dim) if largest else minimum(a, dim)
    if dim is None:
        return AMax.apply(a, largest=largest)
    if not records_graph(a):  # the lean path: no graph node
        values, indices, _, _ = MaxDim.compute(a._data, dim, keepdim, largest)
        return ValuesIndices(_wrap(values), _wrap(indices))
    values = MaxDim.apply(a, dim=dim, keepdim=keepdim, largest=largest)
    return ValuesIndices(values, _wrap(values._ctx.indices))


def _indices(a, dim, keepdim, largest):
    (axis,) = normalize_dims(dim, a.ndim, "max")
    if a.ndim == 0:
        return np.zeros((), dtype=np.int64)
    idx = (np.argmax if largest else np.argmin)(a._data, axis=axis)
    return np.expand_dims(idx, axis) if keepdim else idx


def max(a, dim=None, keepdim=False):
    return _max_or_min(a, dim, keepdim, True)


def min(a, dim=None, keepdim=False):
    return _max_or_min(a, dim, keepdim, False)


def amax(a, dim=None, keepdim=False):
    return AMax.apply(a, dim=dim, keepdim=keepdim, largest=True)


def amin(a, dim=None, keepdim=False):
    return AMax.apply(a, dim=dim, keepdim=keepdim, largest=False)


def argmax(a, dim=None, keepdim=False):
    if dim is None:
        return _wrap(np.int64(np.argmax(a._data)).reshape((1,) * a.ndim if keepdim else ()))
    return _wrap(_indices(a, dim, keepdim, True).astype(np.int64))


def argmin(a, dim=None, keepdim=False):
    if dim is None:
        return _wrap(np.int64(np.argmin(a._data)).reshape((1,) * a.ndim if keepdim else ()))
    return _wrap(_indices(a, dim, keepdim, False).astype(np.int64))


def softmax(a, dim=None, dtype=None):
    return _softmax(Softmax, a, dim, dtype)


def log_softmax(a, dim=None, dtype=None):
    return _softmax(LogSoftmax, a, dim, dtype)


def _softmax(op, a, dim, dtype):
    if dtype is not None:
        a = a.to(dtype)
    dim = -1 if dim is None else dim
    if not records_graph(a):  # the lean path: no graph node
        return Tensor._wrap(op.compute(a._data, dim)[0])
    return op.apply(a, dim=dim)


def logsumexp(a, dim, keepdim=False):
    if a.dtype.kind != "f":
        a = a.to(dtypes.get_default_dtype())
    return LogSumExp.apply(a, dim=dim, keepdim=keepdim)


def prod(a, dim=None, keepdim=False):
    """Product as exp(sum(log|a|)) with the sign tracked would lose zeros; use the direct composition instead."""
    if a.dtype.kind in "biu" and a.dtype != np.int64:
        a = a.to(np.int64)
    if dim is None:
        a, dim = a.reshape(-1), 0
    (axis,) = normalize_dims(dim, a.ndim, "prod")
    out = a.select(axis, 0) if a.shape[axis] else _wrap(np.ones([n for i, n in enumerate(a.shape) if i != axis], a.dtype))
    for i in range(1, a.shape[axis]):
        out = out * a.select(axis, i)
    return out.unsqueeze(axis) if keepdim else out


def norm(a, p="fro", dim=None, keepdim=False):
    if p == 2 or p == "fro" or p is None:
        return Norm2.apply(a, dim=dim, keepdim=keepdim)
    if p == 1:
        return sum(a.abs(), dim=dim, keepdim=keepdim)
    if p == float("inf"):
        return amax(a.abs(), dim=dim, keepdim=keepdim)
    if p == -float("inf"):
        return amin(a.abs(), dim=dim, keepdim=keepdim)
    from .elementwise import _step, where

    if p == 0:  # the number of non-zero entries, with a zero gradient
        return sum(_step(lambda x: (x != 0).astype(x.dtype), "nonzero")(a), dim=dim, keepdim=keepdim)

    # a zero vector has a zero gradient (PyTorch's subgradient) instead of 0 * inf; so has a zero entry when
    # 0 < p < 1 (for p < 0 a zero entry makes |0|^p = inf and the norm 0, as in PyTorch)
    ax = a.abs()
    if 0 < p < 1:
        nz = ax != 0
        powered = where(nz, where(nz, ax, 1.0) ** p, 0.0)
    else:
        powered = ax ** p
    s = sum(powered, dim=dim, keepdim=keepdim)
    zero = s == 0
    return where(zero, 0.0, where(zero, 1.0, s) ** (1.0 / p))


def cumsum(a, dim, dtype=None):
    if dtype is not None:
        a = a.to(dtype)
    elif a.dtype.kind in "biu" and a.dtype != np.int64:
        a = a.to(np.int64)
    return Cumsum.apply(a, dim=dim)


def _take(a, idx, dim):
    from .index import gather

    return gather(a, dim, _wrap(idx))


def argsort(a, dim=-1, descending=False, stable=False):
    (axis,) = normalize_dims(dim, a.ndim, "argsort")
    x = a._data if a.ndim else a._data.reshape(1)
    # a stable sort of -x would reorder equal values; flipping a stable ascending sort keeps ties reversed,
    # so sort the negation for floats and the bitwise complement for integers instead
    key = x if not descending else (~x if x.dtype.kind in "iu" else -x.astype(np.float64) if x.dtype == np.bool_ else -x)
    idx = np.argsort(key, axis=axis, kind="stable").astype(np.int64)
    return _wrap(idx if a.ndim else idx.reshape(()))


def sort(a, dim=-1, descending=False, stable=False):
    """(values, indices) sorted along dim; the values are a gather, so the gradient flows back to the inputs."""
    idx = argsort(a, dim, descending)
    if a.ndim == 0:
        return ValuesIndices(a.clone(), idx)
    return ValuesIndices(_take(a, idx._data, normalize_dims(dim, a.ndim, "sort")[0]), idx)


def topk(a, k, dim=-1, largest=True, sorted=True):
    (axis,) = normalize_dims(dim, a.ndim, "topk")
    n = a.shape[axis] if a.ndim else 1
    if not 0 <= k <= n:
        raise RuntimeError(f"topk: k ({k}) is out of range for dimension {dim} of size {n} (shape {tuple(a.shape)})")
    idx = argsort(a, dim, descending=largest)._data
    if a.ndim == 0:
        return ValuesIndices(a.clone(), _wrap(idx))
    idx = np.take(idx, np.arange(k), axis=axis)
    return ValuesIndices(_take(a, idx, axis), _wrap(idx))

