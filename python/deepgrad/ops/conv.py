"""conv2d and conv_transpose2d (NCHW, PyTorch semantics) on the C++ im2col + GEMM kernels.

conv2d:           x (N, C, H, W), weight (K, C/groups, R, S) -> (N, K, P, Q)
                  y[n, k, p, q] = b[k] + sum_{c, r, s} w[k, c, r, s] x[n, g*C/groups + c, p*sh - ph + r*dh, q*sw - pw + s*dw]
                  P = (H + 2*ph - dh*(R-1) - 1) // sh + 1
conv_transpose2d: x (N, C_in, H, W), weight (C_in, C_out/groups, R, S) -> (N, C_out, H_out, W_out), the adjoint of
                  conv2d: H_out = (H-1)*sh - 2*ph + dh*(R-1) + output_padding + 1
"""
import numpy as np

from .. import _C
from ..autograd.function import Function


def _pair(op, name, value, minimum):
    """An int or a pair of ints as a checked (h, w) tuple."""
    pair = (value, value) if isinstance(value, (int, np.integer)) else tuple(value)
    if len(pair) != 2 or not all(isinstance(v, (int, np.integer)) and not isinstance(v, bool) for v in pair):
        raise TypeError(f"{op}: {name} must be an int or a pair of ints, got {value!r}")
    if any(v < minimum for v in pair):
        raise ValueError(f"{op}: {name} must be >= {minimum}, got {value!r}")
    return int(pair[0]), int(pair[1])


def _check_tensors(op, input, weight, bias):
    """Common checks: float dtypes that agree, 3-D/4-D input, 4-D weight. Returns whether input is unbatched."""
    from ..tensor import Tensor

    for name, t in (("input", input), ("weight", weight), ("bias", bias)):
        if t is not None and not isinstance(t, Tensor):
            raise TypeError(f"{op}: {name} must be a Tensor, got {type(t).__name__}")
    if input.dtype not in (np.float32, np.float64):
        raise TypeError(f"{op}: expected a float32 or float64 input, got {input.dtype} (input {tuple(input.shape)})")
    for name, t in (("weight", weight), ("bias", bias)):
        if t is not None and t.dtype != input.dtype:
            raise TypeError(f"{op}: input is {input.dtype} but {name} is {t.dtype}")
    if input.ndim not in (3, 4):
        raise ValueError(f"{op}: expected a 3-D (unbatched) or 4-D (batched) input, got shape {tuple(input.shape)}")
    if weight.ndim != 4:
        raise ValueError(f"{op}: expected a 4-D weight, got shape {tuple(weight.shape)}")
    return input.ndim == 3


def _check_bias(op, bias, channels, weight):
    if bias is not None and tuple(bias.shape) != (channels,):
        raise ValueError(f"{op}: bias has shape {tuple(bias.shape)} but expected ({channels},) (weight {tuple(weight.shape)})")


class _Conv:
    """Forward/backward shared by the two convolution Functions, which name their kernels and output channels."""

    forward_kernel = backward_kernel = None

    @staticmethod
    def out_channels(w, groups):
        raise NotImplementedError

    def forward(self, x, w, b=None, *, stride, padding, dilation, groups, out_hw):
        x, w = np.ascontiguousarray(x), np.ascontiguousarray(w)
        self.args = (stride, padding, dilation, groups)
        self.has_bias = b is not None
        self.save_for_backward(x, w)
        y = np.empty((x.shape[0], self.out_channels(w, groups)) + out_hw, dtype=x.dtype)
        type(self).forward_kernel(y, x, w, None if b is None else np.ascontiguousarray(b), *self.args)
        return y

    def backward(self, g):
        x, w = self.saved_tensors
        needs = self.needs_input_grad
        dx = np.empty_like(x) if needs[0] else None
        dw = np.empty_like(w) if needs[1] else None
        db = np.empty(self.out_channels(w, self.args[3]), dtype=x.dtype) if self.has_bias and needs[2] else None
        type(self).backward_kernel(dx, dw, db, np.ascontiguousarray(g), x, w, *self.args)
        return (dx, dw, db) if self.has_bias else (dx, dw)


class Conv2d(_Conv, Function):
    """conv2d; `padding` is the top/left padding and `out_hw` the output size (so 'same' may pad asymmetrically)."""

    forward_kernel, backward_kernel = _C.conv2d_forward, _C.conv2d_backward

    @staticmethod
    def out_channels(w, groups):
        return w.shape[0]


class ConvTranspose2d(_Conv, Function):
    """conv_transpose2d: conv2d's input gradient forward; conv2d forward + weight gradient backward."""

    forward_kernel, backward_kernel = _C.conv_transpose2d_forward, _C.conv_transpose2d_backward

    @staticmethod
    def out_channels(w, groups):
        return w.shape[1] * groups


def _apply(fn, input, weight, bias, unbatched, **options):
    x = input.unsqueeze(0) if unbatched else input
    tensors = (x, weight) if bias is None else (x, weight, bias)
    out = fn.apply(*tensors, **options)
    return out.squeeze(0) if unbatched else out


def conv2d(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1):
    """torch.nn.functional.conv2d: input (N, C, H, W) or (C, H, W), weight (K, C/groups, R, S), bias (K,).

    padding is an int, a pair, 'valid' (0) or 'same' (output size = input size; stride 1 only; an odd total
    padding puts the extra row/column at the bottom/right, as PyTorch does).
    """
    op = "conv2d"
    unbatched = _check_tensors(op, input, weight, bias)
    stride = _pair(op, "stride", stride, 1)
    dilation = _pair(op, "dilation", dilation, 1)
    if not isinstance(groups, (int, np.integer)) or isinstance(groups, bool) or groups < 1:
        raise ValueError(f"{op}: groups must be a positive int, got {groups!r}")
    C, H, W = input.shape[-3:]
    K, Cg, R, S = weight.shape
    if K % groups:
        raise ValueError(f"{op}: weight has {K} output channels, which groups {groups} does not divide (weight {tuple(weight.shape)})")
    if C != Cg * groups:
        raise ValueError(
            f"{op}: input has {C} channels but weight expects {Cg * groups} (input {tuple(input.shape)}, "
            f"weight {tuple(weight.shape)}, groups {groups})"
        )
    _check_bias(op, bias, K, weight)
    eff = (dilation[0] * (R - 1) + 1, dilation[1] * (S - 1) + 1)
    if isinstance(padding, str):
        if padding == "valid":
            pad, extra = (0, 0), (0, 0)
        elif padding == "same":
            if stride != (1, 1):
                raise ValueError(f"{op}: padding='same' is not supported for strided convolutions (stride {stride})")
            pad = ((eff[0] - 1) // 2, (eff[1] - 1) // 2)
            extra = ((eff[0] - 1) % 2, (eff[1] - 1) % 2)
        else:
            raise ValueError(f"{op}: padding must be an int, a pair, 'valid' or 'same', got {padding!r}")
    else:
        pad, extra = _pair(op, "padding", padding, 0), (0, 0)
    padded = (H + 2 * pad[0] + extra[0], W + 2 * pad[1] + extra[1])
    if eff[0] > padded[0] or eff[1] > padded[1]:
        raise ValueError(
            f"{op}: kernel {eff[0]}x{eff[1]}{' (dilated)' if dilation != (1, 1) else ''} is larger than the padded "
            f"input {padded[0]}x{padded[1]} (input {tuple(input.shape)}, weight {tuple(weight.shape)})"
        )
    out_hw = ((padded[0] - eff[0]) // stride[0] + 1, (padded[1] - eff[1]) // stride[1] + 1)
    return _apply(Conv2d, input, weight, bias, unbatched, stride=stride, padding=pad, dilation=dilation,
                  groups=int(groups), out_hw=out_hw)


def conv_transpose2d(input, weight, bias=None, stride=1, padding=0, output_padding=0, groups=1, dilation=1):
    """torch.nn.functional.conv_transpose2d: input (N, C_in, H, W) or (C_in, H, W), weight (C_in, C_out/groups, R, S),
    bias (C_out,); H_out = (H-1)*stride - 2*padding + dilation*(R-1) + output_padding + 1."""
    op = "conv_transpose2d"
    unbatched = _check_tensors(op, input, weight, bias)
    stride = _pair(op, "stride", stride, 1)
    dilation = _pair(op, "dilation", dilation, 1)
    pad = _pair(op, "padding", padding, 0)
    out_pad = _pair(op, "output_padding", output_padding, 0)
    if not isinstance(groups, (int, np.integer)) or isinstance(groups, bool) or groups < 1:
        raise ValueError(f"{op}: groups must be a positive int, got {groups!r}")
    C, H, W = input.shape[-3:]
    Cin, Cg_out, R, S = weight.shape
    if C != Cin:
        raise ValueError(
            f"{op}: input has {C} channels but weight expects {Cin} (input {tuple(input.shape)}, "
            f"weight {tuple(weight.shape)}, groups {groups})"
        )
    if Cin % groups:
        raise ValueError(f"{op}: groups {groups} does not divide the {Cin} input channels (weight {tuple(weight.shape)})")
    _check_bias(op, bias, Cg_out * groups, weight)
    for i in range(2):
        if out_pad[i] >= stride[i] and out_pad[i] >= dilation[i]:
            raise ValueError(
                f"{op}: output_padding must be smaller than either stride or dilation, got output_padding {out_pad}, "
                f"stride {stride}, dilation {dilation}"
            )
    out_hw = tuple((n - 1) * stride[i] - 2 * pad[i] + dilation[i] * (k - 1) + out_pad[i] + 1
                   for i, (n, k) in enumerate(((H, R), (W, S))))
    if min(out_hw) < 1:
        raise ValueError(
            f"{op}: output size {out_hw[0]}x{out_hw[1]} is too small (input {tuple(input.shape)}, weight "
            f"{tuple(weight.shape)}, stride {stride}, padding {pad}, dilation {dilation})"
        )
    return _apply(ConvTranspose2d, input, weight, bias, unbatched, stride=stride, padding=pad, dilation=dilation,
                  groups=int(groups), out_hw=out_hw)


# ---- unfold / fold (im2col / col2im): sliding blocks of an image as columns, and their adjoint ----


def _im2col(x, k, d, p, s, out_hw):
    """x (N, C, H, W) -> (N, C*kh*kw, L): column l holds the block at output position l (row-major), its rows
    ordered (c, i, j) as PyTorch's unfold. Zero padding p; the block of position (a, b) starts at (a*sh - ph,
    b*sw - pw) and samples every d-th pixel."""
    N, C = x.shape[:2]
    (kh, kw), (dh, dw), (sh, sw), (oh, ow) = k, d, s, out_hw
    xp = np.pad(x, ((0, 0), (0, 0), (p[0], p[0]), (p[1], p[1])))
    cols = np.empty((N, C, kh, kw, oh, ow), dtype=x.dtype)
    for i in range(kh):
        for j in range(kw):
            cols[:, :, i, j] = xp[:, :, i * dh: i * dh + sh * (oh - 1) + 1: sh, j * dw: j * dw + sw * (ow - 1) + 1: sw]
    return cols.reshape(N, C * kh * kw, oh * ow)


def _col2im(cols, C, hw, k, d, p, s, out_hw):
    """The adjoint of _im2col: (N, C*kh*kw, L) -> (N, C, H, W), overlapping blocks summed."""
    N = cols.shape[0]
    (kh, kw), (dh, dw), (sh, sw), (oh, ow) = k, d, s, out_hw
    cols = cols.reshape(N, C, kh, kw, oh, ow)
    xp = np.zeros((N, C, hw[0] + 2 * p[0], hw[1] + 2 * p[1]), dtype=cols.dtype)
    for i in range(kh):
        for j in range(kw):
            xp[:, :, i * dh: i * dh + sh * (oh - 1) + 1: sh, j * dw: j * dw + sw * (ow - 1) + 1: sw] += cols[:, :, i, j]
    return xp[:, :, p[0]: p[0] + hw[0], p[1]: p[1] + hw[1]]


class Unfold(Function):
    """im2col: (N, C, H, W) -> (N, C*kh*kw, L); backward is col2im."""

    def forward(self, x, kernel_size=None, dilation=None, padding=None, stride=None, out_hw=None):
        self.args = (kernel_size, dilation, padding, stride, out_hw)
        self.shape = x.shape
        return _im2col(x, *self.args)

    def backward(self, g):
        return _col2im(g, self.shape[1], self.shape[2:], *self.args)


class Fold(Function):
    """col2im: (N, C*kh*kw, L) -> (N, C, H, W), overlapping values summed; backward is im2col."""

    def forward(self, cols, channels=None, output_size=None, kernel_size=None, dilation=None, padding=None, stride=None,
                out_hw=None):
        self.args = (kernel_size, dilation, padding, stride, out_hw)
        return _col2im(cols, channels, output_size, *self.args)

    def backward(self, g):
        return _im2col(np.ascontiguousarray(g), *self.args)


def _blocks(op, hw, kernel_size, dilation, padding, stride):
    k = _pair(op, "kernel_size", kernel_size, 1)
    d = _pair(op, "dilation", dilation, 1)
    p = _pair(op, "padding", padding, 0)
    s = _pair(op, "stride", stride, 1)
    out_hw = tuple((hw[i] + 2 * p[i] - d[i] * (k[i] - 1) - 1) // s[i] + 1 for i in range(2))
    if min(out_hw) < 1:
        raise RuntimeError(
            f"{op}: the spatial size {tuple(hw)} with padding {p}, kernel_size {k} and dilation {d} gives "
            f"{out_hw[0]}x{out_hw[1]} sliding blocks; it must be at least 1x1"
        )
    return k, d, p, s, out_hw


def unfold(input, kernel_size, dilation=1, padding=0, stride=1):
    """torch.nn.functional.unfold: input (N, C, H, W) or (C, H, W) -> (N, C*kh*kw, L) or (C*kh*kw, L), where
    L = prod_d (size_d + 2*padding_d - dilation_d*(k_d - 1) - 1) // stride_d + 1 sliding blocks."""
    if input.ndim not in (3, 4):
        raise NotImplementedError(
            f"unfold: only 3-D (unbatched) or 4-D (batched) inputs are supported, got shape {tuple(input.shape)}")
    args = _blocks("unfold", input.shape[-2:], kernel_size, dilation, padding, stride)
    x = input.unsqueeze(0) if input.ndim == 3 else input
    out = Unfold.apply(x, kernel_size=args[0], dilation=args[1], padding=args[2], stride=args[3], out_hw=args[4])
    return out.squeeze(0) if input.ndim == 3 else out


def fold(input, output_size, kernel_size, dilation=1, padding=0, stride=1):
    """torch.nn.functional.fold, the adjoint of unfold: input (N, C*kh*kw, L) or (C*kh*kw, L) -> (N, C, *output_size)
    or (C, *output_size), the values of overlapping blocks summed."""
    if input.ndim not in (2, 3):
        raise RuntimeError(f"fold: expected a 2-D (unbatched) or 3-D (batched) input, got shape {tuple(input.shape)}")
    size = _pair("fold", "output_size", output_size, 1)
    k, d, p, s, out_hw = _blocks("fold", size, kernel_size, dilation, padding, stride)
    rows, L = input.shape[-2:]
    if rows % (k[0] * k[1]):
        raise RuntimeError(
            f"fold: expected size of input's dimension {input.ndim - 2} to be divisible by the product of "
            f"kernel_size, but got input.size({input.ndim - 2})={rows} and kernel_size={k}")
    if L != out_hw[0] * out_hw[1]:
        raise RuntimeError(
            f"fold: given output_size={size}, kernel_size={k}, dilation={d}, padding={p}, stride={s}, expected size "
            f"of input's dimension {input.ndim - 1} to match the calculated number of sliding blocks "
            f"{out_hw[0]} * {out_hw[1]} = {out_hw[0] * out_hw[1]}, but got input.size({input.ndim - 1})={L}")
    x = input.unsqueeze(0) if input.ndim == 2 else input
    out = Fold.apply(x, channels=rows // (k[0] * k[1]), output_size=size, kernel_size=k, dilation=d, padding=p,
                     stride=s, out_hw=out_hw)
    return out.squeeze(0) if input.ndim == 2 else out


# ---- 1-D convolutions: the 2-D ones over a height of 1 ----


def _single(op, name, value):
    v = tuple(value) if isinstance(value, (tuple, list)) else (value,)
    if len(v) != 1:
        raise TypeError(f"{op}: {name} must be an int or a 1-tuple, got {value!r}")
    return v[0]


def _check_1d(op, input, weight):
    if input.ndim not in (2, 3):
        raise ValueError(f"{op}: expected a 2-D (unbatched) or 3-D (batched) input, got shape {tuple(input.shape)}")
    if weight.ndim != 3:
        raise ValueError(f"{op}: expected a 3-D weight, got shape {tuple(weight.shape)}")


def conv1d(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1):
    """torch.nn.functional.conv1d: input (N, C, L) or (C, L), weight (K, C/groups, k), bias (K,) -> (N, K, L_out),
    L_out = (L + 2 padding - dilation (k - 1) - 1) // stride + 1; padding may be 'valid' or 'same'."""
    op = "conv1d"
    _check_1d(op, input, weight)
    pad = padding if isinstance(padding, str) else (0, _single(op, "padding", padding))
    out = conv2d(input.unsqueeze(-2), weight.unsqueeze(-2), bias, (1, _single(op, "stride", stride)), pad,
                 (1, _single(op, "dilation", dilation)), groups)
    return out.squeeze(-2)


def conv_transpose1d(input, weight, bias=None, stride=1, padding=0, output_padding=0, groups=1, dilation=1):
    """torch.nn.functional.conv_transpose1d: input (N, C_in, L) or (C_in, L), weight (C_in, C_out/groups, k);
    L_out = (L - 1) stride - 2 padding + dilation (k - 1) + output_padding + 1."""
    op = "conv_transpose1d"
    _check_1d(op, input, weight)
    out = conv_transpose2d(input.unsqueeze(-2), weight.unsqueeze(-2), bias, (1, _single(op, "stride", stride)),
                           (0, _single(op, "padding", padding)), (0, _single(op, "output_padding", output_padding)),
                           groups, (1, _single(op, "dilation", dilation)))
    return out.squeeze(-2)
