"""Shape ops: reshape, permute, expand, cat, index, gather; views in NumPy wherever possible."""
import math

import numpy as np

from ..autograd.function import Function, unbroadcast
from ..tensor import Tensor


class Reshape(Function):
    numpy_may_warn = False  # no floating-point arithmetic that NumPy warns about

    def forward(self, a, shape=None):
        self.in_shape = a.shape
        return a.reshape(shape)

    def backward(self, g):
        return g.reshape(self.in_shape)


class Permute(Function):
    numpy_may_warn = False  # no floating-point arithmetic that NumPy warns about

    def forward(self, a, dims=None):
        self.dims = dims
        return a.transpose(dims)

    def backward(self, g):
        return g.transpose(np.argsort(self.dims))


class Expand(Function):
    numpy_may_warn = False  # no floating-point arithmetic that NumPy warns about

    def forward(self, a, shape=None):
        self.in_shape = a.shape
        return np.broadcast_to(a, shape)

    def backward(self, g):
        return unbroadcast(g, self.in_shape)


class Cat(Function):
    """cat(*tensors, dim): the inputs are the Tensor arguments."""

    numpy_may_warn = False  # no floating-point arithmetic that NumPy warns about

    def forward(self, *arrays, dim=0):
        self.dim = dim
        self.sizes = [a.shape[dim] for a in arrays]
        return np.concatenate(arrays, axis=dim)

    def backward(self, g):
        bounds = np.cumsum(self.sizes)[:-1]
        return tuple(np.split(g, bounds, axis=self.dim))


# ---- entry points ----


def _resolve_shape(shape, numel, op, in_shape):
    if len(shape) == 1 and isinstance(shape[0], (tuple, list)):
        shape = tuple(shape[0])
    shape = tuple([int(n) for n in shape])
    if -1 in shape:
        if shape.count(-1) > 1:
            raise RuntimeError(f"{op}: only one dimension can be inferred, got {shape}")
        known = math.prod(n for n in shape if n != -1)
        if known == 0 or numel % known:
            raise RuntimeError(f"{op}: shape {shape} is invalid for input of size {numel} (shape {in_shape})")
        shape = tuple(numel // known if n == -1 else n for n in shape)
    if math.prod(shape) != numel or min(shape, default=0) < 0:
        raise RuntimeError(f"{op}: shape {shape} is invalid for input of size {numel} (shape {in_shape})")
    return shape


def reshape(a, *shape):
    shape = _resolve_shape(shape, a.numel(), "reshape", tuple(a.shape))
    return a if shape == tuple(a.shape) else Reshape.apply(a, shape=shape)


def view(a, *shape):
    if len(shape) == 1 and not isinstance(shape[0], (tuple, list, int, np.integer)):
        return a.to(shape[0])  # view(dtype) is rarely needed; treated as a cast
    return reshape(a, *shape)


def _dim(d, ndim, op):
    if not -max(ndim, 1) <= d < max(ndim, 1):
        raise IndexError(f"{op}: dimension out of range (expected to be in range of [{-max(ndim, 1)}, {max(ndim, 1) - 1}], but got {d})")
    return d % max(ndim, 1)


def permute(a, *dims):
    if len(dims) == 1 and isinstance(dims[0], (tuple, list)):
        dims = tuple(dims[0])
    if len(dims) != a.ndim:
        raise RuntimeError(f"permute: number of dims {len(dims)} doesn't match the tensor's {a.ndim} (shape {tuple(a.shape)})")
    dims = tuple(_dim(d, a.ndim, "permute") for d in dims)
    if sorted(dims) != list(range(a.ndim)):
        raise RuntimeError(f"permute: repeated dim in {dims}")
    return Permute.apply(a, dims=dims)


def transpose(a, dim0, dim1):
    if a.ndim < 2 and dim0 in (0, -1) and dim1 in (0, -1):
        return a
    dims = list(range(a.ndim))
    d0, d1 = _dim(dim0, a.ndim, "transpose"), _dim(dim1, a.ndim, "transpose")
    dims[d0], dims[d1] = dims[d1], dims[d0]
    return Permute.apply(a, dims=tuple(dims))


def t(a):
    if a.ndim > 2:
        raise RuntimeError(f"t() expects a tensor with <= 2 dimensions, but self is {a.ndim}D")
    return transpose(a, 0, 1) if a.ndim == 2 else a


def unsqueeze(a, dim):
    d = _dim(dim, a.ndim + 1, "unsqueeze")
    shape = list(a.shape)
    shape.insert(d, 1)
    return Reshape.apply(a, shape=tuple(shape))


def squeeze(a, dim=None):
    if dim is None:
        shape = tuple(n for n in a.shape if n != 1)
    else:
        dims = (dim,) if isinstance(dim, int) else tuple(dim)
        dims = {_dim(d, a.ndim, "squeeze") for d in dims}
        shape = tuple(n for i, n in enumerate(a.shape) if not (i in dims and n == 1))
    return a if shape == tuple(a.shape) else Reshape.apply(a, shape=shape)


def flatten(a, start_dim=0, end_dim=-1):
    if a.ndim == 0:
        return reshape(a, 1)
    s, e = _dim(start_dim, a.ndim, "flatten"), _dim(end_dim, a.ndim, "flatten")
    if s > e:
        raise RuntimeError("flatten() has invalid args: start_dim cannot come after end_dim")
    shape = a.shape[:s] + (int(np.prod(a.shape[s : e + 1])),) + a.shape[e + 1 :]
    return reshape(a, shape)


def unflatten(a, dim, sizes):
    d = _dim(dim, a.ndim, "unflatten")
    sizes = _resolve_shape(tuple(sizes), a.shape[d], "unflatten", tuple(a.shape))
    return reshape(a, a.shape[:d] + sizes + a.shape[d + 1 :])


def expand(a, *shape):
    if len(shape) == 1 and isinstance(shape[0], (tuple, list)):
        shape = tuple(shape[0])
    lead = len(shape) - a.ndim
    if lead < 0:
        raise RuntimeError(f"expand: the number of sizes {len(shape)} must be >= the tensor's dims (shape {tuple(a.shape)})")
    full = tuple(a.shape[i - lead] if n == -1 else n for i, n in enumerate(shape))
    for i, n in enumerate(a.shape):
        if n != 1 and n != full[i + lead]:
            raise RuntimeError(
                f"expand: the expanded size of the tensor ({full[i + lead]}) must match the existing size ({n}) "
                f"at non-singleton dimension {i + lead}. Target sizes: {list(shape)}. Tensor sizes: {list(a.shape)}"
            )
    return a if full == tuple(a.shape) else Expand.apply(a, shape=full)


def broadcast_to(a, shape):
    return expand(a, tuple(shape))


def repeat(a, *sizes):
    if len(sizes) == 1 and isinstance(sizes[0], (tuple, list)):
        sizes = tuple(sizes[0])
    if len(sizes) < a.ndim:
        raise RuntimeError("repeat: number of repeat dims can not be smaller than number of dimensions of tensor")
    a = reshape(a, (1,) * (len(sizes) - a.ndim) + tuple(a.shape))
    # repeat = expand over a new axis before each dim, then merge
    inter = []
    for n, r in zip(a.shape, sizes):
        inter += [r, n]
    expanded = expand(reshape(a, tuple(x for n in a.shape for x in (1, n))), tuple(inter))
    return reshape(expanded, tuple(n * r for n, r in zip(a.shape, sizes)))


def cat(tensors, dim=0):
    from .elementwise import cast
    from .. import dtypes

    tensors = list(tensors)
    if not tensors:
        raise RuntimeError("cat(): expected a non-empty list of Tensors")
    tensors = [t for t in tensors if not (t.ndim == 1 and t.shape[0] == 0)] or tensors[:1]
    ref = tensors[0]
    d = _dim(dim, ref.ndim, "cat")
    for i, t in enumerate(tensors):
        if not isinstance(t, Tensor):
            raise TypeError(f"cat(): expected a sequence of Tensors, item {i} is {type(t).__name__}")
        if t.ndim != ref.ndim or any(t.shape[k] != ref.shape[k] for k in range(ref.ndim) if k != d):
            raise RuntimeError(
                f"cat(): sizes of tensors must match except in dimension {d}: tensor 0 has shape "
                f"{tuple(ref.shape)} but tensor {i} has shape {tuple(t.shape)}"
            )
    dt = ref.dtype
    for t in tensors[1:]:
        dt = dtypes.promote(dt, t.dtype)
    tensors = [t if t.dtype == dt else cast(t, dt) for t in tensors]
    return Cat.apply(*tensors, dim=d)


def stack(tensors, dim=0):
    tensors = list(tensors)
    if not tensors:
        raise RuntimeError("stack expects a non-empty TensorList")
    for i, t in enumerate(tensors):
        if t.shape != tensors[0].shape:
            raise RuntimeError(
                f"stack expects each tensor to be equal size, but got {tuple(tensors[0].shape)} at entry 0 and "
                f"{tuple(t.shape)} at entry {i}"
            )
    d = _dim(dim, tensors[0].ndim + 1, "stack")
    return cat([unsqueeze(t, d) for t in tensors], dim=d)


def split(a, split_size_or_sections, dim=0):
    d = _dim(dim, a.ndim, "split")
    n = a.shape[d]
    if isinstance(split_size_or_sections, (int, np.integer)):
        step = int(split_size_or_sections)
        sizes = [min(step, n - s) for s in range(0, n, step)] or [0]
    else:
        sizes = list(split_size_or_sections)
        if sum(sizes) != n:
            raise RuntimeError(
                f"split_with_sizes expects split_sizes to sum exactly to {n} (input tensor's size at dimension {d}), "
                f"but got split_sizes={sizes}"
            )
    out, start = [], 0
    for size in sizes:
        out.append(narrow(a, d, start, size))
        start += size
    return tuple(out)


def chunk(a, chunks, dim=0):
    n = a.shape[_dim(dim, a.ndim, "chunk")]
    step = -(-n // chunks)
    return split(a, max(step, 1), dim)


def narrow(a, dim, start, length):
    d = _dim(dim, a.ndim, "narrow")
    index = (slice(None),) * d + (slice(start, start + length),)
    return a[index]


def select(a, dim, index):
    d = _dim(dim, a.ndim, "select")
    return a[(slice(None),) * d + (index,)]


def unbind(a, dim=0):
    d = _dim(dim, a.ndim, "unbind")
    return tuple(select(a, d, i) for i in range(a.shape[d]))


def flip(a, dims):
    dims = (dims,) if isinstance(dims, int) else dims
    index = [slice(None)] * a.ndim
    for d in dims:
        index[_dim(d, a.ndim, "flip")] = slice(None, None, -1)
    return a[tuple(index)]


def _triangle(a, diagonal, lower, op):
    if a.ndim < 2:
        raise RuntimeError(f"{op}: input tensor must have at least 2 dimensions, got shape {tuple(a.shape)}")
    rows, cols = a.shape[-2:]
    keep = (np.tril if lower else np.triu)(np.ones((rows, cols), dtype=bool), diagonal)
    from .elementwise import where

    return where(Tensor._wrap(keep), a, Tensor._wrap(np.zeros((), dtype=a.dtype)))


def tril(a, diagonal=0):
    """The lower triangle of the last two dims (j <= i + diagonal), the rest 0."""
    return _triangle(a, diagonal, True, "tril")


def triu(a, diagonal=0):
    """The upper triangle of the last two dims (j >= i + diagonal), the rest 0."""
    return _triangle(a, diagonal, False, "triu")
