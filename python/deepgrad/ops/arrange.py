"""Rearranging ops, all compositions of shape and index ops (so their gradients come for free): roll, rot90, movedim,
tile, the stacks and splits, diff, diagonals, Tensor.unfold, repeat_interleave, meshgrid, broadcast_tensors,
block_diag, cartesian_prod, combinations, triu_indices/tril_indices. PyTorch's names, arguments and defaults.
"""
import itertools
import warnings

import numpy as np

from ..tensor import Size, Tensor
from .index import index_put
from .shape import _dim, cat, flip, narrow, permute, reshape, transpose


def _wrap(array):
    return Tensor._wrap(np.asarray(array))


def _ints(x):
    return (int(x),) if isinstance(x, (int, np.integer)) else tuple(int(v) for v in x)


def roll(input, shifts, dims=None):
    """Shift entries along dims, wrapping around; with dims=None the flattened tensor is rolled."""
    if dims is None:
        if len(_ints(shifts)) != 1:
            raise RuntimeError(f"roll: shifts {shifts} need matching dims when more than one is given")
        return reshape(roll(reshape(input, -1), shifts, 0), tuple(input.shape))
    shifts, dims = _ints(shifts), _ints(dims)
    if len(shifts) != len(dims):
        raise RuntimeError(f"roll: shifts and dimensions must align. shifts: {len(shifts)}, dims: {len(dims)}")
    out = input
    for s, d in zip(shifts, dims):
        d = _dim(d, input.ndim, "roll")
        n = input.shape[d]
        s = s % n if n else 0
        if s:
            out = cat([narrow(out, d, n - s, s), narrow(out, d, 0, n - s)], d)
    return out


def rot90(input, k=1, dims=(0, 1)):
    """Rotate by 90 degrees k times in the plane of dims, from the first towards the second."""
    if len(dims) != 2:
        raise RuntimeError(f"rot90: expected total rotation dims == 2, but got dims = {len(dims)}")
    d0, d1 = (_dim(d, input.ndim, "rot90") for d in dims)
    if d0 == d1:
        raise RuntimeError(f"rot90: expected rotation dims to be different, but got dim0 = {d0} and dim1 = {d1}")
    k %= 4
    if k == 1:
        return transpose(flip(input, (d1,)), d0, d1)
    if k == 2:
        return flip(input, (d0, d1))
    if k == 3:
        return transpose(flip(input, (d0,)), d0, d1)
    return input.clone()


def fliplr(input):
    if input.ndim < 2:
        raise RuntimeError("fliplr: Input must be >= 2-d.")
    return flip(input, (1,))


def flipud(input):
    if input.ndim < 1:
        raise RuntimeError("flipud: Input must be >= 1-d.")
    return flip(input, (0,))


def movedim(input, source, destination):
    """Move the dims in source to the positions in destination; the others keep their order."""
    src, dst = _ints(source), _ints(destination)
    if len(src) != len(dst):
        raise RuntimeError(f"movedim: Invalid source or destination dims: source ({list(src)} dims) should contain the "
                           f"same number of dims as destination ({list(dst)} dims)")
    n = input.ndim
    src = [_dim(d, n, "movedim") for d in src]
    dst = [_dim(d, n, "movedim") for d in dst]
    if len(set(src)) != len(src) or len(set(dst)) != len(dst):
        raise RuntimeError("movedim: repeated dim in `source` or `destination`")
    order = [None] * n
    for s, d in zip(src, dst):
        order[d] = s
    rest = iter(i for i in range(n) if i not in src)
    order = [next(rest) if o is None else o for o in order]
    return input if order == list(range(n)) else permute(input, order)


moveaxis = movedim


def swapaxes(input, axis0, axis1):
    return transpose(input, axis0, axis1)


swapdims = swapaxes


def tile(input, dims):
    """repeat with dims padded by leading 1s (to input.ndim)."""
    dims = _ints(dims)
    dims = (1,) * (input.ndim - len(dims)) + dims
    return input.repeat(*dims)


def ravel(input):
    return reshape(input, -1)


def _atleast(tensors, n):
    if len(tensors) == 1 and isinstance(tensors[0], (list, tuple)):
        return tuple(_atleast_one(t, n) for t in tensors[0])
    out = tuple(_atleast_one(t, n) for t in tensors)
    return out[0] if len(out) == 1 else out


def _atleast_one(t, n):
    """0-D -> (1,)*n; 1-D (k,) -> (1, k) or (1, k, 1); 2-D (a, b) -> (a, b, 1), as PyTorch."""
    if t.ndim >= n:
        return t
    shape = tuple(t.shape)
    new = (1,) * n if t.ndim == 0 else ((1,) + shape + (1,))[:n] if t.ndim == 1 else shape + (1,)
    return reshape(t, new)


def atleast_1d(*tensors):
    return _atleast(tensors, 1)


def atleast_2d(*tensors):
    return _atleast(tensors, 2)


def atleast_3d(*tensors):
    return _atleast(tensors, 3)


def _seq(tensors, op):
    tensors = list(tensors)
    if not tensors:
        raise RuntimeError(f"{op} expects a non-empty TensorList")
    return tensors


def hstack(tensors):
    """cat along dim 1 (dim 0 for 1-D tensors)."""
    ts = [atleast_1d(t) for t in _seq(tensors, "hstack")]
    return cat(ts, 0 if ts[0].ndim == 1 else 1)


def vstack(tensors):
    return cat([atleast_2d(t) for t in _seq(tensors, "vstack")], 0)


row_stack = vstack


def dstack(tensors):
    return cat([atleast_3d(t) for t in _seq(tensors, "dstack")], 2)


def column_stack(tensors):
    """0-D and 1-D tensors become columns, then hstack."""
    return hstack([reshape(t, t.numel(), 1) if t.ndim <= 1 else t for t in _seq(tensors, "column_stack")])


def tensor_split(input, indices_or_sections, dim=0):
    """Split into n nearly equal parts (the first n % size one longer) or at the given indices."""
    d = _dim(dim, input.ndim, "tensor_split")
    n = input.shape[d]
    if isinstance(indices_or_sections, Tensor):
        indices_or_sections = indices_or_sections.tolist()
    if isinstance(indices_or_sections, (int, np.integer)):
        sections = int(indices_or_sections)
        if sections <= 0:
            raise RuntimeError(f"tensor_split: number of sections must be larger than 0, got {sections}")
        q, r = divmod(n, sections)
        bounds = list(itertools.accumulate([q + 1] * r + [q] * (sections - r)))[:-1]
    else:
        bounds = [int(i) for i in indices_or_sections]
    out, start = [], 0
    for b in bounds + [n]:
        b = max(min(b if b >= 0 else b + n, n), start)
        out.append(narrow(input, d, start, b - start))
        start = b
    return tuple(out)


def _directional_split(input, spec, dim, op):
    if isinstance(spec, (int, np.integer)):
        n = input.shape[dim]
        if spec == 0 or n % spec:
            raise RuntimeError(f"torch.{op} attempted to split along dimension {dim}, but the size of the dimension "
                               f"{n} is not divisible by the split_size {spec}!")
    return tensor_split(input, spec, dim)


def hsplit(input, indices_or_sections):
    if input.ndim < 1:
        raise RuntimeError("torch.hsplit requires a tensor with at least 1 dimension, but got a tensor with 0 dimensions!")
    return _directional_split(input, indices_or_sections, 0 if input.ndim == 1 else 1, "hsplit")


def vsplit(input, indices_or_sections):
    if input.ndim < 2:
        raise RuntimeError(f"torch.vsplit requires a tensor with at least 2 dimension, but got a tensor with "
                           f"{input.ndim} dimensions!")
    return _directional_split(input, indices_or_sections, 0, "vsplit")


def dsplit(input, indices_or_sections):
    if input.ndim < 3:
        raise RuntimeError(f"torch.dsplit requires a tensor with at least 3 dimension, but got a tensor with "
                           f"{input.ndim} dimensions!")
    return _directional_split(input, indices_or_sections, 2, "dsplit")


def diff(input, n=1, dim=-1, prepend=None, append=None):
    """The n-th forward difference along dim (logical xor for bool), after prepend/append are concatenated."""
    if input.ndim == 0:
        raise RuntimeError("diff expects input to be at least one-dimensional")
    d = _dim(dim, input.ndim, "diff")
    x = cat([t for t in (prepend, input, append) if t is not None], d) if prepend is not None or append is not None \
        else input
    for _ in range(n):
        L = x.shape[d]
        if L == 0:
            break
        hi, lo = narrow(x, d, 1, L - 1), narrow(x, d, 0, L - 1)
        x = hi.logical_xor(lo) if x.dtype == np.bool_ else hi - lo
    return x


def _diag_index(n1, n2, offset):
    L = max(0, min(n1 - max(-offset, 0), n2 - max(offset, 0)))
    r = np.arange(L)
    return r + max(-offset, 0), r + max(offset, 0)


def diagonal(input, offset=0, dim1=0, dim2=1):
    """The diagonal of the (dim1, dim2) planes, as a last dim (offset > 0: above the main diagonal)."""
    d1, d2 = _dim(dim1, input.ndim, "diagonal"), _dim(dim2, input.ndim, "diagonal")
    if d1 == d2:
        raise RuntimeError(f"diagonal dimensions cannot be identical {dim1}, {dim2}")
    rest = [i for i in range(input.ndim) if i not in (d1, d2)]
    x = permute(input, rest + [d1, d2])
    rows, cols = _diag_index(input.shape[d1], input.shape[d2], offset)
    return x[(Ellipsis, rows, cols)]


def diag_embed(input, offset=0, dim1=-2, dim2=-1):
    """The last dim of input put on the diagonal (offset) of new (dim1, dim2) planes, zero elsewhere."""
    n = input.shape[-1] + abs(offset)
    out_ndim = input.ndim + 1
    d1, d2 = _dim(dim1, out_ndim, "diag_embed"), _dim(dim2, out_ndim, "diag_embed")
    if d1 == d2:
        raise RuntimeError(f"diagonal dimensions cannot be identical {dim1}, {dim2}")
    rows, cols = _diag_index(n, n, offset)
    zeros = _wrap(np.zeros(tuple(input.shape[:-1]) + (n, n), input.dtype))
    out = index_put(zeros, (Ellipsis, rows, cols), input)
    return movedim(out, (-2, -1), (d1, d2)) if d1 < d2 else movedim(out, (-1, -2), (d2, d1))


def diag(input, diagonal=0):
    """1-D input: the square matrix with input on its diagonal-th diagonal; 2-D input: that diagonal."""
    if input.ndim == 1:
        return diag_embed(input, diagonal)
    if input.ndim == 2:
        return globals()["diagonal"](input, diagonal)
    raise RuntimeError(f"diag(): Supports 1D or 2D tensors. Got {input.ndim}D")


def trace(input):
    if input.ndim != 2:
        raise RuntimeError(f"trace: expected a matrix, but got tensor with dim {input.ndim}")
    return diagonal(input).sum()


def unfold(input, dimension, size, step):
    """Tensor.unfold: all windows of `size` entries along `dimension`, `step` apart; that dim becomes the number of
    windows and the windows are a new last dim."""
    d = _dim(dimension, input.ndim, "unfold") if input.ndim else 0
    n = input.shape[d] if input.ndim else 1
    if size > n:
        raise RuntimeError(f"maximum size for tensor at dimension {d} is {n} but size is {size}")
    if step <= 0:
        raise RuntimeError(f"step is {step} but must be > 0")
    if input.ndim == 0:
        return reshape(input, 1)
    idx = np.arange(0, n - size + 1, step)[:, None] + np.arange(size)
    x = movedim(input, d, -1)[(Ellipsis, idx)]
    return movedim(x, -2, d)


def repeat_interleave(input, repeats=None, dim=None, *, output_size=None):
    """Repeat each entry (each slice along dim) repeats times (an int or one count per entry); with only a
    tensor of counts, the indices 0, 1, ... each repeated that many times."""
    if repeats is None:
        counts = input._data
        return _wrap(np.repeat(np.arange(len(counts)), counts).astype(np.int64))
    if dim is None:
        input, dim = reshape(input, -1), 0
    d = _dim(dim, input.ndim, "repeat_interleave") if input.ndim else 0
    if input.ndim == 0:
        input = reshape(input, 1)
    counts = repeats._data if isinstance(repeats, Tensor) else np.asarray(repeats)
    if counts.ndim == 1 and counts.size == 1:
        counts = counts.reshape(())
    if counts.ndim and len(counts) != input.shape[d]:
        raise RuntimeError(f"repeat_interleave: repeats must have the same size as input along dim {d}, got "
                           f"{len(counts)} and {input.shape[d]}")
    idx = np.repeat(np.arange(input.shape[d]), counts)
    return input[(slice(None),) * d + (idx,)]


def meshgrid(*tensors, indexing=None):
    """Coordinate grids of 1-D tensors; indexing 'ij' (matrix, the default, with PyTorch's warning when it is not
    given) or 'xy' (Cartesian: the first two dims swapped)."""
    if len(tensors) == 1 and isinstance(tensors[0], (list, tuple)):
        tensors = tuple(tensors[0])
    if indexing is None:
        warnings.warn("torch.meshgrid: in an upcoming release, it will be required to pass the indexing argument.",
                      UserWarning, stacklevel=2)
        indexing = "ij"
    if indexing not in ("ij", "xy"):
        raise ValueError(f"torch.meshgrid: indexing must be one of \"xy\" or \"ij\", but received: {indexing}")
    for t in tensors:
        if t.ndim > 1:
            raise RuntimeError(f"torch.meshgrid: Expected 0D or 1D tensor in the tensor list but got: {t.ndim}D")
    sizes = [t.numel() for t in tensors]
    pos = list(range(len(tensors)))
    if indexing == "xy" and len(tensors) >= 2:
        pos[0], pos[1] = 1, 0
    shape = [0] * len(tensors)
    for i, p in enumerate(pos):
        shape[p] = sizes[i]
    out = []
    for i, t in enumerate(tensors):
        view = [1] * len(tensors)
        view[pos[i]] = sizes[i]
        out.append(reshape(t, tuple(view)).expand(*shape))
    return tuple(out)


def broadcast_shapes(*shapes):
    return Size(np.broadcast_shapes(*[(s,) if isinstance(s, (int, np.integer)) else tuple(s) for s in shapes]))


def broadcast_tensors(*tensors):
    if len(tensors) == 1 and isinstance(tensors[0], (list, tuple)):
        tensors = tuple(tensors[0])
    shape = tuple(broadcast_shapes(*[tuple(t.shape) for t in tensors]))
    return tuple(t.expand(*shape) for t in tensors)


def block_diag(*tensors):
    """The block-diagonal matrix of 0-, 1- or 2-D tensors (a 1-D tensor is one row)."""
    blocks = []
    for i, t in enumerate(tensors):
        if t.ndim > 2:
            raise RuntimeError(f"torch.block_diag: Input tensors must have 2 or fewer dimensions. Input {i} has "
                               f"{t.ndim} dimensions")
        blocks.append(reshape(t, (1,) * (2 - t.ndim) + tuple(t.shape)))
    if not blocks:
        return _wrap(np.zeros((1, 0), np.float32))
    total = sum(b.shape[1] for b in blocks)
    rows, left = [], 0
    for b in blocks:
        parts = [_wrap(np.zeros((b.shape[0], left), b.dtype)), b,
                 _wrap(np.zeros((b.shape[0], total - left - b.shape[1]), b.dtype))]
        rows.append(cat(parts, 1))
        left += b.shape[1]
    return cat(rows, 0)


def cartesian_prod(*tensors):
    """All combinations of one entry from each 1-D tensor, as rows (like itertools.product)."""
    if len(tensors) == 1:
        return tensors[0]
    from .shape import stack

    return stack([reshape(g, -1) for g in meshgrid(*tensors, indexing="ij")], 1)


def combinations(input, r=2, with_replacement=False):
    """The r-length combinations of the entries of a 1-D tensor, as rows (like itertools.combinations)."""
    if input.ndim != 1:
        raise RuntimeError(f"Expect a 1D vector, but got shape {list(input.shape)}")
    make = itertools.combinations_with_replacement if with_replacement else itertools.combinations
    idx = np.array(list(make(range(input.shape[0]), r)), dtype=np.int64).reshape(-1, r)
    if idx.size == 0:
        return _wrap(np.zeros((0, r) if r else (0,), input.dtype))
    return input[idx]


def triu_indices(row, col, offset=0, *, dtype=None, device=None):
    """(2, N) int64 row and column indices of the upper triangle (j >= i + offset), in row-major order."""
    r, c = np.triu_indices(row, offset, col)
    return _wrap(np.stack([r, c]).astype(np.int64))


def tril_indices(row, col, offset=0, *, dtype=None, device=None):
    """(2, N) int64 row and column indices of the lower triangle (j <= i + offset), in row-major order."""
    r, c = np.tril_indices(row, offset, col)
    return _wrap(np.stack([r, c]).astype(np.int64))
