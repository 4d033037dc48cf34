"""Products composed of matmul and broadcasting (their gradients come from matmul's): addmm, addmv, addr, baddbmm,
addbmm, tensordot, kron, inner, vdot, cross; and the distances cdist, pdist, dist, pairwise_distance.
PyTorch's names, arguments and defaults; beta = 0 ignores input (nan and inf in it do not propagate), as in PyTorch.
"""
import warnings

import numpy as np

from ..tensor import Tensor
from .linalg import matmul, outer
from .reduce import norm
from .shape import _dim, permute, reshape, stack


def _check_ndim(op, **tensors):
    for name, (t, n) in tensors.items():
        if t.ndim != n:
            raise RuntimeError(f"{op}: {name} must be a {n}-D tensor, got shape {tuple(t.shape)}")


def _affine(input, product, beta, alpha):
    out = product if alpha == 1 else product * alpha
    if beta == 0:  # input only contributes a zero gradient (never its nan or inf)
        from .elementwise import Step

        return out + Step.apply(input, fn=np.zeros_like) if input.requires_grad else out
    return out + (input if beta == 1 else input * beta)


def addmm(input, mat1, mat2, *, beta=1, alpha=1):
    """beta * input + alpha * (mat1 @ mat2): mat1 (n, m), mat2 (m, p), input broadcastable to (n, p)."""
    _check_ndim("addmm", mat1=(mat1, 2), mat2=(mat2, 2))
    return _affine(input, matmul(mat1, mat2), beta, alpha)


def addmv(input, mat, vec, *, beta=1, alpha=1):
    """beta * input + alpha * (mat @ vec): mat (n, m), vec (m,)."""
    _check_ndim("addmv", mat=(mat, 2), vec=(vec, 1))
    return _affine(input, matmul(mat, vec), beta, alpha)


def addr(input, vec1, vec2, *, beta=1, alpha=1):
    """beta * input + alpha * outer(vec1, vec2)."""
    _check_ndim("addr", vec1=(vec1, 1), vec2=(vec2, 1))
    return _affine(input, outer(vec1, vec2), beta, alpha)


def baddbmm(input, batch1, batch2, *, beta=1, alpha=1):
    """beta * input + alpha * (batch1 @ batch2): batch1 (b, n, m), batch2 (b, m, p)."""
    _check_ndim("baddbmm", batch1=(batch1, 3), batch2=(batch2, 3))
    return _affine(input, matmul(batch1, batch2), beta, alpha)


def addbmm(input, batch1, batch2, *, beta=1, alpha=1):
    """beta * input + alpha * sum_b batch1[b] @ batch2[b]."""
    _check_ndim("addbmm", batch1=(batch1, 3), batch2=(batch2, 3))
    return _affine(input, matmul(batch1, batch2).sum(0), beta, alpha)


def tensordot(a, b, dims=2):
    """Contract the last `dims` dims of a with the first `dims` of b, or the dims listed in dims = (dims_a, dims_b)."""
    if isinstance(dims, Tensor):
        dims = dims.tolist()
    if isinstance(dims, (int, np.integer)):
        if dims < 0:
            raise RuntimeError(f"tensordot expects dims >= 0, but got dims={dims}")
        da, db = list(range(a.ndim - dims, a.ndim)), list(range(dims))
    else:
        da, db = ([d] if isinstance(d, (int, np.integer)) else list(d) for d in dims)
    da = [_dim(d, a.ndim, "tensordot") for d in da]
    db = [_dim(d, b.ndim, "tensordot") for d in db]
    if len(da) != len(db):
        raise RuntimeError(f"both dimension lists should have same length, got {len(da)} and {len(db)}")
    for x, y in zip(da, db):
        if a.shape[x] != b.shape[y]:
            raise RuntimeError(f"contracted dimensions need to match, but first has size {a.shape[x]} in dim {x} and "
                               f"second has size {b.shape[y]} in dim {y}")
    fa = [i for i in range(a.ndim) if i not in da]
    fb = [i for i in range(b.ndim) if i not in db]
    k = int(np.prod([a.shape[i] for i in da]))
    am = reshape(permute(a, fa + da), -1 if a.numel() else int(np.prod([a.shape[i] for i in fa])), k)
    bm = reshape(permute(b, db + fb), k, -1 if b.numel() else int(np.prod([b.shape[i] for i in fb])))
    return reshape(matmul(am, bm), tuple(a.shape[i] for i in fa) + tuple(b.shape[i] for i in fb))


def kron(input, other):
    """The Kronecker product: blocks input[i] * other, for any number of dims (the shorter shape padded by 1s)."""
    n = max(input.ndim, other.ndim)
    sa = (1,) * (n - input.ndim) + tuple(input.shape)
    sb = (1,) * (n - other.ndim) + tuple(other.shape)
    a = reshape(input, tuple(x for s in sa for x in (s, 1)))
    b = reshape(other, tuple(x for s in sb for x in (1, s)))
    return reshape(a * b, tuple(x * y for x, y in zip(sa, sb)))


def inner(input, other):
    """The sum over the last dims of input and other (a product when either is 0-D)."""
    if input.ndim == 0 or other.ndim == 0:
        return input * other
    if input.shape[-1] != other.shape[-1]:
        raise RuntimeError(f"inner() the last dimension must match on both input tensors but got shapes "
                           f"{list(input.shape)} and {list(other.shape)}")
    return tensordot(input, other, ([-1], [-1]))


def vdot(input, other):
    """The dot product of two 1-D tensors."""
    _check_ndim("vdot", input=(input, 1), other=(other, 1))
    return (input * other).sum()


def cross(input, other, dim=None):
    """The 3-D cross product along dim (without dim: the first dim of size 3, with PyTorch's warning)."""
    if input.ndim != other.ndim:
        raise RuntimeError("linalg.cross: inputs must have the same number of dimensions.")
    shape = np.broadcast_shapes(tuple(input.shape), tuple(other.shape))
    if dim is None:
        warnings.warn("Using torch.cross without specifying the dim arg is deprecated.\nPlease either pass the dim "
                      "explicitly or simply use torch.linalg.cross.\nThe default value of dim will change to agree "
                      "with that of linalg.cross in a future release.", UserWarning, stacklevel=2)
        dim = next((i for i, n in enumerate(input.shape) if n == 3), None)
        if dim is None:
            raise RuntimeError(f"no dimension of size 3 in input (shape {tuple(input.shape)})")
    a = input if tuple(input.shape) == shape else input.expand(*shape)
    b = other if tuple(other.shape) == shape else other.expand(*shape)
    d = _dim(dim, len(shape), "cross")
    if shape[d] != 3:
        raise RuntimeError(f"linalg.cross: inputs dimension {d} must have length 3. Got {input.shape[d]} and "
                           f"{other.shape[d]}")
    a1, a2, a3 = a.unbind(d)
    b1, b2, b3 = b.unbind(d)
    return stack([a2 * b3 - a3 * b2, a3 * b1 - a1 * b3, a1 * b2 - a2 * b1], d)


# ---- distances ----


def pairwise_distance(x1, x2, p=2.0, eps=1e-6, keepdim=False):
    """||x1 - x2 + eps||_p over the last dim (x1 and x2 broadcast), as torch.pairwise_distance."""
    out_dim = max(x1.ndim, x2.ndim)
    return norm(x1 - x2 + eps, p, dim=max(out_dim - 1, 0) if out_dim else None, keepdim=keepdim)


def cdist(x1, x2, p=2.0, compute_mode="use_mm_for_euclid_dist_if_necessary"):
    """The p-norm distances between the rows of x1 (*, P, M) and x2 (*, R, M): (*, P, R)."""
    if x1.ndim < 2 or x2.ndim < 2:
        raise RuntimeError(f"cdist only supports at least 2D tensors, X1 got: {x1.ndim}D, X2 got: {x2.ndim}D")
    if x1.shape[-1] != x2.shape[-1]:
        raise RuntimeError(f"X1 and X2 must have the same number of columns. X1: {x1.shape[-1]} X2: {x2.shape[-1]}")
    if p < 0:
        raise RuntimeError(f"cdist only supports non-negative p values, got {p}")
    return norm(x1.unsqueeze(-2) - x2.unsqueeze(-3), p, dim=-1)


def pdist(input, p=2):
    """The p-norm distances between the rows of input (N, M), for i < j in row-major order: (N (N - 1) / 2,)."""
    if input.ndim != 2:
        raise RuntimeError(f"pdist only supports 2D tensors, got: {input.ndim}D")
    if p < 0:
        raise RuntimeError("pdist only supports non-negative p values")
    i, j = np.triu_indices(input.shape[0], 1)
    return norm(input[i] - input[j], p, dim=1)


def dist(input, other, p=2):
    """||input - other||_p over all entries (broadcast)."""
    return norm(input - other, p)
