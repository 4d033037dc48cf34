"""interpolate (PyTorch semantics): nearest, nearest-exact, linear/bilinear/trilinear (align_corners), area.

Resizing is separable: each spatial axis of length n_in becomes n_out through a fixed linear map, an
(n_out, n_in) matrix with one (nearest) or two (linear) non-zeros per row. The Resample Function applies such
matrices axis by axis with BLAS and its backward applies their transposes; non-constant padding (ops/pad.py)
uses it too.

Source coordinates, per output index i, with scale = 1 / scale_factor when a scale factor is given (and not
recomputed), else n_in / n_out:
    nearest        floor(i * scale)               nearest-exact  floor((i + 0.5) * scale)
    linear, align_corners=True   i * (n_in - 1) / (n_out - 1)
    linear, align_corners=False  max((i + 0.5) * scale - 0.5, 0)
"""
import math

import numpy as np

from ..autograd.function import Function


class Resample(Function):
    """out = x with each `axes[k]` mapped through matrices[k] (shape (n_out, n_in)): a sum over that axis."""

    def forward(self, x, *, axes, matrices):
        self.args = (axes, [m.astype(x.dtype, copy=False) for m in matrices])
        return _apply_maps(x, axes, self.args[1], transpose=False)

    def backward(self, g):
        axes, matrices = self.args
        return _apply_maps(g, axes[::-1], matrices[::-1], transpose=True)


def _apply_maps(x, axes, matrices, transpose):
    for axis, m in zip(axes, matrices):
        m = m.T if transpose else m
        x = np.moveaxis(np.moveaxis(x, axis, -1) @ m.T, -1, axis)
    return np.ascontiguousarray(x)


def _selection(indices, n_in):
    """The (len(indices), n_in) 0/1 matrix picking x[indices] (rows may repeat a column)."""
    m = np.zeros((len(indices), n_in))
    m[np.arange(len(indices)), indices] = 1.0
    return m


def _nearest_matrix(n_in, n_out, scale, exact):
    # PyTorch computes the index in float32 (floorf), which decides ties such as 3 * (1/3)
    s = np.float32(n_in) / np.float32(n_out) if scale is None else np.float32(1.0 / scale)
    i = np.arange(n_out, dtype=np.float32) + (np.float32(0.5) if exact else np.float32(0))
    return _selection(np.minimum(np.floor(i * s).astype(np.int64), n_in - 1), n_in)


def _linear_matrix(n_in, n_out, scale, align_corners):
    i = np.arange(n_out, dtype=np.float64)
    if align_corners:
        src = i * ((n_in - 1) / (n_out - 1)) if n_out > 1 else np.zeros(n_out)
    else:
        s = n_in / n_out if scale is None else 1.0 / scale
        src = np.maximum((i + 0.5) * s - 0.5, 0.0)
    i0 = np.minimum(np.floor(src).astype(np.int64), n_in - 1)
    i1 = np.minimum(i0 + 1, n_in - 1)
    frac = src - i0
    m = np.zeros((n_out, n_in))
    np.add.at(m, (np.arange(n_out), i0), 1.0 - frac)
    np.add.at(m, (np.arange(n_out), i1), frac)
    return m


_LINEAR = {"linear": 1, "bilinear": 2, "trilinear": 3}


def _output_size(op, input, size, scale_factor, dims):
    """(output sizes, scale factors or None) as PyTorch: size xor scale_factor; out = floor(n * scale)."""
    if (size is None) == (scale_factor is None):
        raise ValueError(f"{op}: exactly one of size or scale_factor must be given (got size={size!r}, "
                         f"scale_factor={scale_factor!r})")
    spatial = tuple(input.shape[2:])
    if size is not None:
        sizes = (size,) * dims if isinstance(size, (int, np.integer)) else tuple(size)
        if len(sizes) != dims:
            raise ValueError(f"{op}: input {tuple(input.shape)} has {dims} spatial dimensions but size is {size!r}")
        if any(not isinstance(s, (int, np.integer)) or s < 1 for s in sizes):
            raise ValueError(f"{op}: size must hold positive ints, got {size!r}")
        return tuple(int(s) for s in sizes), None
    scales = (scale_factor,) * dims if isinstance(scale_factor, (int, float)) else tuple(scale_factor)
    if len(scales) != dims:
        raise ValueError(f"{op}: input {tuple(input.shape)} has {dims} spatial dimensions but scale_factor is "
                         f"{scale_factor!r}")
    if any(s <= 0 for s in scales):
        raise ValueError(f"{op}: scale_factor must be positive, got {scale_factor!r}")
    sizes = tuple(int(math.floor(n * float(s))) for n, s in zip(spatial, scales))
    if min(sizes) < 1:
        raise ValueError(f"{op}: input {tuple(input.shape)} with scale_factor {scale_factor!r} gives an empty output "
                         f"{sizes}")
    return sizes, tuple(float(s) for s in scales)


def interpolate(input, size=None, scale_factor=None, mode="nearest", align_corners=None, recompute_scale_factor=None,
                antialias=False):
    """torch.nn.functional.interpolate on (N, C, *spatial) with 1 to 3 spatial dimensions.

    mode: 'nearest', 'nearest-exact', 'linear' (3-D input), 'bilinear' (4-D), 'trilinear' (5-D), 'area'.
    align_corners (linear modes only, default False) maps the corner pixels' centres onto each other.
    """
    from .pool import adaptive_avg_pool2d

    op = "interpolate"
    if input.dtype not in (np.float32, np.float64):
        raise TypeError(f"{op}: expected a float32 or float64 input, got {input.dtype}")
    dims = input.ndim - 2
    if dims not in (1, 2, 3):
        raise ValueError(f"{op}: expected a 3-D, 4-D or 5-D input (N, C, *spatial), got shape {tuple(input.shape)}")
    if mode not in ("nearest", "nearest-exact", "area") and mode not in _LINEAR:
        raise NotImplementedError(f"{op}: mode {mode!r} is not supported (nearest, nearest-exact, linear, bilinear, "
                                  "trilinear, area)")
    if antialias:
        raise NotImplementedError(f"{op}: antialias=True is not supported")
    if mode in _LINEAR:
        if _LINEAR[mode] != dims:
            raise ValueError(f"{op}: mode {mode!r} expects a {_LINEAR[mode] + 2}-D input, got shape "
                             f"{tuple(input.shape)}")
        align_corners = bool(align_corners)
    elif align_corners is not None:
        raise ValueError("align_corners option can only be set with the interpolating modes: "
                         "linear | bilinear | bicubic | trilinear")
    sizes, scales = _output_size(op, input, size, scale_factor, dims)
    if recompute_scale_factor or scales is None:
        scales = (None,) * dims
    if mode == "area":
        if dims != 2:
            raise NotImplementedError(f"{op}: mode 'area' is supported for 4-D inputs only")
        return adaptive_avg_pool2d(input, sizes)
    matrices = []
    for n_in, n_out, s in zip(input.shape[2:], sizes, scales):
        if mode in _LINEAR:
            matrices.append(_linear_matrix(n_in, n_out, s, align_corners))
        else:
            matrices.append(_nearest_matrix(n_in, n_out, s, mode == "nearest-exact"))
    return Resample.apply(input, axes=tuple(range(2, input.ndim)), matrices=matrices)
