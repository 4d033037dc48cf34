"""pad (torch.nn.functional.pad): constant, reflect, replicate and circular padding of the last dimensions.

`pad` lists (left, right) pairs starting from the last dimension: (1, 1, 2, 0) pads the last dimension by 1 on
each side and the one before by 2 at the start. Negative amounts crop. Constant padding is its own Function;
the other modes gather each padded axis through a 0/1 matrix (interpolate's Resample), whose transpose sums the
gradient of repeated pixels back.
"""
import numpy as np

from ..autograd.function import Function
from .interpolate import Resample, _selection


class ConstantPad(Function):
    """Copy x into a `value`-filled array; pads are ((left, right), ...) for every axis (negative crops)."""

    def forward(self, x, *, pads, value):
        src, dst = [], []
        shape = []
        for n, (left, right) in zip(x.shape, pads):
            size = n + left + right
            keep = n - max(-left, 0) - max(-right, 0)
            src.append(slice(max(-left, 0), max(-left, 0) + keep))
            dst.append(slice(max(left, 0), max(left, 0) + keep))
            shape.append(size)
        y = np.full(shape, value, dtype=x.dtype)
        y[tuple(dst)] = x[tuple(src)]
        self.args = (x.shape, tuple(src), tuple(dst))
        return y

    def backward(self, g):
        shape, src, dst = self.args
        dx = np.zeros(shape, dtype=g.dtype)
        dx[src] = g[dst]
        return dx


def _source_index(mode, n, left, right):
    """For each padded position i in [-left, n + right), the input index it copies."""
    i = np.arange(-left, n + right)
    if mode == "replicate":
        return np.clip(i, 0, n - 1)
    if mode == "circular":  # as PyTorch, a negative pad crops first and the wrap stays inside what is kept
        lo, hi = max(-left, 0), n - max(-right, 0)
        return lo + (i - lo) % (hi - lo)
    period = 2 * (n - 1)  # reflect: ... 2 1 | 0 1 2 ... n-1 | n-2 ...
    i = np.abs(i) % period if period else np.zeros_like(i)
    return np.where(i < n, i, period - i)


def pad(input, pad, mode="constant", value=None):
    """torch.nn.functional.pad: pad (left, right) pairs from the last dimension backwards.

    mode 'constant' fills with value (default 0) and works on any number of dimensions; 'reflect' (mirror without
    repeating the edge), 'replicate' (repeat the edge) and 'circular' (wrap around) pad the last 1-3 dimensions of
    an input with a batch and/or channel dimension in front.
    """
    op = "pad"
    if len(pad) % 2:
        raise ValueError(f"{op}: padding length must be divisible by 2, got {len(pad)} values {tuple(pad)}")
    if not all(isinstance(p, (int, np.integer)) and not isinstance(p, bool) for p in pad):
        raise TypeError(f"{op}: padding must hold ints, got {tuple(pad)}")
    k = len(pad) // 2
    if k > input.ndim:
        raise ValueError(f"{op}: padding {tuple(pad)} covers {k} dimensions but the input {tuple(input.shape)} has "
                         f"{input.ndim}")
    pairs = [(int(pad[2 * j]), int(pad[2 * j + 1])) for j in range(k)][::-1]
    axes = list(range(input.ndim - k, input.ndim))
    for axis, (left, right) in zip(axes, pairs):
        if input.shape[axis] + left + right < 0:
            raise ValueError(f"{op}: padding {tuple(pad)} gives a negative size for dimension {axis} of input "
                             f"{tuple(input.shape)}")
    if mode == "constant":
        all_pairs = [(0, 0)] * (input.ndim - k) + pairs
        return ConstantPad.apply(input, pads=tuple(all_pairs), value=0 if value is None else value)
    if mode not in ("reflect", "replicate", "circular"):
        raise NotImplementedError(f"{op}: mode {mode!r} is not supported (constant, reflect, replicate, circular)")
    if value is not None and value != 0:
        raise ValueError(f"{op}: padding mode {mode!r} doesn't take in value argument")
    if not 1 <= k <= 3 or input.ndim not in (k + 1, k + 2):
        raise ValueError(f"{op}: {mode} padding of {k} dimensions expects a {k + 1}-D or {k + 2}-D input, got "
                         f"{tuple(input.shape)} (padding {tuple(pad)})")
    matrices = []
    for axis, (left, right) in zip(axes, pairs):
        n = input.shape[axis]
        limit = n - 1 if mode == "reflect" else n
        if mode == "replicate":
            limit = float("inf") if n > 0 else 0
        if left > limit or right > limit or n == 0:
            raise ValueError(
                f"{op}: {mode} padding {(left, right)} of dimension {axis} is too large for input "
                f"{tuple(input.shape)} (at most {limit} for a dimension of size {n})"
            )
        matrices.append(_selection(_source_index(mode, n, left, right), n))
    return Resample.apply(input, axes=tuple(axes), matrices=matrices)
