"""2-D pooling (NCHW, PyTorch semantics) on the C++ kernels: max_pool2d, avg_pool2d, adaptive_avg_pool2d.

Output size (PyTorch's rule): P = floor((H + 2*pad - dil*(k-1) - 1 + (stride-1 if ceil_mode else 0)) / stride) + 1,
less one when ceil_mode would start the last window at or beyond H + pad (it must start inside the input or the
left padding).
"""
import numpy as np

from .. import _C
from ..autograd.function import Function
from .conv import _pair


class MaxPool2d(Function):
    """Max over each window; saves the argmax (flat index into the H*W plane) and scatters the gradient through it."""

    def forward(self, x, *, kernel_size, stride, padding, dilation, out_hw, indices_out=None):
        x = np.ascontiguousarray(x)
        y = np.empty(x.shape[:2] + out_hw, dtype=x.dtype)
        indices = np.empty(y.shape, dtype=np.int64)
        _C.max_pool2d_forward(y, indices, x, kernel_size, stride, padding, dilation)
        self.x_shape = x.shape
        self.save_for_backward(indices)
        if indices_out is not None:
            indices_out.append(indices)
        return y

    def backward(self, g):
        (indices,) = self.saved_tensors
        dx = np.empty(self.x_shape, dtype=g.dtype)
        _C.max_pool2d_backward(dx, np.ascontiguousarray(g), indices)
        return dx


class AvgPool2d(Function):
    """Window means; divisor_override 0 means PyTorch's count_include_pad rule decides the divisor."""

    def forward(self, x, *, kernel_size, stride, padding, count_include_pad, divisor_override, out_hw):
        x = np.ascontiguousarray(x)
        y = np.empty(x.shape[:2] + out_hw, dtype=x.dtype)
        self.args = (kernel_size, stride, padding, count_include_pad, divisor_override)
        self.x_shape = x.shape
        _C.avg_pool2d_forward(y, x, *self.args)
        return y

    def backward(self, g):
        dx = np.empty(self.x_shape, dtype=g.dtype)
        _C.avg_pool2d_backward(dx, np.ascontiguousarray(g), *self.args)
        return dx


class AdaptiveAvgPool2d(Function):
    """Means over rows floor(i*H/P) .. ceil((i+1)*H/P) - 1 (likewise columns)."""

    def forward(self, x, *, out_hw):
        x = np.ascontiguousarray(x)
        y = np.empty(x.shape[:2] + out_hw, dtype=x.dtype)
        self.x_shape = x.shape
        _C.adaptive_avg_pool2d_forward(y, x)
        return y

    def backward(self, g):
        dx = np.empty(self.x_shape, dtype=g.dtype)
        _C.adaptive_avg_pool2d_backward(dx, np.ascontiguousarray(g))
        return dx


def _check_input(op, input):
    """Float 3-D (unbatched) or 4-D input with non-empty planes; returns whether it is unbatched."""
    from ..tensor import Tensor

    if not isinstance(input, Tensor):
        raise TypeError(f"{op}: input must be a Tensor, got {type(input).__name__}")
    if input.dtype not in (np.float32, np.float64):
        raise TypeError(f"{op}: expected a float32 or float64 input, got {input.dtype} (input {tuple(input.shape)})")
    if input.ndim not in (3, 4):
        raise ValueError(f"{op}: expected a 3-D (unbatched) or 4-D (batched) input, got shape {tuple(input.shape)}")
    if 0 in input.shape[-3:]:
        raise ValueError(f"{op}: expected non-empty channel and spatial dimensions, got input {tuple(input.shape)}")
    return input.ndim == 3


def _window_args(op, input, kernel_size, stride, padding, dilation, ceil_mode):
    """Checked (kernel, stride, padding, dilation) pairs and the output size."""
    kernel = _pair(op, "kernel_size", kernel_size, 1)
    stride = kernel if stride is None or (not isinstance(stride, int) and len(stride) == 0) else _pair(op, "stride", stride, 1)
    padding = _pair(op, "padding", padding, 0)
    dilation = _pair(op, "dilation", dilation, 1)
    eff = tuple(d * (k - 1) + 1 for k, d in zip(kernel, dilation))
    if padding[0] > eff[0] // 2 or padding[1] > eff[1] // 2:
        raise ValueError(
            f"{op}: pad should be at most half of effective kernel size, but got padding {padding}, kernel_size "
            f"{kernel} and dilation {dilation}"
        )
    out = []
    for n, k, s, p in zip(input.shape[-2:], eff, stride, padding):
        o = (n + 2 * p - k + (s - 1 if ceil_mode else 0)) // s + 1
        if ceil_mode and (o - 1) * s >= n + p:
            o -= 1
        out.append(o)
    if min(out) < 1:
        raise ValueError(
            f"{op}: given input {tuple(input.shape)}, the calculated output size {out[0]}x{out[1]} is too small "
            f"(kernel_size {kernel}, stride {stride}, padding {padding}, dilation {dilation})"
        )
    return kernel, stride, padding, dilation, tuple(out)


def _apply(fn, input, unbatched, **options):
    x = input.unsqueeze(0) if unbatched else input
    out = fn.apply(x, **options)
    return out.squeeze(0) if unbatched else out


def max_pool2d(input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False, return_indices=False):
    """torch.nn.functional.max_pool2d on (N, C, H, W) or (C, H, W); padding counts as -inf.

    With return_indices, also returns the int64 flat index (h*W + w in the input plane) of each maximum.
    """
    from ..tensor import Tensor

    op = "max_pool2d"
    unbatched = _check_input(op, input)
    kernel, stride, padding, dilation, out_hw = _window_args(op, input, kernel_size, stride, padding, dilation,
                                                             ceil_mode)
    sink = [] if return_indices else None
    out = _apply(MaxPool2d, input, unbatched, kernel_size=kernel, stride=stride, padding=padding, dilation=dilation,
                 out_hw=out_hw, indices_out=sink)
    if not return_indices:
        return out
    indices = sink[0][0] if unbatched else sink[0]
    return out, Tensor._wrap(indices)


def avg_pool2d(input, kernel_size, stride=None, padding=0, ceil_mode=False, count_include_pad=True,
               divisor_override=None):
    """torch.nn.functional.avg_pool2d on (N, C, H, W) or (C, H, W).

    Each output divides its window's sum by divisor_override if given, else by the window's size clipped to the
    padded input (count_include_pad=True) or by the number of input elements in it (count_include_pad=False).
    """
    op = "avg_pool2d"
    unbatched = _check_input(op, input)
    kernel, stride, padding, _, out_hw = _window_args(op, input, kernel_size, stride, padding, 1, ceil_mode)
    if divisor_override is not None:
        if not isinstance(divisor_override, (int, np.integer)) or isinstance(divisor_override, bool):
            raise TypeError(f"{op}: divisor_override must be an int or None, got {divisor_override!r}")
        if divisor_override == 0:
            raise ValueError(f"{op}: divisor must be not zero")
    return _apply(AvgPool2d, input, unbatched, kernel_size=kernel, stride=stride, padding=padding,
                  count_include_pad=bool(count_include_pad),
                  divisor_override=0 if divisor_override is None else int(divisor_override), out_hw=out_hw)


def adaptive_avg_pool2d(input, output_size):
    """torch.nn.functional.adaptive_avg_pool2d: output_size is an int or a pair (None keeps that input size)."""
    op = "adaptive_avg_pool2d"
    unbatched = _check_input(op, input)
    sizes = (output_size, output_size) if output_size is None or isinstance(output_size, (int, np.integer)) \
        else tuple(output_size)
    if len(sizes) != 2:
        raise ValueError(f"{op}: output_size must be an int or a pair, got {output_size!r}")
    sizes = tuple(n if o is None else o for o, n in zip(sizes, input.shape[-2:]))
    out_hw = _pair(op, "output_size", sizes, 1)
    return _apply(AdaptiveAvgPool2d, input, unbatched, out_hw=out_hw)


# ---- 1-D pooling (the 2-D kernels over a height of 1), adaptive max pooling and power-average pooling ----


def _one(op, name, value):
    v = tuple(value) if isinstance(value, (tuple, list)) else (value,)
    if len(v) != 1:
        raise TypeError(f"{op}: {name} must be an int or a 1-tuple, got {value!r}")
    return v[0]


def _check_1d_input(op, input):
    if input.ndim not in (2, 3):
        raise ValueError(f"{op}: expected a 2-D (C, L) or 3-D (N, C, L) input, got shape {tuple(input.shape)}")


def max_pool1d(input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False, return_indices=False):
    """torch.nn.functional.max_pool1d on (N, C, L) or (C, L); padding counts as -inf."""
    op = "max_pool1d"
    _check_1d_input(op, input)
    k = _one(op, "kernel_size", kernel_size)
    s = k if stride is None or (isinstance(stride, (tuple, list)) and not stride) else _one(op, "stride", stride)
    out = max_pool2d(input.unsqueeze(-2), (1, k), (1, s), (0, _one(op, "padding", padding)),
                     (1, _one(op, "dilation", dilation)), ceil_mode, return_indices)
    if return_indices:
        return out[0].squeeze(-2), out[1].squeeze(-2)
    return out.squeeze(-2)


def avg_pool1d(input, kernel_size, stride=None, padding=0, ceil_mode=False, count_include_pad=True):
    """torch.nn.functional.avg_pool1d on (N, C, L) or (C, L)."""
    op = "avg_pool1d"
    _check_1d_input(op, input)
    k = _one(op, "kernel_size", kernel_size)
    s = k if stride is None or (isinstance(stride, (tuple, list)) and not stride) else _one(op, "stride", stride)
    return avg_pool2d(input.unsqueeze(-2), (1, k), (1, s), (0, _one(op, "padding", padding)), ceil_mode,
                      count_include_pad).squeeze(-2)


def adaptive_avg_pool1d(input, output_size):
    """torch.nn.functional.adaptive_avg_pool1d on (N, C, L) or (C, L)."""
    op = "adaptive_avg_pool1d"
    _check_1d_input(op, input)
    return adaptive_avg_pool2d(input.unsqueeze(-2), (1, _one(op, "output_size", output_size))).squeeze(-2)


def _adaptive_bounds(n, out):
    """PyTorch's adaptive windows: [floor(i n / out), ceil((i + 1) n / out))."""
    return [((i * n) // out, -((-(i + 1) * n) // out)) for i in range(out)]


def adaptive_max_pool2d(input, output_size, return_indices=False):
    """torch.nn.functional.adaptive_max_pool2d on (N, C, H, W) or (C, H, W): the max of each adaptive window (a
    composition of amax, so ties share the gradient)."""
    from .shape import stack

    op = "adaptive_max_pool2d"
    _check_input(op, input)
    if return_indices:
        raise NotImplementedError(f"{op}: return_indices is not supported")
    sizes = (output_size, output_size) if output_size is None or isinstance(output_size, (int, np.integer)) \
        else tuple(output_size)
    H, W = input.shape[-2:]
    oh, ow = (H if sizes[0] is None else sizes[0]), (W if sizes[1] is None else sizes[1])
    rows = []
    for h0, h1 in _adaptive_bounds(H, oh):
        cells = [input[..., h0:h1, w0:w1].amax((-2, -1)) for w0, w1 in _adaptive_bounds(W, ow)]
        rows.append(stack(cells, -1))
    return stack(rows, -2)


def adaptive_max_pool1d(input, output_size, return_indices=False):
    """torch.nn.functional.adaptive_max_pool1d on (N, C, L) or (C, L)."""
    op = "adaptive_max_pool1d"
    _check_1d_input(op, input)
    return adaptive_max_pool2d(input.unsqueeze(-2), (1, _one(op, "output_size", output_size)),
                               return_indices).squeeze(-2)


def lp_pool2d(input, norm_type, kernel_size, stride=None, ceil_mode=False):
    """(sum over each window of x^p)^(1/p), computed as PyTorch: avg_pool2d of x^p times the window size."""
    from .elementwise import relu

    kh, kw = _pair("lp_pool2d", "kernel_size", kernel_size, 1)
    out = avg_pool2d(input ** norm_type, (kh, kw), stride, 0, ceil_mode)
    return ((out.sign() * relu(out.abs())) * (kh * kw)) ** (1.0 / norm_type)


def lp_pool1d(input, norm_type, kernel_size, stride=None, ceil_mode=False):
    """(sum over each window of x^p)^(1/p) on (N, C, L) or (C, L)."""
    from .elementwise import relu

    k = _one("lp_pool1d", "kernel_size", kernel_size)
    out = avg_pool1d(input ** norm_type, k, stride, 0, ceil_mode)
    return ((out.sign() * relu(out.abs())) * k) ** (1.0 / norm_type)
