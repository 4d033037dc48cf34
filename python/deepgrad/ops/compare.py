"""Comparisons and logical ops: not differentiable, they return bool tensors."""
import numpy as np

from ..tensor import Tensor
from .elementwise import operands


def _wrap(array):
    return Tensor._wrap(np.asarray(array))


def _compare(fn, name):
    def op(a, b):
        a, b = operands(a, b, name)
        return _wrap(fn(a._data, b._data))

    op.__name__ = name
    return op


eq = _compare(np.equal, "eq")
ne = _compare(np.not_equal, "ne")
lt = _compare(np.less, "lt")
le = _compare(np.less_equal, "le")
gt = _compare(np.greater, "gt")
ge = _compare(np.greater_equal, "ge")
logical_and = _compare(np.logical_and, "logical_and")
logical_or = _compare(np.logical_or, "logical_or")
logical_xor = _compare(np.logical_xor, "logical_xor")


def logical_not(a):
    return _wrap(~a._data if a.dtype == np.bool_ else np.logical_not(a._data))


def any(a, dim=None, keepdim=False):
    return _wrap(np.any(a._data, axis=dim, keepdims=keepdim))


def all(a, dim=None, keepdim=False):
    return _wrap(np.all(a._data, axis=dim, keepdims=keepdim))


def isclose(a, b, rtol=1e-05, atol=1e-08, equal_nan=False):
    a, b = operands(a, b, "isclose")
    return _wrap(np.isclose(a._data, b._data, rtol=rtol, atol=atol, equal_nan=equal_nan))


def allclose(a, b, rtol=1e-05, atol=1e-08, equal_nan=False):
    return bool(isclose(a, b, rtol, atol, equal_nan)._data.all())


def equal(a, b):
    return a.shape == b.shape and bool(np.array_equal(a._data, b._data))
