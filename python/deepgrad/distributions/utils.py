"""Helpers shared by the distributions: tensors from parameters, broadcasting, probs <-> logits."""
import numpy as np

from ..ops import elementwise as _ew
from ..ops import reduce as _rd
from ..ops import shape as _sh
from ..tensor import Tensor


def as_float_tensor(x, like=None):
    """`x` as a floating Tensor (Python numbers and arrays take the dtype of `like`, else the default)."""
    if isinstance(x, Tensor):
        return x if x.is_floating_point() else x.float()
    from ..dtypes import get_default_dtype

    dtype = like.dtype if isinstance(like, Tensor) and like.is_floating_point() else get_default_dtype()
    return Tensor(np.asarray(x, dtype=dtype))


def broadcast_all(*values):
    """Tensors of one broadcast shape (differentiable: gradients flow back to each input)."""
    like = next((v for v in values if isinstance(v, Tensor) and v.is_floating_point()), None)
    tensors = [as_float_tensor(v, like) for v in values]
    shape = np.broadcast_shapes(*(t.shape for t in tensors))
    return [t if tuple(t.shape) == shape else _sh.broadcast_to(t, shape) for t in tensors]


def clamp_probs(probs):
    eps = float(np.finfo(probs.dtype).eps)
    return _ew.clamp(probs, eps, 1 - eps)


def probs_to_logits(probs, is_binary=False):
    """log p (categorical) or log p - log(1 - p) (binary), with p clamped away from 0 and 1 as PyTorch does."""
    p = clamp_probs(probs)
    return _ew.log(p) - _ew.log1p(-p) if is_binary else _ew.log(p)


def logits_to_probs(logits, is_binary=False):
    return _ew.sigmoid(logits) if is_binary else _rd.softmax(logits, dim=-1)


def sum_rightmost(value, dim):
    """Sum out the `dim` rightmost dimensions of `value`."""
    return value if dim == 0 else _rd.sum(value, dim=tuple(range(-dim, 0)))


class lazy_property:
    """Computed on first access, then stored on the instance (so the probs/logits twin costs nothing unused)."""

    def __init__(self, fn):
        self.fn = fn
        self.__doc__ = fn.__doc__
        self.__name__ = fn.__name__

    def __get__(self, instance, owner=None):
        if instance is None:
            return self
        value = self.fn(instance)
        instance.__dict__[self.__name__] = value
        return value
