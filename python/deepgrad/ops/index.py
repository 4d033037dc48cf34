"""Indexing: a[index] (basic and advanced), gather; and the public entry points for them."""
import numpy as np

from ..autograd.function import Function, unbroadcast
from ..tensor import Tensor


def _is_basic_index(index):
    items = index if isinstance(index, tuple) else (index,)
    return all(isinstance(i, (int, np.integer, slice, type(None), type(Ellipsis))) for i in items)


class Index(Function):
    """a[index] with ints, slices, None, Ellipsis, integer arrays and boolean masks (NumPy semantics)."""

    numpy_may_warn = False  # no floating-point arithmetic that NumPy warns about

    def forward(self, a, index=None):
        self.shape, self.dtype, self.index = a.shape, a.dtype, index
        self.basic = _is_basic_index(index)
        return a[index]

    def backward(self, g):
        out = np.zeros(self.shape, dtype=g.dtype)
        if self.basic:
            out[self.index] = g
        else:
            np.add.at(out, self.index, g)
        return out


class Gather(Function):
    """gather(a, dim, index): out[i][j] = a[i][index[i][j]] along dim (PyTorch semantics)."""

    numpy_may_warn = False  # no floating-point arithmetic that NumPy warns about

    def forward(self, a, dim=0, index=None):
        self.shape, self.dim, self.index = a.shape, dim, index
        # PyTorch lets index be smaller than a in the other dims; take_along_axis would broadcast instead
        window = tuple(slice(None) if i == dim else slice(0, n) for i, n in enumerate(index.shape))
        return np.take_along_axis(a[window], index, axis=dim)

    def backward(self, g):
        out = np.zeros(self.shape, dtype=g.dtype)
        idx = [np.arange(n).reshape([-1 if i == k else 1 for k in range(g.ndim)]) for i, n in enumerate(g.shape)]
        idx[self.dim] = self.index
        np.add.at(out, tuple(idx), g)
        return out


class IndexPut(Function):
    """a with a[index] = v (out of place: the result is a new array); v broadcasts to a[index]'s shape."""

    def forward(self, a, v, index=None):
        self.index, self.v_shape = index, v.shape
        out = a.copy()
        out[index] = v
        return out

    def backward(self, g):
        ga = None
        if self.needs_input_grad[0]:
            ga = g.copy()
            ga[self.index] = 0
        gv = unbroadcast(g[self.index], self.v_shape) if self.needs_input_grad[1] else None
        return ga, gv


def convert_index(index):
    """Tensors inside an index become NumPy arrays; lists of ints become integer arrays."""
    def conv(i):
        if isinstance(i, Tensor):
            return i._data
        if isinstance(i, list):
            if not i:
                return np.zeros(0, dtype=np.int64)
            return np.asarray([x._data if isinstance(x, Tensor) else x for x in i])
        return i

    # PyTorch (still, in 2.x) reads a list holding sequences, slices, None or Ellipsis as a tuple of indices
    if isinstance(index, list) and any(isinstance(i, (list, tuple, slice, type(None), type(Ellipsis), Tensor)) for i in index):
        index = tuple(index)
    return tuple(conv(i) for i in index) if isinstance(index, tuple) else conv(index)


def getitem(a, index):
    index = convert_index(index)
    try:
        return Index.apply(a, index=index)
    except IndexError as e:
        raise IndexError(f"index: {e} (tensor of shape {tuple(a.shape)})") from None


def index_put(a, index, value):
    """a[index] = value recorded in the graph (Tensor.__setitem__ on tensors that take part in autograd)."""
    from .elementwise import cast

    if not isinstance(value, Tensor):
        value = Tensor._wrap(np.asarray(value).astype(a.dtype))
    elif value.dtype != a.dtype:
        value = cast(value, a.dtype)
    return IndexPut.apply(a, value, index=convert_index(index))


def gather(a, dim, index):
    idx = index._data if isinstance(index, Tensor) else np.asarray(index)
    if idx.dtype.kind not in "iu":
        raise RuntimeError(f"gather: expected an integer index, got {idx.dtype}")
    if idx.ndim != a.ndim:
        raise RuntimeError(f"gather: index {tuple(idx.shape)} and input {tuple(a.shape)} must have the same ndim")
    dim = dim % max(a.ndim, 1)
    return Gather.apply(a, dim=dim, index=idx)


def masked_fill(a, mask, value):
    from .elementwise import cast, where

    # the fill value takes the tensor's dtype: masked_fill never changes the result's dtype
    if not isinstance(value, Tensor):
        value = Tensor._wrap(np.asarray(value).astype(a.dtype))
    elif value.dtype != a.dtype:
        value = cast(value, a.dtype)
    return where(mask, value, a)
