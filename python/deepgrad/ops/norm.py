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

