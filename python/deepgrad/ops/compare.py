"""Comparisons, logical and bitwise ops, nonzero and unique: not differentiable (bool or integer results)."""
import numpy as np

from ..tensor import Tensor
from .elementwise import operands


def _wrap(array):
    return Tensor._wrap(np.asarray(array))


def _compare(fn, name, integer_only=False):
    def op(a, b):
        a, b = operands(a, b, name)
        if integer_only and a.dtype.kind not in "biu":
            raise TypeError(f"{name}: only integer and bool tensors are supported, got {a.dtype}")
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


bitwise_and = _compare(np.bitwise_and, "bitwise_and", integer_only=True)
bitwise_or = _compare(np.bitwise_or, "bitwise_or", integer_only=True)
bitwise_xor = _compare(np.bitwise_xor, "bitwise_xor", integer_only=True)


def bitwise_not(a):
    if a.dtype.kind not in "biu":
        raise TypeError(f"bitwise_not: only integer and bool tensors are supported, got {a.dtype}")
    return _wrap(np.invert(a._data))


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


def nonzero(a, as_tuple=False):
    """Indices of the non-zero elements: an (n, ndim) int64 tensor, or one 1-D tensor per dim with as_tuple."""
    idx = np.nonzero(a._data if a.ndim else a._data.reshape(1))
    if as_tuple:
        return tuple(_wrap(i.astype(np.int64)) for i in idx)
    return _wrap(np.stack(idx, axis=1).astype(np.int64) if a.ndim else np.zeros((int(idx[0].size), 0), np.int64))


def unique(a, sorted=True, return_inverse=False, return_counts=False, dim=None):
    if dim is not None:
        raise NotImplementedError("unique: dim is not supported")
    values, inverse, counts = np.unique(a._data, return_inverse=True, return_counts=True)
    out = [_wrap(values)]
    if return_inverse:
        out.append(_wrap(inverse.reshape(a.shape).astype(np.int64)))
    if return_counts:
        out.append(_wrap(counts.astype(np.int64)))
    return out[0] if len(out) == 1 else tuple(out)


# ---- searching and membership (integer and bool results) ----


def _array(x):
    return x._data if isinstance(x, Tensor) else np.asarray(x)


def bucketize(input, boundaries, *, out_int32=False, right=False):
    """The index of the bucket of each value: boundaries[i-1] < x <= boundaries[i] (right=True: <= x <)."""
    idx = np.searchsorted(_array(boundaries), _array(input), side="right" if right else "left")
    return _wrap(idx.astype(np.int32 if out_int32 else np.int64))


def searchsorted(sorted_sequence, values, *, out_int32=False, right=False, side=None, sorter=None):
    """Insertion indices of values into sorted_sequence (1-D, or N-D searched row by row along the last dim)."""
    side = side or ("right" if right else "left")
    seq, vals = _array(sorted_sequence), _array(values)
    if sorter is not None:
        seq = np.take_along_axis(seq, _array(sorter), -1)
    if seq.ndim <= 1:
        idx = np.searchsorted(seq, vals, side=side)
    else:
        if seq.shape[:-1] != vals.shape[:-1]:
            raise RuntimeError(f"torch.searchsorted(): boundaries tensor should be 1 dimension or the first N-1 "
                               f"dimensions of boundaries tensor and input value tensor must match, but we got "
                               f"boundaries tensor {list(seq.shape)} and input value tensor {list(vals.shape)}")
        rows_s, rows_v = seq.reshape(-1, seq.shape[-1]), vals.reshape(-1, vals.shape[-1])
        idx = np.stack([np.searchsorted(s, v, side=side) for s, v in zip(rows_s, rows_v)]).reshape(vals.shape)
    return _wrap(np.asarray(idx).astype(np.int32 if out_int32 else np.int64))


def isin(elements, test_elements, *, assume_unique=False, invert=False):
    return _wrap(np.isin(_array(elements), _array(test_elements), invert=invert))


def argwhere(input):
    """(N, ndim) int64 indices of the non-zero entries, row-major."""
    return _wrap(np.argwhere(_array(input)).astype(np.int64))


def unique_consecutive(input, return_inverse=False, return_counts=False, dim=None):
    """Collapse runs of equal consecutive values (of the flattened input)."""
    if dim is not None:
        raise NotImplementedError("unique_consecutive: dim is not supported")
    x = _array(input).reshape(-1)
    starts = np.ones(len(x), dtype=bool)
    starts[1:] = x[1:] != x[:-1]
    out = [_wrap(x[starts])]
    if return_inverse:
        out.append(_wrap((np.cumsum(starts) - 1).reshape(_array(input).shape).astype(np.int64)))
    if return_counts:
        out.append(_wrap(np.diff(np.append(np.nonzero(starts)[0], len(x))).astype(np.int64)))
    return out[0] if len(out) == 1 else tuple(out)
