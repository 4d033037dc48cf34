"""matmul through the C++ GEMM, with PyTorch's batching and broadcasting rules."""
import numpy as np

from .. import _C, dtypes
from ..autograd.function import Function, records_graph, unbroadcast
from ..tensor import Tensor


def _gemm_operand(x):
    """A 3-D array as the GEMM takes it: (array, transposed) with no copy when x is a plain or transposed view."""
    if x.flags.c_contiguous:
        return x, False
    xt = x.swapaxes(-1, -2)
    if xt.flags.c_contiguous:
        return xt, True
    return np.ascontiguousarray(x), False


def matmul_arrays(a, b):
    """(..., M, K) @ (..., K, N) -> (..., M, N) for float32/float64 arrays, batch dims broadcast."""
    if a.dtype.kind != "f" or a.dtype not in (np.float32, np.float64) or a.dtype != b.dtype:
        return np.matmul(a, b)
    M, K = a.shape[-2:]
    N = b.shape[-1]
    batch = np.broadcast_shapes(a.shape[:-2], b.shape[:-2])
    nbatch = int(np.prod(batch)) if batch else 1
    out = np.empty(batch + (M, N), dtype=a.dtype)
    if out.size == 0:
        return out
    if K == 0:
        out.fill(0)
        return out
    a_batch = int(np.prod(a.shape[:-2])) if a.ndim > 2 else 1
    b_batch = int(np.prod(b.shape[:-2])) if b.ndim > 2 else 1
    if b_batch == 1 and a_batch > 1:
        # fold a's batch into its rows: one large GEMM instead of many small ones
        a3, b3, c3 = a.reshape(1, -1, K), b.reshape(1, K, N), out.reshape(1, -1, N)
    else:
        a3 = a.reshape(1, M, K) if a_batch == 1 else np.broadcast_to(a, batch + (M, K)).reshape(-1, M, K)
        b3 = b.reshape(1, K, N) if b_batch == 1 else np.broadcast_to(b, batch + (K, N)).reshape(-1, K, N)
        c3 = out.reshape(nbatch, M, N)
    a3, ta = _gemm_operand(a3)
    b3, tb = _gemm_operand(b3)
    _C.gemm(a3, b3, c3, ta, tb, 1.0, 0.0)
    return out


class MatMul(Function):
    """a @ b for a, b with at least 2 dims (1-D cases are handled by unsqueezing around this op)."""

    def forward(self, a, b):
        self.save_for_backward(a, b)
        return matmul_arrays(a, b)

    def backward(self, g):
        a, b = self.saved_tensors
        ga = gb = None
        if self.needs_input_grad[0]:
            ga = unbroadcast(matmul_arrays(g, b.swapaxes(-1, -2)), a.shape)
        if self.needs_input_grad[1]:
            if a.ndim > 2 and b.ndim == 2 and g.flags.c_contiguous:
                # sum over the batch inside one GEMM: (B*M, K)^T @ (B*M, N)
                a2 = np.ascontiguousarray(a).reshape(-1, a.shape[-1])
                gb = matmul_arrays(a2.T, g.reshape(-1, g.shape[-1]))
            else:
                gb = unbroadcast(matmul_arrays(a.swapaxes(-1, -2), g), b.shape)
        return ga, gb


class Linear(Function):
    """y = x @ w.T + b (then ReLU when relu=True) in one C++ kernel; x is (*, K), w (N, K), b (N,) or absent."""

    numpy_may_warn = False  # the C++ kernel does the arithmetic

    @staticmethod
    def compute(x, w, b, relu):
        """The forward arithmetic (also linear()'s lean path): (contiguous x, contiguous w, y)."""
        # (np.ascontiguousarray would turn a 0-d array into 1-d, which the kernel must refuse)
        x = x if x.flags.c_contiguous else np.ascontiguousarray(x)
        w = w if w.flags.c_contiguous else np.ascontiguousarray(w)
        b = b if b is None or b.flags.c_contiguous else np.ascontiguousarray(b)
        y = np.empty(x.shape[:-1] + (w.shape[0],), dtype=x.dtype)
        _C.linear_forward(y, x, w, b, relu)  # leading dims of x fold into the GEMM's rows
        return x, w, y

    def forward(self, x, w, *bias, relu=False):
        x, w, y = self.compute(x, w, bias[0] if bias else None, relu)
        self.relu = relu
        self.save_for_backward(x, w, y if relu else None)
        return y

    def backward(self, g):
        x, w, y = self.saved_tensors
        g = g.reshape(-1, w.shape[0])
        g = np.ascontiguousarray(g * (y.reshape(g.shape) > 0) if self.relu else g)
        x2 = x.reshape(-1, w.shape[1])
        need = self.needs_input_grad
        dx = np.empty_like(x2) if need[0] else None
        dw = np.empty_like(w) if need[1] else None
        db = np.empty(w.shape[0], dtype=g.dtype) if len(need) > 2 and need[2] else None
        _C.linear_backward(dx, dw, db, g, x2, w)
        dx = None if dx is None else dx.reshape(x.shape)
        return (dx, dw, db) if len(need) > 2 else (dx, dw)


def linear(x, w, b=None, relu=False):
    """x (*, K) @ w.T + b through the fused kernel (float32/float64 with matching dtypes)."""
    lean = not records_graph(x, w, b)
    if lean:
        try:  # the kernel checks shapes and dtypes itself; the checks below only explain a refusal
            return Tensor._wrap(Linear.compute(x._data, w._data, None if b is None else b._data, relu)[2])
        except (TypeError, ValueError):
            pass
    x_shape, w_shape = x._data.shape, w._data.shape  # the arrays' shapes: cheaper than Tensor.shape
    if len(w_shape) != 2:
        raise RuntimeError(f"linear: weight must be 2-D (out_features, in_features), got shape {w_shape}")
    if not x_shape or x_shape[-1] != w_shape[1]:
        got = x_shape[-1] if x_shape else "no"
        raise RuntimeError(
            f"linear: input has {got} features but weight expects {w_shape[1]} "
            f"(input shape {x_shape}, weight shape {w_shape})"
        )
    if b is not None and b._data.shape != (w_shape[0],):
        raise RuntimeError(f"linear: bias has shape {b._data.shape} but weight {w_shape} expects ({w_shape[0]},)")
    xt, wt = x._data.dtype, w._data.dtype
    if xt != wt or (b is not None and b._data.dtype != wt) or (xt != np.float32 and xt != np.float64):
        if x.dtype != w.dtype:
            raise RuntimeError(
                f"linear: expected input and weight to have the same dtype, but got {x.dtype} (shape "
                f"{tuple(x.shape)}) and {w.dtype} (shape {tuple(w.shape)})"
            )
        out = matmul(x, w.t())
        out = out if b is None else out + b
        return out.relu() if relu else out
    return Linear.apply(x, w, relu=relu) if b is None else Linear.apply(x, w, b, relu=relu)


def matmul(a, b):
    """torch.matmul: 1-D operands are promoted to matrices and the added dim removed afterwards."""
    if not isinstance(a, Tensor) or not isinstance(b, Tensor):
        raise TypeError(f"matmul: expected Tensors, got {type(a).__name__} and {type(b).__name__}")
    if a.ndim == 0 or b.ndim == 0:
        raise RuntimeError(f"matmul: both arguments need at least 1 dimension, got shapes {tuple(a.shape)} and {tuple(b.shape)}")
    if a.dtype != b.dtype:
        raise RuntimeError(
            f"matmul: expected both operands to have the same dtype, but got {a.dtype} (shape {tuple(a.shape)}) "
            f"and {b.dtype} (shape {tuple(b.shape)})"
        )
    k_a = a.shape[-1]
    k_b = b.shape[0] if b.ndim == 1 else b.shape[-2]
    if k_a != k_b:
        raise RuntimeError(
            f"matmul: shapes {tuple(a.shape)} and {tuple(b.shape)} are not aligned: {k_a} (dim -1 of a) != {k_b} "
            f"(dim {0 if b.ndim == 1 else -2} of b)"
        )
    if a.ndim > 2 or b.ndim > 2:
        try:
            np.broadcast_shapes(a.shape[:-2], b.shape[:-2] if b.ndim > 1 else ())
        except ValueError:
            raise RuntimeError(
                f"matmul: batch dimensions of {tuple(a.shape)} and {tuple(b.shape)} are not broadcastable"
            ) from None
    a2 = a.unsqueeze(0) if a.ndim == 1 else a
    b2 = b.unsqueeze(-1) if b.ndim == 1 else b
    out = MatMul.apply(a2, b2)
    if a.ndim == 1 and b.ndim == 1:
        return out.reshape(())
    if b.ndim == 1:
        out = out.squeeze(-1)
    if a.ndim == 1:
        out = out.squeeze(-2)
    return out


def mm(a, b):
    if a.ndim != 2 or b.ndim != 2:
        raise RuntimeError(f"mm: expected 2-D tensors, got shapes {tuple(a.shape)} and {tuple(b.shape)}")
    return matmul(a, b)


def bmm(a, b):
    if a.ndim != 3 or b.ndim != 3 or a.shape[0] != b.shape[0]:
        raise RuntimeError(f"bmm: expected 3-D tensors with equal batch, got shapes {tuple(a.shape)} and {tuple(b.shape)}")
    return matmul(a, b)


def dot(a, b):
    if a.ndim != 1 or b.ndim != 1:
        raise RuntimeError(f"dot: 1D tensors expected, but got {a.ndim}D and {b.ndim}D tensors")
    return matmul(a, b)


def outer(a, b):
    return a.unsqueeze(1) * b.unsqueeze(0)


def mv(a, v):
    if a.ndim != 2 or v.ndim != 1:
        raise RuntimeError(f"mv: expected a 2-D matrix and a 1-D vector, got shapes {tuple(a.shape)} and {tuple(v.shape)}")
    return matmul(a, v)


class Einsum(Function):
    """np.einsum over the Tensor inputs; the gradient of operand i is the einsum of the output gradient with the
    other operands, written to operand i's subscripts (then broadcast over indices summed away in the forward)."""

    def forward(self, *arrays, inputs=(), output=""):
        self.inputs_subs, self.output = inputs, output
        self.save_for_backward(*arrays)
        return np.einsum(",".join(inputs) + "->" + output, *arrays)

    def backward(self, g):
        arrays = self.saved_tensors
        grads = []
        for i, sub in enumerate(self.inputs_subs):
            if not self.needs_input_grad[i]:
                grads.append(None)
                continue
            others = [s for k, s in enumerate(self.inputs_subs) if k != i]
            seen = set(self.output).union(*others)
            kept = "".join(c for c in sub if c in seen)
            spec = ",".join([self.output] + others) + "->" + kept
            gi = np.einsum(spec, g, *[a for k, a in enumerate(arrays) if k != i])
            shape = [arrays[i].shape[k] if c in seen else 1 for k, c in enumerate(sub)]
            grads.append(np.broadcast_to(gi.reshape(shape), arrays[i].shape).copy())
        return tuple(grads)


def einsum(equation, *operands):
    """torch.einsum for equations without repeated indices inside one operand (no traces or diagonals)."""
    if len(operands) == 1 and isinstance(operands[0], (list, tuple)):
        operands = tuple(operands[0])
    eq = equation.replace(" ", "")
    if "..." in eq:
        raise NotImplementedError("einsum: ellipsis ('...') is not supported")
    lhs, _, rhs = eq.partition("->")
    subs = lhs.split(",")
    if len(subs) != len(operands):
        raise RuntimeError(f"einsum: the equation has {len(subs)} operands but {len(operands)} were given")
    if not _:
        rhs = "".join(sorted(c for c in set(lhs) - {","} if lhs.count(c) == 1))
    for sub, t in zip(subs, operands):
        if len(set(sub)) != len(sub):
            raise NotImplementedError(f"einsum: repeated index in operand {sub!r} (traces/diagonals) is not supported")
        if len(sub) != t.ndim:
            raise RuntimeError(f"einsum: operand {sub!r} has {len(sub)} subscripts but shape {tuple(t.shape)}")
    dt = operands[0].dtype
    for t in operands[1:]:
        dt = dtypes.promote(dt, t.dtype)
    operands = [t if t.dtype == dt else t.to(dt) for t in operands]
    return Einsum.apply(*operands, inputs=tuple(subs), output=rhs)
