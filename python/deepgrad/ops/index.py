"""Indexing: a[index] (basic and advanced), gather; and the public entry points for them."""
import numpy as np

from ..autograd.function import Function, SliceGrad, unbroadcast
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
        if self.basic:  # the engine adds it into the input's gradient in place
            return SliceGrad(self.shape, self.index, g)
        out = np.zeros(self.shape, dtype=g.dtype)
        np.add.at(out, self.index, g)
        return out


class Gather(Function):
    """gather(a, dim, index): out[i][j] = a[i][index[i][j]] along dim (PyTorch semantics)."""

    numpy_may_warn = False  # no floating-point arithmetic that NumPy warns about

    def forward(self, a, dim=0, index=None):
        self.shape, self.dim, self.index = a.shape, dim, index
        if a.ndim == 2 and dim == 1:  # (rows, k) picks per row, as RL's Q(s, a): plain fancy indexing is 3x cheaper
            return a[np.arange(index.shape[0])[:, None], index]
        # PyTorch lets index be smaller than a in the other dims; take_along_axis would broadcast instead
        window = tuple(slice(None) if i == dim else slice(0, n) for i, n in enumerate(index.shape))
        return np.take_along_axis(a[window], index, axis=dim)

    def backward(self, g):
        out = np.zeros(self.shape, dtype=g.dtype)
        if g.ndim == 2 and self.dim == 1 and g.shape[1] == 1:  # one pick per row: no repeats to accumulate
            out[np.arange(g.shape[0]), self.index[:, 0]] = g[:, 0]
            return out
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


# ---- scatter and the index_* family ----


def _full_index(index, dim):
    """Index arrays addressing out[i0, ..., index[i], ...] for every position i of `index` (the dim entry replaced)."""
    idx = [np.arange(n).reshape([-1 if i == k else 1 for k in range(index.ndim)]) for i, n in enumerate(index.shape)]
    idx[dim] = index
    return tuple(idx)


class Scatter(Function):
    """out = a, then out[index[i] along dim] = src[i] (or reduced into it: 'sum', 'prod', 'mean', 'amax', 'amin',
    with or without a's own value), for every position i of index; src may be larger than index."""

    def forward(self, a, src, dim=0, index=None, reduce=None, include_self=True):
        self.idx, self.reduce, self.include_self = _full_index(index, dim), reduce, include_self
        self.window = tuple(slice(0, n) for n in index.shape)
        self.src_shape = src.shape
        s = src[self.window]
        out = a.copy()
        if reduce is None:
            out[self.idx] = s
            return out
        hit = np.zeros(a.shape, dtype=bool)
        hit[self.idx] = True
        count = np.zeros(a.shape, dtype=a.dtype)
        np.add.at(count, self.idx, 1)
        if not include_self:
            identity = {"sum": 0, "mean": 0, "prod": 1, "amax": -np.inf, "amin": np.inf}[reduce]
            out[hit] = identity
        ufunc = {"sum": np.add, "mean": np.add, "prod": np.multiply, "amax": np.maximum, "amin": np.minimum}[reduce]
        ufunc.at(out, self.idx, s)
        if reduce == "mean":
            count += include_self
            out = np.where(hit, out / np.maximum(count, 1), out).astype(a.dtype, copy=False)
        self.save_for_backward(a, s, out, hit, count)
        return out

    def backward(self, g):
        if self.reduce is None:
            ga = g.copy()
            ga[self.idx] = 0
            gs = g[self.idx]
        else:
            a, s, out, hit, count = self.saved_tensors
            if self.reduce == "sum":
                ga, gs = g, g[self.idx]
            elif self.reduce == "mean":
                gm = np.where(hit, g / np.maximum(count, 1), g)
                ga, gs = gm, gm[self.idx]
            elif self.reduce == "prod":
                with np.errstate(all="ignore"):
                    ga, gs = g * out / a, (g * out)[self.idx] / s
            else:  # amax / amin: shared evenly by the values equal to the result (a's own included)
                self_hit = (a == out) & self.include_self | ~hit
                ties = self_hit.astype(g.dtype)
                np.add.at(ties, self.idx, s == out[self.idx])
                share = g / np.maximum(ties, 1)
                ga, gs = np.where(self_hit, share, 0), np.where(s == out[self.idx], share[self.idx], 0)
            if not self.include_self:
                ga = np.where(hit, 0, ga)
        gsrc = None
        if self.needs_input_grad[1]:
            gsrc = np.zeros(self.src_shape, dtype=g.dtype)
            gsrc[self.window] = gs
        return ga, gsrc


def _scatter_args(input, dim, index, src, op):
    from .elementwise import cast

    idx = index._data if isinstance(index, Tensor) else np.asarray(index)
    if idx.dtype.kind not in "iu":
        raise RuntimeError(f"{op}(): Expected dtype int64 for index")
    if idx.ndim != input.ndim and not (idx.ndim <= 1 and input.ndim <= 1):
        raise RuntimeError(f"{op}(): Index tensor must have the same number of dimensions as self tensor "
                           f"(index {tuple(idx.shape)}, self {tuple(input.shape)})")
    d = dim % max(input.ndim, 1)
    if not isinstance(src, Tensor):
        src = Tensor._wrap(np.full(idx.shape, src, dtype=input.dtype))
    elif src.dtype != input.dtype:
        src = cast(src, input.dtype)
    if idx.size:
        if any(idx.shape[k] > src.shape[k] for k in range(idx.ndim)) or \
                any(idx.shape[k] > input.shape[k] for k in range(idx.ndim) if k != d):
            raise RuntimeError(f"{op}(): Expected index {list(idx.shape)} to be smaller than self {list(input.shape)} "
                               f"apart from dimension {d} and to be smaller size than src {list(src.shape)}")
        n = input.shape[d] if input.ndim else 1
        if idx.min() < -n or idx.max() >= n:
            raise RuntimeError(f"{op}(): index {int(idx.max() if idx.max() >= n else idx.min())} is out of bounds for "
                               f"dimension {d} with size {n}")
    return d, np.where(idx < 0, idx + (input.shape[d] if input.ndim else 1), idx).astype(np.int64), src


def scatter(input, dim, index, src=None, value=None, *, reduce=None):
    """A copy of input with input[index[i] along dim] = src[i] (src a tensor or a number; `value=` too);
    reduce='add' or 'multiply' accumulates instead (PyTorch's deprecated form)."""
    if src is None:
        src = value
    if reduce not in (None, "add", "multiply"):
        raise RuntimeError(f"scatter(): reduce argument must be either add or multiply, got {reduce}")
    d, idx, src = _scatter_args(input, dim, index, src, "scatter")
    if input.ndim == 0:
        return Scatter.apply(input.reshape(1), src.reshape(-1), dim=0, index=idx.reshape(-1),
                             reduce={"add": "sum", "multiply": "prod"}.get(reduce)).reshape(())
    return Scatter.apply(input, src, dim=d, index=idx, reduce={"add": "sum", "multiply": "prod"}.get(reduce))


def scatter_add(input, dim, index, src):
    """A copy of input with src[i] added at input[index[i] along dim] (repeated indices accumulate)."""
    d, idx, src = _scatter_args(input, dim, index, src, "scatter_add")
    return Scatter.apply(input, src, dim=d, index=idx, reduce="sum")


def scatter_reduce(input, dim, index, src, reduce, *, include_self=True):
    """Reduce src into input at index along dim: reduce in 'sum', 'prod', 'mean', 'amax', 'amin'; include_self=False
    leaves input's own value out where something is scattered."""
    if reduce not in ("sum", "prod", "mean", "amax", "amin"):
        raise RuntimeError(f"reduce argument must be either sum, prod, mean, amax or amin, got {reduce}")
    d, idx, src = _scatter_args(input, dim, index, src, "scatter_reduce")
    return Scatter.apply(input, src, dim=d, index=idx, reduce=reduce, include_self=include_self)


def _index_1d(index, op):
    idx = index._data if isinstance(index, Tensor) else np.asarray(index)
    if idx.ndim > 1:
        raise IndexError(f"{op}(): Index is supposed to be a vector, got shape {tuple(idx.shape)}")
    if idx.dtype.kind not in "iu":
        raise IndexError(f"{op}(): Expected dtype int32/int64 for index but got: {idx.dtype}")
    return idx.reshape(-1).astype(np.int64)


def index_select(input, dim, index):
    """The slices input[..., index[i], ...] along dim, in index's order."""
    idx = _index_1d(index, "index_select")
    if input.ndim == 0:
        return input[idx]
    d = dim % input.ndim
    return input[(slice(None),) * d + (idx,)]


def index_add(input, dim, index, source, *, alpha=1):
    """A copy of input with alpha * source's slices added at the indices `index` along dim."""
    idx = _index_1d(index, "index_add")
    d = dim % max(input.ndim, 1)
    src = source if alpha == 1 else source * alpha
    if input.ndim == 0:
        return scatter_add(input, 0, idx.reshape(src.shape), src)
    full = np.broadcast_to(idx.reshape([-1 if k == d else 1 for k in range(src.ndim)]), tuple(src.shape))
    return scatter_add(input, d, full, src)


def index_copy(input, dim, index, source):
    """A copy of input with the slices at `index` along dim replaced by source's."""
    idx = _index_1d(index, "index_copy")
    d = dim % max(input.ndim, 1)
    return index_put(input, (slice(None),) * d + (idx,), source)


def index_fill(input, dim, index, value):
    """A copy of input with the slices at `index` along dim set to value (a number or a 0-d tensor)."""
    from .elementwise import where

    idx = _index_1d(index, "index_fill")
    d = dim % max(input.ndim, 1)
    mask = np.zeros(input.shape[d] if input.ndim else 1, dtype=bool)
    mask[idx] = True
    mask = mask.reshape([-1 if k == d else 1 for k in range(input.ndim)]) if input.ndim else mask.reshape(())
    if not isinstance(value, Tensor):
        value = Tensor._wrap(np.asarray(value).astype(input.dtype))
    return where(Tensor._wrap(mask), value, input)


def masked_select(input, mask):
    """The entries of input where mask holds (both broadcast), as a 1-D tensor."""
    m = mask._data if isinstance(mask, Tensor) else np.asarray(mask)
    if m.dtype != np.bool_:
        raise RuntimeError(f"masked_select: expected BoolTensor for mask, got {m.dtype}")
    shape = np.broadcast_shapes(tuple(input.shape), m.shape)
    x = input if tuple(input.shape) == shape else input.expand(*shape)
    return x[np.broadcast_to(m, shape)]


def take(input, index):
    """input flattened, indexed by index (the result has index's shape)."""
    idx = index._data if isinstance(index, Tensor) else np.asarray(index)
    return input.reshape(-1)[idx.astype(np.int64)]


def take_along_dim(input, indices, dim=None):
    """gather with broadcasting: input and indices broadcast in every dim but dim; dim=None flattens both."""
    idx = indices._data if isinstance(indices, Tensor) else np.asarray(indices)
    if dim is None:
        return input.reshape(-1)[idx.reshape(-1).astype(np.int64)]
    d = dim % max(input.ndim, 1)
    if idx.ndim != input.ndim:
        raise RuntimeError(f"torch.take_along_dim(): input and indices should have the same number of dimensions, "
                           f"but got {input.ndim} dimensions for input, and {idx.ndim} dimensions for indices")
    shape_in, shape_ix = list(input.shape), list(idx.shape)
    shape_in[d] = shape_ix[d] = 1
    common = np.broadcast_shapes(tuple(shape_in), tuple(shape_ix))
    x_shape = tuple(input.shape[d] if k == d else n for k, n in enumerate(common))
    i_shape = tuple(idx.shape[d] if k == d else n for k, n in enumerate(common))
    x = input if tuple(input.shape) == x_shape else input.expand(*x_shape)
    return gather(x, d, np.broadcast_to(idx, i_shape).astype(np.int64))


def index_put_values(input, indices, values, accumulate=False):
    """Tensor.index_put: a copy of input with input[indices] = values (accumulate=True adds, repeated indices
    included); indices is a tuple of index tensors."""
    indices = tuple(indices)
    if not accumulate:
        return index_put(input, indices, values)
    arrays = [i._data if isinstance(i, Tensor) else np.asarray(i) for i in indices]
    if any(a.dtype == np.bool_ for a in arrays):
        arrays = list(np.nonzero(arrays[0])) + arrays[1:] if len(arrays) == 1 else arrays
    if any(a.dtype.kind not in "iu" for a in arrays):
        raise NotImplementedError("index_put(accumulate=True): only integer (or one boolean) index tensors")
    arrays = np.broadcast_arrays(*arrays)
    k = len(arrays)
    lead = int(np.prod(input.shape[:k]))
    rest = tuple(input.shape[k:])
    flat = np.ravel_multi_index(tuple(np.where(a < 0, a + n, a) for a, n in zip(arrays, input.shape)),
                                input.shape[:k]).reshape(-1)
    if not isinstance(values, Tensor):
        values = Tensor._wrap(np.asarray(values, dtype=input.dtype))
    v = values.expand(*(arrays[0].shape + rest)).reshape((-1,) + rest)
    return index_add(input.reshape((lead,) + rest), 0, flat, v).reshape(tuple(input.shape))


def masked_scatter(input, mask, source):
    """A copy of input with the entries where mask holds (broadcast) taken, in order, from source's first entries."""
    m = np.broadcast_to(mask._data if isinstance(mask, Tensor) else np.asarray(mask), tuple(input.shape))
    k = int(m.sum())
    if source.numel() < k:
        raise RuntimeError(f"masked_scatter: expected source to have at least {k} elements, got {source.numel()}")
    return index_put(input, np.ascontiguousarray(m), source.reshape(-1)[:k])
