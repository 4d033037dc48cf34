"""Gradient clipping, as torch.nn.utils: in place on each parameter's .grad."""
import math

import numpy as np

from ...tensor import Tensor


def _as_list(tensors):
    return [tensors] if isinstance(tensors, Tensor) else list(tensors)


def get_total_norm(tensors, norm_type=2.0, error_if_nonfinite=False, foreach=None):
    """The norm of the norms of the tensors: ||(||g_1||, ..., ||g_n||)||_p, as a 0-d Tensor."""
    arrays = [t._data for t in _as_list(tensors) if t is not None]
    if not arrays:
        return Tensor._wrap(np.array(0.0, dtype=np.float32))
    norm_type = float(norm_type)
    dtype = arrays[0].dtype
    if math.isinf(norm_type):
        norms = [np.abs(a).max() if a.size else 0.0 for a in arrays]
        total = np.max(norms)
    elif norm_type == 2.0:  # np.linalg.norm's own arithmetic (sqrt of a dot product) without its overhead
        norms = np.array([math.sqrt(v.dot(v)) for v in (a.reshape(-1).astype(np.float64) for a in arrays)])
        total = math.sqrt(norms.dot(norms))
    else:
        norms = [np.linalg.norm(a.reshape(-1).astype(np.float64), ord=norm_type) for a in arrays]
        total = np.linalg.norm(np.array(norms), ord=norm_type)
    if error_if_nonfinite and not np.isfinite(total):
        raise RuntimeError(
            f"The total norm of order {norm_type} for gradients from `parameters` is non-finite, so it cannot be "
            "clipped. To disable this error and scale the gradients by the non-finite norm anyway, set "
            "`error_if_nonfinite=False`"
        )
    return Tensor._wrap(np.asarray(total, dtype=dtype))


def clip_grads_with_norm_(parameters, max_norm, total_norm, foreach=None):
    """Scale every gradient by min(1, max_norm / (total_norm + 1e-6))."""
    total = float(total_norm)
    coef = min(max_norm / (total + 1e-6), 1.0)
    for p in _as_list(parameters):
        if p.grad is not None:
            p.grad._data *= p.grad.dtype.type(coef)


def clip_grad_norm_(parameters, max_norm, norm_type=2.0, error_if_nonfinite=False, foreach=None):
    """Rescale the gradients so that their joint norm is at most max_norm; returns the norm before clipping."""
    parameters = _as_list(parameters)
    grads = [p.grad for p in parameters if p.grad is not None]
    total = get_total_norm(grads, norm_type, error_if_nonfinite)
    if grads:
        clip_grads_with_norm_(parameters, max_norm, total)
    return total


def clip_grad_value_(parameters, clip_value, foreach=None):
    """Clamp every gradient element into [-clip_value, clip_value]."""
    clip_value = float(clip_value)
    for p in _as_list(parameters):
        if p.grad is not None:
            np.clip(p.grad._data, -clip_value, clip_value, out=p.grad._data)
