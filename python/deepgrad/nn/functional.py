"""deepgrad.nn.functional, mirroring torch.nn.functional: stateless layers, activations and losses.

`inplace=` arguments are accepted for compatibility; the result is always a new tensor.
"""
import warnings

import numpy as np

from .. import random
from ..ops.conv import conv2d, conv_transpose2d  # noqa: F401  (re-exported)
from ..ops.pool import adaptive_avg_pool2d, avg_pool2d, max_pool2d  # noqa: F401
from ..ops.batchnorm import batch_norm  # noqa: F401
from ..ops.interpolate import interpolate  # noqa: F401
from ..ops.pad import pad  # noqa: F401
from ..ops.attention import scaled_dot_product_attention  # noqa: F401
from ..ops.norm import layer_norm  # noqa: F401
from ..ops import elementwise as _ew
from ..ops.embedding import embedding as _embedding
from ..ops import linalg as _la
from ..ops import reduce as _rd
from ..ops.loss import (  # noqa: F401  (re-exported)
    binary_cross_entropy, binary_cross_entropy_with_logits, cross_entropy, huber_loss, l1_loss, mse_loss, nll_loss,
    smooth_l1_loss,
)
from ..tensor import Tensor


def linear(input, weight, bias=None):
    """input @ weight.T + bias: input (*, in_features), weight (out_features, in_features), bias (out_features,)."""
    return _la.linear(input, weight, bias)


# ---- activations ----


def relu(input, inplace=False):
    return _ew.relu(input)


def relu6(input, inplace=False):
    return hardtanh(input, 0.0, 6.0)


def hardtanh(input, min_val=-1.0, max_val=1.0, inplace=False):
    """clamp(x, min_val, max_val); the gradient passes only strictly inside the interval, as in PyTorch."""
    inside = (input > min_val) & (input < max_val)
    return _ew.where(inside, input, _ew.clamp(input.detach(), min_val, max_val))


def leaky_relu(input, negative_slope=0.01, inplace=False):
    return _ew.leaky_relu(input, negative_slope)


def sigmoid(input):
    return _ew.sigmoid(input)


def tanh(input):
    return _ew.tanh(input)


def gelu(input, approximate="none"):
    return _ew.gelu(input, approximate)


def softplus(input, beta=1.0, threshold=20.0):
    """log(1 + exp(beta x)) / beta, and x itself where beta x > threshold."""
    return _ew.softplus(input, beta, threshold)


def elu(input, alpha=1.0, inplace=False):
    """x where x > 0, else alpha (exp(x) - 1)."""
    # exp of the clamped input: the branch where() discards must not overflow, or its zero gradient becomes nan
    negative = (_ew.clamp(input, max=0.0).exp() - 1) * alpha
    return _ew.where(input > 0, input, negative)


def silu(input, inplace=False):
    """x * sigmoid(x)."""
    return input * _ew.sigmoid(input)


def mish(input, inplace=False):
    """x * tanh(softplus(x))."""
    return input * _ew.tanh(_ew.softplus(input))


def logsigmoid(input):
    """log(sigmoid(x)) = -softplus(-x), without overflow."""
    return -_ew.softplus(-input, threshold=float("inf"))


def _softmax_dim(name, ndim, stacklevel):
    warnings.warn(
        f"Implicit dimension choice for {name} has been deprecated. Change the call to include dim=X as an argument.",
        stacklevel=stacklevel,
    )
    return 0 if ndim in (0, 1, 3) else 1


def softmax(input, dim=None, _stacklevel=3, dtype=None):
    if dim is None:
        dim = _softmax_dim("softmax", input.ndim, _stacklevel)
    return _rd.softmax(input, dim, dtype=dtype)


def log_softmax(input, dim=None, _stacklevel=3, dtype=None):
    if dim is None:
        dim = _softmax_dim("log_softmax", input.ndim, _stacklevel)
    return _rd.log_softmax(input, dim, dtype=dtype)


# ---- regularisation and encoding ----


def dropout(input, p=0.5, training=True, inplace=False, generator=None):
    """Zero each element with probability p and scale the rest by 1 / (1 - p) (inverted dropout); identity when
    not training. The mask comes from deepgrad.random, so dg.manual_seed makes it reproducible."""
    if not 0.0 <= p <= 1.0:
        raise ValueError(f"dropout probability has to be between 0 and 1, but got {p}")
    if not training or p == 0.0:
        return input
    if p == 1.0:
        return input * 0.0
    keep = random.uniform(0.0, 1.0, tuple(input.shape), generator) >= p
    scale = input.dtype.type(1.0 / (1.0 - p))
    return input * Tensor._wrap(keep * scale)


def dropout2d(input, p=0.5, training=True, inplace=False):
    """Zero whole channels (input[n, c]) with probability p, scaling the rest by 1 / (1 - p). As PyTorch, a 3-D
    input is read as (N, C, L) (with a warning), not as an unbatched (C, H, W) image."""
    if input.ndim not in (3, 4):
        warnings.warn(f"dropout2d: Received a {input.ndim}-D input to dropout2d, which is deprecated and will result "
                      "in an error in a future release. Use dropout instead.", stacklevel=2)
    elif input.ndim == 3:
        warnings.warn("dropout2d: Received a 3D input to dropout2d and assuming that channel-wise 1D dropout "
                      "behavior is desired - input is interpreted as shape (N, C, L). Use dropout1d for that "
                      "behaviour.", stacklevel=2)
    # dropout of a ones tensor of shape (N, C, 1, 1) is the scaled per-channel mask (and validates p)
    mask = dropout(Tensor._wrap(np.ones(tuple(input.shape[:2]) + (1,) * (input.ndim - 2), input.dtype)), p, training)
    return input * mask if training and p > 0 else input


def embedding(input, weight, padding_idx=None, max_norm=None, norm_type=2.0, scale_grad_by_freq=False,
              sparse=False):
    """weight[input]: input (*) integer indices, weight (num_embeddings, embedding_dim) -> (*, embedding_dim); the
    padding_idx row gets no gradient. max_norm, scale_grad_by_freq and sparse are not supported."""
    if max_norm is not None or scale_grad_by_freq or sparse:
        raise NotImplementedError("embedding: max_norm, scale_grad_by_freq and sparse are not supported")
    if padding_idx is not None and padding_idx < 0:
        padding_idx += weight.shape[0]
    return _embedding(input, weight, padding_idx)


def one_hot(tensor, num_classes=-1):
    """(*) integer class indices -> (*, num_classes) int64 one-hot; num_classes=-1 takes max + 1."""
    idx = tensor._data if isinstance(tensor, Tensor) else np.asarray(tensor)
    if idx.dtype.kind not in "iu":
        raise RuntimeError(f"one_hot is only applicable to index tensor (got dtype {idx.dtype})")
    if num_classes == -1:
        if idx.size == 0:
            raise RuntimeError("Can not infer total number of classes from empty tensor.")
        num_classes = int(idx.max()) + 1
    if idx.size and (idx.min() < 0 or idx.max() >= num_classes):
        raise RuntimeError(f"one_hot: class values must be in [0, {num_classes}), got values in [{idx.min()}, {idx.max()}]")
    return Tensor._wrap((idx[..., None] == np.arange(num_classes)).astype(np.int64))


# ---- more activations and similarity functions (compositions of existing ops: no backward of their own) ----

_SELU_ALPHA = 1.6732632423543772848170429916717
_SELU_SCALE = 1.0507009873554804934193349852946


def selu(input, inplace=False):
    """scale * (x where x > 0, else alpha (exp(x) - 1)) with PyTorch's constants."""
    return elu(input, _SELU_ALPHA) * _SELU_SCALE


def celu(input, alpha=1.0, inplace=False):
    """max(0, x) + min(0, alpha (exp(x / alpha) - 1))."""
    negative = (_ew.clamp(input, max=0.0) / alpha).exp() * alpha - alpha
    return _ew.where(input > 0, input, negative)


def softsign(input):
    """x / (1 + |x|)."""
    return input / (input.abs() + 1)


def softmin(input, dim=None, dtype=None):
    return softmax(-input, dim, dtype=dtype)


def hardsigmoid(input, inplace=False):
    """relu6(x + 3) / 6."""
    return relu6(input + 3.0) / 6.0


def hardswish(input, inplace=False):
    """x * relu6(x + 3) / 6."""
    return input * hardsigmoid(input)


def glu(input, dim=-1):
    """a * sigmoid(b) where a, b are the two halves of input along dim."""
    if input.shape[dim] % 2:
        raise RuntimeError(f"glu: halving dimension must be even, but dimension {dim} is size {input.shape[dim]}")
    a, b = input.chunk(2, dim)
    return a * _ew.sigmoid(b)


def prelu(input, weight):
    """x where x > 0, else weight * x; weight has 1 or C (dim 1 of input) elements."""
    if weight.numel() != 1:
        if input.ndim < 2 or input.shape[1] != weight.numel():
            raise RuntimeError(
                f"prelu: weight has {weight.numel()} elements but input {tuple(input.shape)} has "
                f"{input.shape[1] if input.ndim > 1 else 1} channels"
            )
        weight = weight.reshape((-1,) + (1,) * (input.ndim - 2))
    return _ew.where(input > 0, input, input * weight)


def normalize(input, p=2.0, dim=1, eps=1e-12):
    """input / max(||input||_p along dim, eps)."""
    return input / _ew.clamp(input.norm(p, dim=dim, keepdim=True), min=eps)


def cosine_similarity(x1, x2, dim=1, eps=1e-8):
    """<x1, x2> / (max(||x1||, eps) * max(||x2||, eps)) along dim, as torch 2.x."""
    n1 = _ew.clamp(x1.norm(dim=dim, keepdim=True), min=eps)
    n2 = _ew.clamp(x2.norm(dim=dim, keepdim=True), min=eps)
    return ((x1 / n1) * (x2 / n2)).sum(dim)


def kl_div(input, target, size_average=None, reduce=None, reduction="mean", log_target=False):
    """Pointwise target * (log target - input) with input given as log-probabilities (0 where target is 0)."""
    if reduction not in ("none", "mean", "sum", "batchmean"):
        raise ValueError(f"kl_div: {reduction!r} is not a valid value for reduction")
    if log_target:
        loss = target.exp() * (target - input)
    else:
        safe = _ew.where(target > 0, target, 1.0)
        loss = _ew.where(target > 0, target * (safe.log() - input), 0.0)
    if reduction == "batchmean":
        return loss.sum() / (input.shape[0] if input.ndim else 1)
    if reduction == "none":
        return loss
    return loss.sum() if reduction == "sum" else loss.mean()
