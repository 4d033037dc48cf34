"""Scans and order statistics: logcumsumexp (a Function), cumprod, cummax/cummin, median, nanmedian, kthvalue, mode,
quantile, nanquantile; and nan-aware or paired reductions: nansum, nanmean, var_mean, std_mean, aminmax,
count_nonzero. Values picked by an index are a gather, so their gradient flows to that index, as in PyTorch.
"""
from collections import namedtuple

import numpy as np

from .. import dtypes
from ..autograd.function import Function
from ..tensor import Tensor
from .reduce import ValuesIndices, _take, _wrap, amax, amin, mean, normalize_dims, sort, std, sum, var



class LogCumSumExp(Function):
    """log(cumsum(exp(a))) along dim, computed by running logaddexp (no overflow)."""

    def forward(self, a, dim=0):
        (self.axis,) = normalize_dims(dim, a.ndim, "logcumsumexp")
        out = np.logaddexp.accumulate(a, axis=self.axis) if a.ndim else a.copy()
        self.save_for_backward(a, out)
        return out

    def backward(self, g):
        # da_j = sum_{i >= j} g_i exp(a_j - out_i): reverse log-cumsum-exps of log|g_i| - out_i, taken separately
        # for the positive and negative g so that no exp overflows
        a, out = self.saved_tensors
        if a.ndim == 0:
            return g
        ax = self.axis

        def reverse_lcse(x):
            return np.flip(np.logaddexp.accumulate(np.flip(x, ax), axis=ax), ax)

        with np.errstate(divide="ignore", invalid="ignore"):
            log_g = np.log(np.abs(g))
            pos = reverse_lcse(np.where(g > 0, log_g, -np.inf) - out)
            neg = reverse_lcse(np.where(g < 0, log_g, -np.inf) - out)
            return np.exp(a + pos) - np.exp(a + neg)


def logcumsumexp(a, dim):
    if a.dtype.kind != "f":
        a = a.to(dtypes.get_default_dtype())
    return LogCumSumExp.apply(a, dim=dim)


def cumprod(a, dim, dtype=None):
    """Running product along dim; with gradients it is a chain of products, exact even where a has zeros."""
    if dtype is not None:
        a = a.to(dtype)
    elif a.dtype.kind in "biu" and a.dtype != np.int64:
        a = a.to(np.int64)
    (axis,) = normalize_dims(dim, a.ndim, "cumprod")
    if not a.requires_grad:
        return _wrap(np.cumprod(a._data, axis=axis) if a.ndim else a._data.copy())
    if a.ndim == 0 or a.shape[axis] < 2:
        return a * 1
    from .shape import stack

    outs = [a.select(axis, 0)]
    for i in range(1, a.shape[axis]):
        outs.append(outs[-1] * a.select(axis, i))
    return stack(outs, axis)


def _cum_extreme(a, dim, largest, op):
    (axis,) = normalize_dims(dim, a.ndim, op)
    if a.ndim == 0:
        return ValuesIndices(a.clone(), _wrap(np.zeros((), np.int64)))
    x = np.moveaxis(a._data, axis, 0)
    idx = np.zeros(x.shape, np.int64)
    if x.shape[0]:
        cur, best = x[0].copy(), np.zeros(x.shape[1:], np.int64)
        for i in range(x.shape[0]):
            # PyTorch: a later equal value takes over (>=), and so does any nan
            take = ((x[i] >= cur) if largest else (x[i] <= cur)) | np.isnan(x[i]) if x.dtype.kind == "f" else \
                ((x[i] >= cur) if largest else (x[i] <= cur))
            cur, best = np.where(take, x[i], cur), np.where(take, i, best)
            idx[i] = best
    idx = np.moveaxis(idx, 0, axis)
    return ValuesIndices(_take(a, idx, axis), _wrap(idx))


def cummax(a, dim):
    """(values, indices) of the running maximum along dim."""
    return _cum_extreme(a, dim, True, "cummax")


def cummin(a, dim):
    """(values, indices) of the running minimum along dim."""
    return _cum_extreme(a, dim, False, "cummin")


def _evenly(a, value):
    """A 0-d result equal to `value` whose gradient is shared evenly by the entries of `a` equal to it (PyTorch's
    backward of the full max/min/median)."""
    mask = a._data == value
    if not mask.any():  # nan
        return _wrap(np.asarray(value, a.dtype)) + a.reshape(-1)[:0].sum()
    picked = a[mask]
    return _wrap(np.asarray(value, a.dtype)) + (picked - picked.detach()).sum() / int(mask.sum())


def _quickselect_index(row, k):
    """The index that PyTorch's CPU kthvalue (quick_select_template, median-of-three, ATen SortingUtils.h) leaves at
    position k of `row`; only needed to pick among equal values the way PyTorch does."""
    v, idx = list(row), list(range(len(row)))

    def gt(x, y):
        return (x != x and y == y) or x > y

    def swap(i, j):
        v[i], v[j] = v[j], v[i]
        idx[i], idx[j] = idx[j], idx[i]

    lo, hi = 0, len(v) - 1
    while hi > lo:
        if hi == lo + 1:
            if gt(v[lo], v[hi]):
                swap(lo, hi)
            break
        swap(lo + (hi - lo) // 2, lo + 1)
        if gt(v[lo + 1], v[hi]):
            swap(lo + 1, hi)
        if gt(v[lo], v[hi]):
            swap(lo, hi)
        if gt(v[lo + 1], v[lo]):
            swap(lo + 1, lo)
        i, j, piv = lo + 1, hi, v[lo]
        while True:
            i += 1
            while gt(piv, v[i]):
                i += 1
            j -= 1
            while gt(v[j], piv):
                j -= 1
            if j < i:
                break
            swap(i, j)
        swap(lo, j)
        if j <= k:
            lo = i
        if j >= k:
            hi = j - 1
    return idx[k]


def _select_along(a, dim, keepdim, op, pick):
    """(values, indices) for one index per slice along dim: pick(rows (M, n) array) -> (M,) indices."""
    (axis,) = normalize_dims(dim, a.ndim, op)
    if a.ndim == 0:
        return ValuesIndices(a.clone(), _wrap(np.zeros((), np.int64)))
    if a.shape[axis] == 0:
        raise IndexError(f"{op}(): Expected reduction dim {axis} to have non-zero size (shape {tuple(a.shape)})")
    rows = np.moveaxis(a._data, axis, -1)
    idx = np.asarray(pick(rows.reshape(-1, rows.shape[-1])), np.int64).reshape(rows.shape[:-1])
    idx = np.expand_dims(idx, axis)
    values = _take(a, idx, axis)
    if not keepdim:
        values, idx = values.squeeze(axis), idx.squeeze(axis)
    return ValuesIndices(values, _wrap(idx))


def kthvalue(a, k, dim=-1, keepdim=False):
    """(values, indices) of the k-th smallest entry (k from 1) along dim; ties resolved as PyTorch's CPU kernel."""
    n = a.shape[normalize_dims(dim, a.ndim, "kthvalue")[0]] if a.ndim else 1
    if not 1 <= k <= n:
        raise IndexError(f"kthvalue(): selected number k out of range for dimension {dim} of size {n}")

    def pick(rows):
        order = np.argsort(rows, axis=1, kind="stable")
        idx = order[:, k - 1]
        kth = np.take_along_axis(rows, idx[:, None], 1)[:, 0]
        tied = ((rows == kth[:, None]) | (np.isnan(rows) & np.isnan(kth)[:, None])).sum(1) > 1
        for r in np.nonzero(tied)[0]:
            idx[r] = _quickselect_index(rows[r], k - 1)
        return idx

    return _select_along(a, dim, keepdim, "kthvalue", pick)


def _nth_element_first_of_equals(n):
    """The index libstdc++'s std::nth_element(first, first, last) leaves first when all n elements are equivalent
    (PyTorch's nanmedian of an all-nan slice): median-of-three partitions with every comparison false."""
    idx, first, last = list(range(n)), 0, n
    depth = 2 * int(np.log2(n)) if n else 0
    while last - first > 3:
        if depth == 0:
            break
        depth -= 1
        mid = first + (last - first) // 2
        idx[first], idx[mid] = idx[mid], idx[first]
        lo, hi = first + 1, last
        while True:
            hi -= 1
            if not lo < hi:
                break
            idx[lo], idx[hi] = idx[hi], idx[lo]
            lo += 1
        if lo <= 0:
            first = lo
        else:
            last = lo
    return idx[0]


def _lower_median_index(rows, ignore_nan):
    order = np.argsort(rows, axis=1, kind="stable")  # nan last; equal values in index order, as PyTorch
    nans = np.isnan(rows).sum(1) if rows.dtype.kind == "f" else np.zeros(len(rows), np.int64)
    if ignore_nan:
        k = np.maximum(rows.shape[1] - nans - 1, 0) // 2
        idx = order[np.arange(len(rows)), k]
        return np.where(nans == rows.shape[1], _nth_element_first_of_equals(rows.shape[1]), idx)
    k = np.where(nans > 0, rows.shape[1] - nans, (rows.shape[1] - 1) // 2)  # a row with nan: its first nan
    return order[np.arange(len(rows)), k]


def median(a, dim=None, keepdim=False):
    """The lower median: of all entries (a 0-d tensor; the gradient is shared by the entries equal to it), or
    (values, indices) along dim. nan wins: a slice with nan has median nan."""
    if dim is None:
        if a.numel() == 0:
            return _wrap(np.asarray(np.nan, a.dtype))
        flat = a._data.reshape(1, -1)
        value = flat[0, _lower_median_index(flat, False)[0]]
        return _evenly(a, value) if a.requires_grad else _wrap(np.asarray(value))
    return _select_along(a, dim, keepdim, "median", lambda rows: _lower_median_index(rows, False))


def nanmedian(a, dim=None, keepdim=False):
    """median ignoring nan (nan only where a slice is all nan)."""
    if dim is None:
        if a.numel() == 0:
            return _wrap(np.asarray(np.nan, a.dtype))
        flat = a._data.reshape(1, -1)
        value = flat[0, _lower_median_index(flat, True)[0]]
        return _evenly(a, value) if a.requires_grad else _wrap(np.asarray(value))
    return _select_along(a, dim, keepdim, "nanmedian", lambda rows: _lower_median_index(rows, True))


def mode(a, dim=-1, keepdim=False):
    """(values, indices): the most frequent value along dim (the smallest among equally frequent ones) and the
    index of its last occurrence, as PyTorch."""
    def pick(rows):
        out = np.empty(len(rows), np.int64)
        for r, row in enumerate(rows):
            vals, counts = np.unique(row, return_counts=True)
            v = vals[np.argmax(counts)]
            out[r] = np.nonzero((row == v) | (np.isnan(row) & np.isnan(v)) if row.dtype.kind == "f" else row == v)[0][-1]
        return out

    return _select_along(a, dim, keepdim, "mode", pick)


def nansum(a, dim=None, keepdim=False, dtype=None):
    """sum treating nan as 0 (their gradient is 0)."""
    if a.dtype.kind == "f":
        from .elementwise import where

        a = where(a.isnan(), 0.0, a)
    return sum(a, dim=dim, keepdim=keepdim, dtype=dtype)


def nanmean(a, dim=None, keepdim=False, dtype=None):
    """mean over the entries that are not nan."""
    if dtype is not None:
        a = a.to(dtype)
    if a.dtype.kind != "f":
        raise RuntimeError(f"nanmean(): expected input to have floating point dtype but got {a.dtype}")
    count = sum(_wrap(~np.isnan(a._data)), dim=dim, keepdim=keepdim)
    return nansum(a, dim=dim, keepdim=keepdim) / count.to(a.dtype)


def var_mean(a, dim=None, unbiased=None, keepdim=False, correction=None):
    """(var, mean) over dim; var_mean(a, unbiased) is accepted as in PyTorch."""
    if isinstance(dim, bool):
        dim, unbiased = None, dim
    return var(a, dim, unbiased, keepdim, correction), mean(a, dim, keepdim)


def std_mean(a, dim=None, unbiased=None, keepdim=False, correction=None):
    """(std, mean) over dim."""
    if isinstance(dim, bool):
        dim, unbiased = None, dim
    return std(a, dim, unbiased, keepdim, correction), mean(a, dim, keepdim)


MinMax = namedtuple("aminmax", ["min", "max"])


def aminmax(a, *, dim=None, keepdim=False):
    """(min, max) over all entries or along dim, as torch.aminmax."""
    if dim is not None and a.ndim:
        (axis,) = normalize_dims(dim, a.ndim, "aminmax")
        if a.shape[axis] == 0:
            raise IndexError(f"aminmax(): Expected reduction dim {axis} to have non-zero size.")
    return MinMax(amin(a, dim=dim, keepdim=keepdim), amax(a, dim=dim, keepdim=keepdim))


def count_nonzero(a, dim=None):
    axes = normalize_dims(dim, a.ndim, "count_nonzero")
    return _wrap(np.count_nonzero(a._data, axis=axes if a.ndim else None).astype(np.int64))


def _quantile(a, q, dim, keepdim, interpolation, ignore_nan, op):
    from .elementwise import where

    if interpolation not in ("linear", "lower", "higher", "midpoint", "nearest"):
        raise ValueError(f"{op}() interpolation must be one of linear, lower, higher, midpoint or nearest. "
                         f"Got {interpolation}")
    if a.dtype not in (np.float32, np.float64):
        raise RuntimeError(f"{op}() input tensor must be either float or double dtype, got {a.dtype}")
    scalar_q = not isinstance(q, Tensor)
    qs = np.asarray(q._data if isinstance(q, Tensor) else q, dtype=np.float64)
    if qs.ndim > 1:
        raise RuntimeError(f"{op}() q must be a scalar or 1D tensor, got shape {qs.shape}")
    if ((qs < 0) | (qs > 1)).any():
        raise RuntimeError(f"{op}() q values must be in the range [0, 1]")
    if a.numel() == 0:
        raise RuntimeError(f"{op}() input tensor must be non-empty")
    x = a.reshape(-1) if dim is None else a
    (axis,) = normalize_dims(-1 if dim is None else dim, x.ndim, op) if x.ndim else (0,)
    x = x.reshape(1) if x.ndim == 0 else x
    xs = sort(x, axis).values
    xs = xs.permute(*[i for i in range(xs.ndim) if i != axis], axis)
    n = xs.shape[-1]
    nan_count = np.isnan(xs._data).sum(-1, keepdims=True)
    qv = qs.reshape(-1)
    if ignore_nan:  # an all-nan slice gets rank 0, a nan
        ranks = np.maximum(qv * (n - nan_count - 1).astype(np.float64), 0)
    else:
        ranks = np.where(nan_count > 0, n - 1, qv * (n - 1))  # a slice with nan gives nan
    if interpolation == "lower":
        ranks = np.floor(ranks)
    elif interpolation == "higher":
        ranks = np.ceil(ranks)
    elif interpolation == "nearest":
        ranks = np.round(ranks)
    below, above = np.floor(ranks).astype(np.int64), np.ceil(ranks).astype(np.int64)
    weight = np.full_like(ranks, 0.5) if interpolation == "midpoint" else ranks - below
    # ranks: (..., Q) per slice; gather the sorted values at both ranks and interpolate (PyTorch's lerp)
    from .index import gather

    lo, hi = gather(xs, -1, _wrap(below)), gather(xs, -1, _wrap(above))
    w = _wrap(weight.astype(a.dtype))
    out = where(w < 0.5, lo + w * (hi - lo), hi - (hi - lo) * (1 - w)) if interpolation in ("linear", "midpoint") \
        else lo
    # (..., Q) -> (Q, ...) with the reduced dim restored by keepdim
    out = out.permute(out.ndim - 1, *range(out.ndim - 1))
    if keepdim:
        if dim is None:
            out = out.reshape((out.shape[0],) + (1,) * a.ndim)
        else:
            out = out.unsqueeze(axis + 1)
    return out[0] if scalar_q or qs.ndim == 0 else out


def quantile(a, q, dim=None, keepdim=False, *, interpolation="linear"):
    """The q-th quantiles along dim (of all entries when dim is None); q a number or a 1-D tensor (a leading dim
    of the output). A slice with nan gives nan."""
    return _quantile(a, q, dim, keepdim, interpolation, False, "quantile")


def nanquantile(a, q, dim=None, keepdim=False, *, interpolation="linear"):
    """quantile ignoring nan (nan only where a slice is all nan)."""
    return _quantile(a, q, dim, keepdim, interpolation, True, "nanquantile")


# ---- histograms, covariance, integration ----


def histc(a, bins=100, min=0, max=0):
    """Counts in `bins` equal bins over [min, max] (the data's range when min == max); values outside are ignored.
    The result has a's dtype."""
    x = a._data
    lo, hi = float(min), float(max)
    if lo == hi and x.size:
        lo, hi = float(x.min()), float(x.max())
    if lo == hi:
        lo, hi = lo - 1, hi + 1
    if lo > hi:
        raise RuntimeError(f"torch.histc: max must be larger than min, got min {min} and max {max}")
    counts, _ = np.histogram(x, bins=bins, range=(lo, hi))
    return _wrap(counts.astype(x.dtype if x.dtype.kind == "f" else dtypes.get_default_dtype()))


def bincount(input, weights=None, minlength=0):
    """Occurrences of each value of a 1-D non-negative integer tensor (summed weights when given)."""
    x = input._data
    if x.ndim != 1 or x.dtype.kind not in "iu":
        raise RuntimeError("bincount only supports 1-d non-negative integral inputs.")
    if x.size and x.min() < 0:
        raise RuntimeError("bincount only supports 1-d non-negative integral inputs.")
    w = None if weights is None else (weights._data if isinstance(weights, Tensor) else np.asarray(weights))
    out = np.bincount(x, w, minlength)
    return _wrap(out.astype(np.int64) if w is None else out.astype(w.dtype if w.dtype.kind == "f" else np.float64))


def msort(a):
    """sort along dim 0 (values only)."""
    return sort(a, 0).values


def cov(a, *, correction=1, fweights=None, aweights=None):
    """Covariance of the rows of a (variables) over its columns (observations); optional integer frequency and
    float observation weights, as torch.cov."""
    x = a.reshape(1, -1) if a.ndim < 2 else a
    if a.ndim > 2:
        raise ValueError(f"cov(): expected input to have two or fewer dimensions but got an input with {a.ndim} "
                         "dimensions")
    n = x.shape[1]
    w = None
    if fweights is not None:
        w = fweights.to(x.dtype)
    if aweights is not None:
        w = aweights.to(x.dtype) if w is None else w * aweights.to(x.dtype)
    if w is None:
        avg = mean(x, 1)
        w_sum = float(n)
        norm = w_sum - correction
    else:
        w_sum_t = sum(w)
        avg = sum(x * w, 1) / w_sum_t
        w_sum = float(w_sum_t.item())
        norm = w_sum - (correction if aweights is None else correction * float(sum(w * aweights.to(x.dtype)).item())
                        / w_sum)
    if norm <= 0:
        import warnings

        warnings.warn("cov(): degrees of freedom is <= 0. Correction should be strictly less than the number of "
                      "observations.", UserWarning, stacklevel=2)
        norm = 0.0
    xm = x - avg.unsqueeze(1)
    c = xm @ (xm if w is None else xm * w).t()
    return (c / norm).squeeze()


def corrcoef(a):
    """Pearson correlation coefficients of the rows of a, clipped to [-1, 1]."""
    from .elementwise import clamp

    c = cov(a)
    if c.ndim == 0:
        return c / c
    std = c.diagonal().sqrt()
    c = c / std.unsqueeze(1)
    c = c / std.unsqueeze(0)
    return clamp(c, -1, 1)


def _spacing(y, x, dx, dim, op):
    from .shape import narrow

    d = normalize_dims(dim, y.ndim, op)[0]
    n = y.shape[d]
    if x is None:
        return d, (1.0 if dx is None else dx)
    if x.ndim == 1:
        if x.shape[0] != n:
            raise RuntimeError(f"{op}: There must be one `x` value for each sample point")
        shape = [1] * y.ndim
        shape[d] = n - 1
        return d, (narrow(x, 0, 1, n - 1) - narrow(x, 0, 0, n - 1)).reshape(shape)
    dd = normalize_dims(dim, x.ndim, op)[0]
    return d, narrow(x, dd, 1, x.shape[dd] - 1) - narrow(x, dd, 0, x.shape[dd] - 1)


def trapezoid(y, x=None, *, dx=None, dim=-1):
    """The trapezoidal rule along dim: sum (y[i] + y[i+1]) / 2 * (x[i+1] - x[i]) (spacing dx, default 1)."""
    from .shape import narrow

    d, h = _spacing(y, x, dx, dim, "trapezoid")
    n = y.shape[d]
    if n == 0:
        return sum(y, d)
    mid = (narrow(y, d, 1, n - 1) + narrow(y, d, 0, n - 1)) * h
    return sum(mid, d) / 2


def cumulative_trapezoid(y, x=None, *, dx=None, dim=-1):
    """The running trapezoidal integral along dim (one entry fewer than y)."""
    from .reduce import cumsum
    from .shape import narrow

    d, h = _spacing(y, x, dx, dim, "cumulative_trapezoid")
    n = y.shape[d]
    mid = (narrow(y, d, 1, max(n - 1, 0)) + narrow(y, d, 0, max(n - 1, 0))) * h
    return cumsum(mid / 2, d)
