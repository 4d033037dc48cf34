"""Normalisation ops: layer norm through the fused C++ kernel (mean and 1/std saved per row for the backward)."""
import numpy as np

from .. import _C
from ..autograd.function import Function


class LayerNorm(Function):
    """y = (x - mean) / sqrt(var + eps) * weight + bias over the last `ndim` dims of x (biased variance).

    Called as LayerNorm.apply(x, [weight], [bias], ndim=..., eps=..., affine=(has_weight, has_bias)).
    """

    def forward(self, x, *params, ndim=1, eps=1e-5, affine=(False, False)):
        it = iter(params)
        w = next(it) if affine[0] else None
        b = next(it) if affine[1] else None
        n = int(np.prod(x.shape[x.ndim - ndim:], dtype=np.int64))
        x2 = np.ascontiguousarray(x).reshape(-1, n)
        y = np.empty_like(x2)
        mean = np.empty(x2.shape[0], dtype=x.dtype)
        rstd = np.empty_like(mean)
        w2 = None if w is None else np.ascontiguousarray(w).reshape(n)
        b2 = None if b is None else np.ascontiguousarray(b).reshape(n)
        _C.layernorm_forward(y, mean, rstd, x2, w2, b2, float(eps))
        self.affine, self.x_shape, self.p_shape = affine, x.shape, x.shape[x.ndim - ndim:]
        self.save_for_backward(x2, mean, rstd, w2)
        return y.reshape(x.shape)

    def backward(self, g):
        x2, mean, rstd, w2 = self.saved_tensors
        need = list(self.needs_input_grad)
        want_w = self.affine[0] and need[1]
        want_b = self.affine[1] and need[1 + self.affine[0]]
        n = x2.shape[1]
        dx = np.empty_like(x2) if need[0] else None
        dw = np.empty(n, dtype=x2.dtype) if want_w else None
        db = np.empty(n, dtype=x2.dtype) if want_b else None
        _C.layernorm_backward(dx, dw, db, np.ascontiguousarray(g).reshape(-1, n), x2, mean, rstd, w2)
        grads = [None if dx is None else dx.reshape(self.x_shape)]
        if self.affine[0]:
            grads.append(None if dw is None else dw.reshape(self.p_shape))
        if self.affine[1]:
            grads.append(None if db is None else db.reshape(self.p_shape))
        return tuple(grads)


def layer_norm(input, normalized_shape, weight=None, bias=None, eps=1e-5):
    """Normalise over the trailing dims `normalized_shape` (int or tuple) of input; weight and bias have that shape."""
    shape = (normalized_shape,) if isinstance(normalized_shape, int) else tuple(normalized_shape)
    nd = len(shape)
    if nd == 0 or tuple(input.shape[input.ndim - nd:]) != shape or input.ndim < nd:
        raise RuntimeError(f"layer_norm: expected input with shape (*, {', '.join(map(str, shape))}), but got input "
                           f"of size {tuple(input.shape)}")
    for name, p in (("weight", weight), ("bias", bias)):
        if p is not None and tuple(p.shape) != shape:
            raise RuntimeError(f"layer_norm: {name} has shape {tuple(p.shape)}, expected normalized_shape {shape}")
    params = [p for p in (weight, bias) if p is not None]
    if input.dtype not in (np.float32, np.float64) or any(p.dtype != input.dtype for p in params):
        return _layer_norm_composite(input, nd, weight, bias, eps)
    return LayerNorm.apply(input, *params, ndim=nd, eps=eps, affine=(weight is not None, bias is not None))


def _layer_norm_composite(x, nd, weight, bias, eps):
    dims = tuple(range(x.ndim - nd, x.ndim))
    mean = x.mean(dim=dims, keepdim=True)
    centred = x - mean
    y = centred * ((centred * centred).mean(dim=dims, keepdim=True) + eps).rsqrt()
    if weight is not None:
        y = y * weight
    return y if bias is None else y + bias



# ---- group, instance, RMS and local response normalisation (compositions) ----


def _affine_channels(y, weight, bias):
    """y * weight + bias with per-channel (dim 1) parameters."""
    shape = (1, -1) + (1,) * (y.ndim - 2)
    if weight is not None:
        y = y * weight.reshape(shape)
    if bias is not None:
        y = y + bias.reshape(shape)
    return y


def group_norm(input, num_groups, weight=None, bias=None, eps=1e-5):
    """Normalise each sample over groups of num_groups channels (and all spatial positions): input (N, C, *),
    biased variance, then the per-channel affine weight, bias (C,)."""
    if input.ndim < 2:
        raise RuntimeError(f"group_norm: expected an input with at least 2 dimensions, got {tuple(input.shape)}")
    N, C = input.shape[:2]
    if C % num_groups:
        raise RuntimeError(f"Expected number of channels in input to be divisible by num_groups, but got input of "
                           f"shape {list(input.shape)} and num_groups={num_groups}")
    x = input.reshape(N, num_groups, -1)
    mean = x.mean(-1, keepdim=True)
    var = x.var(-1, unbiased=False, keepdim=True)
    y = ((x - mean) / (var + eps).sqrt()).reshape(tuple(input.shape))
    return _affine_channels(y, weight, bias)


def instance_norm(input, running_mean=None, running_var=None, weight=None, bias=None, use_input_stats=True,
                  momentum=0.1, eps=1e-5):
    """Normalise each (sample, channel) over its spatial positions: input (N, C, *). With running statistics, training
    updates them with the batch average of the per-instance mean and unbiased variance (as PyTorch); with
    use_input_stats=False they are used instead of the input's."""
    from ..autograd.grad_mode import no_grad

    if input.ndim < 3:
        raise RuntimeError(f"instance_norm: expected an input with at least 3 dimensions, got {tuple(input.shape)}")
    axes = tuple(range(2, input.ndim))
    if use_input_stats:
        mean = input.mean(axes, keepdim=True)
        var = input.var(axes, unbiased=False, keepdim=True)
        if running_mean is not None or running_var is not None:
            n = int(np.prod([input.shape[a] for a in axes]))
            with no_grad():
                if running_mean is not None:
                    batch_mean = mean.detach().reshape(input.shape[:2]).mean(0)
                    running_mean.copy_(running_mean * (1 - momentum) + batch_mean * momentum)
                if running_var is not None:
                    unbiased = var.detach().reshape(input.shape[:2]) * (n / max(n - 1, 1))
                    running_var.copy_(running_var * (1 - momentum) + unbiased.mean(0) * momentum)
    else:
        shape = (1, -1) + (1,) * (input.ndim - 2)
        mean, var = running_mean.reshape(shape), running_var.reshape(shape)
    return _affine_channels((input - mean) / (var + eps).sqrt(), weight, bias)


def rms_norm(input, normalized_shape, weight=None, eps=None):
    """x / sqrt(mean(x^2 over the trailing normalized_shape dims) + eps) * weight; eps defaults to the dtype's
    machine epsilon, as PyTorch."""
    shape = (normalized_shape,) if isinstance(normalized_shape, int) else tuple(normalized_shape)
    if tuple(input.shape[input.ndim - len(shape):]) != shape:
        raise RuntimeError(f"rms_norm: the trailing dims of input {tuple(input.shape)} must be {shape}")
    if eps is None:
        eps = float(np.finfo(input.dtype).eps)
    axes = tuple(range(input.ndim - len(shape), input.ndim))
    y = input * ((input * input).mean(axes, keepdim=True) + eps).rsqrt()
    return y if weight is None else y * weight


def local_response_norm(input, size, alpha=1e-4, beta=0.75, k=1.0):
    """x / (k + alpha * mean of x^2 over the `size` neighbouring channels)^beta, the window zero-padded as
    PyTorch (size // 2 channels before, (size - 1) // 2 after)."""
    from .pad import pad
    from .shape import narrow

    if input.ndim < 3:
        raise ValueError(f"Expected 3D or higher dimensionality input (got {input.ndim} dimensions)")
    if input.numel() == 0:
        return input
    sq = (input * input).unsqueeze(1)  # (N, 1, C, *): pad the channel dim
    sq = pad(sq, (0, 0) * (input.ndim - 2) + (size // 2, (size - 1) // 2))
    C = input.shape[1]
    window = narrow(sq, 2, 0, C)
    for j in range(1, size):
        window = window + narrow(sq, 2, j, C)
    div = ((window / size).squeeze(1) * alpha + k) ** beta
    return input / div
