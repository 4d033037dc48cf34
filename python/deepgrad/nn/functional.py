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
from ..ops.dropout import dropout as _dropout
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


def _trivial_dropout(input, p, training):
    """The cases every dropout variant shares: p out of range (error), no dropout (input), p = 1 (zeros); else None."""
    if not 0.0 <= p <= 1.0:
        raise ValueError(f"dropout probability has to be between 0 and 1, but got {p}")
    if not training or p == 0.0:
        return input
    if p == 1.0:
        return input * 0.0
    return None


def dropout(input, p=0.5, training=True, inplace=False, generator=None):
    """Zero each element with probability p and scale the rest by 1 / (1 - p) (inverted dropout); identity when
    not training. The mask comes from deepgrad.random, so dg.manual_seed makes it reproducible."""
    trivial = _trivial_dropout(input, p, training)
    if trivial is not None:
        return trivial
    if input.dtype in (np.float32, np.float64):
        return _dropout(input, p, generator)
    draws = random.random(input._data.shape, np.float64, generator)
    scale = input.dtype.type(1.0 / (1.0 - p))
    return input * Tensor._wrap((draws >= p) * scale)


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


# ---- shrinkage and threshold activations, bilinear, distances (compositions) ----

from ..ops.conv import fold, unfold  # noqa: E402,F401  (re-exported)
from ..ops.loss import gaussian_nll_loss, poisson_nll_loss  # noqa: E402,F401
from ..ops.margin_loss import (  # noqa: E402,F401
    cosine_embedding_loss, hinge_embedding_loss, margin_ranking_loss, multi_margin_loss, multilabel_margin_loss,
    multilabel_soft_margin_loss, soft_margin_loss, triplet_margin_loss, triplet_margin_with_distance_loss,
)
from ..ops.products import pairwise_distance, pdist  # noqa: E402,F401


def tanhshrink(input):
    """x - tanh(x)."""
    return input - _ew.tanh(input)


def threshold(input, threshold, value, inplace=False):
    """x where x > threshold, else value."""
    return _ew.where(input > threshold, input, value)


def softshrink(input, lambd=0.5):
    """x - lambd where x > lambd, x + lambd where x < -lambd, else 0."""
    if lambd < 0:
        raise RuntimeError(f"lambda must be greater or equal to 0, but found to be {lambd}.")
    return _ew.where(input > lambd, input - lambd, _ew.where(input < -lambd, input + lambd, 0.0))


def hardshrink(input, lambd=0.5):
    """x where |x| > lambd, else 0."""
    return _ew.where((input > lambd) | (input < -lambd), input, 0.0)


def rrelu(input, lower=1.0 / 8, upper=1.0 / 3, training=False, inplace=False):
    """Randomized leaky ReLU: x where x > 0, else a x with a ~ U(lower, upper) drawn per entry when training and
    a = (lower + upper) / 2 otherwise."""
    if not training:
        return _ew.leaky_relu(input, (lower + upper) / 2)
    slope = random.uniform(lower, upper, tuple(input.shape)).astype(input.dtype)
    return _ew.where(input > 0, input, input * Tensor._wrap(slope))


def bilinear(input1, input2, weight, bias=None):
    """y_k = x1^T W_k x2 + b_k: input1 (*, in1), input2 (*, in2), weight (out, in1, in2), bias (out,) -> (*, out)."""
    if tuple(input1.shape[:-1]) != tuple(input2.shape[:-1]):
        raise RuntimeError(f"bilinear(): input batch dimensions do not match: got {list(input1.shape[:-1])} and "
                           f"{list(input2.shape[:-1])}")
    if weight.ndim != 3 or input1.shape[-1] != weight.shape[1] or input2.shape[-1] != weight.shape[2]:
        raise RuntimeError(f"bilinear(): input sizes {input1.shape[-1]} and {input2.shape[-1]} do not match weight "
                           f"size {list(weight.shape)} (out_features, in1_features, in2_features)")
    if bias is not None and tuple(bias.shape) != (weight.shape[0],):
        raise RuntimeError(f"bilinear(): bias size does not match weight size: got {bias.shape[-1]} but expected "
                           f"{weight.shape[0]}")
    out_f, in1, in2 = weight.shape
    t = input1 @ weight.permute(1, 0, 2).reshape(in1, out_f * in2)  # (*, out * in2)
    y = (t.reshape(tuple(input1.shape[:-1]) + (out_f, in2)) * input2.unsqueeze(-2)).sum(-1)
    return y if bias is None else y + bias


# ---- 1-D convolution and pooling, more normalisations, channel/pixel shuffles, channel-wise and alpha dropout ----

from ..ops.conv import conv1d, conv_transpose1d  # noqa: E402,F401  (re-exported)
from ..ops.norm import group_norm, instance_norm, local_response_norm, rms_norm  # noqa: E402,F401
from ..ops.pool import (  # noqa: E402,F401
    adaptive_avg_pool1d, adaptive_max_pool1d, adaptive_max_pool2d, avg_pool1d, lp_pool1d, lp_pool2d, max_pool1d,
)


def pixel_shuffle(input, upscale_factor):
    """(*, C r^2, H, W) -> (*, C, H r, W r): each group of r^2 channels becomes an r x r block of pixels."""
    r = upscale_factor
    if input.ndim < 3:
        raise RuntimeError(f"pixel_shuffle expects input to have at least 3 dimensions, but got input with "
                           f"{input.ndim} dimension(s)")
    *batch, c, h, w = input.shape
    if c % (r * r):
        raise RuntimeError(f"pixel_shuffle expects its input's 'channel' dimension to be divisible by the square of "
                           f"upscale_factor, but input.size(-3)={c} is not divisible by {r * r}")
    b = len(batch)
    x = input.reshape(*batch, c // (r * r), r, r, h, w)
    x = x.permute(*range(b), b, b + 3, b + 1, b + 4, b + 2)
    return x.reshape(*batch, c // (r * r), h * r, w * r)


def pixel_unshuffle(input, downscale_factor):
    """(*, C, H r, W r) -> (*, C r^2, H, W), the inverse of pixel_shuffle."""
    r = downscale_factor
    if input.ndim < 3:
        raise RuntimeError(f"pixel_unshuffle expects input to have at least 3 dimensions, but got input with "
                           f"{input.ndim} dimension(s)")
    *batch, c, h, w = input.shape
    if h % r or w % r:
        raise RuntimeError(f"pixel_unshuffle expects height and width ({h}, {w}) to be divisible by "
                           f"downscale_factor {r}")
    b = len(batch)
    x = input.reshape(*batch, c, h // r, r, w // r, r)
    x = x.permute(*range(b), b, b + 2, b + 4, b + 1, b + 3)
    return x.reshape(*batch, c * r * r, h // r, w // r)


def channel_shuffle(input, groups):
    """(N, C, *): the channels read as (groups, C / groups) and transposed."""
    if input.ndim < 3:
        raise RuntimeError(f"channel_shuffle expects input to have at least 3 dimensions, but got input with "
                           f"{input.ndim} dimension(s)")
    n, c = input.shape[:2]
    if c % groups:
        raise RuntimeError(f"Number of channels must be divisible by groups. Got {c} channels and {groups} groups.")
    rest = tuple(input.shape[2:])
    return input.reshape(n, groups, c // groups, *rest).transpose(1, 2).reshape(n, c, *rest)


def _feature_mask(input, p, batched):
    """dropout of a ones tensor of shape (N, C, 1, ...) (or (C, 1, ...) unbatched): the scaled per-channel mask."""
    keep = 2 if batched else 1
    ones = Tensor._wrap(np.ones(tuple(input.shape[:keep]) + (1,) * (input.ndim - keep), input.dtype))
    return dropout(ones, p, True)


def dropout1d(input, p=0.5, training=True, inplace=False):
    """Zero whole channels of (N, C, L) or (C, L) with probability p, scaling the rest by 1 / (1 - p)."""
    if input.ndim not in (2, 3):
        raise RuntimeError(f"dropout1d: Expected 2D or 3D input, but received a {input.ndim}D input. Note that "
                           "dropout1d exists to provide channel-wise dropout on inputs with 1 spatial dimension, a "
                           "channel dimension, and an optional batch dimension (i.e. 2D or 3D inputs).")
    if not 0.0 <= p <= 1.0:
        raise ValueError(f"dropout probability has to be between 0 and 1, but got {p}")
    if not training or p == 0.0:
        return input
    return input * _feature_mask(input, p, input.ndim == 3)


def dropout3d(input, p=0.5, training=True, inplace=False):
    """Zero whole channels of (N, C, D, H, W) or (C, D, H, W) with probability p, scaling the rest by 1 / (1 - p)."""
    if input.ndim not in (4, 5):
        warnings.warn(f"dropout3d: Received a {input.ndim}-D input to dropout3d, which is deprecated and will result "
                      "in an error in a future release. To retain the behavior and silence this warning, please use "
                      "dropout instead. Note that dropout3d exists to provide channel-wise dropout on inputs with 3 "
                      "spatial dimensions, a channel dimension, and an optional batch dimension (i.e. 4D or 5D "
                      "inputs).", stacklevel=2)
    if not 0.0 <= p <= 1.0:
        raise ValueError(f"dropout probability has to be between 0 and 1, but got {p}")
    if not training or p == 0.0:
        return input
    return input * _feature_mask(input, p, input.ndim != 4)


_ALPHA = 1.7580993408473766


def _alpha_dropout(input, p, training, feature):
    trivial = _trivial_dropout(input, p, training)
    if trivial is not None:
        return trivial
    shape = tuple(input.shape[:2]) + (1,) * (input.ndim - 2) if feature else tuple(input.shape)
    keep = (random.uniform(0.0, 1.0, shape) >= p).astype(input.dtype)
    a = 1.0 / np.sqrt((_ALPHA * _ALPHA * p + 1) * (1 - p))
    b = (keep - 1) * (_ALPHA * a) + _ALPHA * a * p
    return input * Tensor._wrap((keep * a).astype(input.dtype)) + Tensor._wrap(b.astype(input.dtype))


def alpha_dropout(input, p=0.5, training=False, inplace=False):
    """Dropout that keeps SELU's self-normalising mean and variance: dropped entries take SELU's negative saturation
    value, then an affine map restores the statistics. Note PyTorch's default training=False."""
    return _alpha_dropout(input, p, training, False)


def feature_alpha_dropout(input, p=0.5, training=False, inplace=False):
    """alpha_dropout of whole channels."""
    return _alpha_dropout(input, p, training, True)


def gumbel_softmax(logits, tau=1, hard=False, eps=1e-10, dim=-1):
    """softmax((logits + Gumbel noise) / tau); hard=True returns the one-hot of its argmax with the soft sample's
    gradient (the straight-through estimator)."""
    noise = -np.log(random._rng(None).exponential(1.0, tuple(logits.shape)))
    y_soft = softmax((logits + Tensor._wrap(noise.astype(logits.dtype))) / tau, dim)
    if not hard:
        return y_soft
    index = y_soft.max(dim, keepdim=True)[1]
    y_hard = Tensor._wrap(np.zeros(tuple(logits.shape), logits.dtype)).scatter(dim, index, 1.0)
    return y_hard - y_soft.detach() + y_soft


# in-place variants, as torch.nn.functional's: the result is written back into input (recorded in the graph when
# input is part of one)
def _inplace_variant(fn, name):
    from ..tensor import _inplace_method

    return _inplace_method(fn, name)


relu_ = _inplace_variant(relu, "relu_")
elu_ = _inplace_variant(elu, "elu_")
leaky_relu_ = _inplace_variant(leaky_relu, "leaky_relu_")
hardtanh_ = _inplace_variant(hardtanh, "hardtanh_")
selu_ = _inplace_variant(selu, "selu_")
celu_ = _inplace_variant(celu, "celu_")
threshold_ = _inplace_variant(threshold, "threshold_")
rrelu_ = _inplace_variant(rrelu, "rrelu_")


def max_pool2d_with_indices(input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False,
                            return_indices=True):
    return max_pool2d(input, kernel_size, stride, padding, dilation, ceil_mode, True)


def max_pool1d_with_indices(input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False,
                            return_indices=True):
    return max_pool1d(input, kernel_size, stride, padding, dilation, ceil_mode, True)


def upsample(input, size=None, scale_factor=None, mode="nearest", align_corners=None):
    """Deprecated alias of interpolate (with PyTorch's warning)."""
    warnings.warn("`nn.functional.upsample` is deprecated. Use `nn.functional.interpolate` instead.", stacklevel=2)
    return interpolate(input, size, scale_factor, mode, align_corners)


def upsample_nearest(input, size=None, scale_factor=None):
    warnings.warn("`nn.functional.upsample_nearest` is deprecated. Use `nn.functional.interpolate` instead.",
                  stacklevel=2)
    return interpolate(input, size, scale_factor, mode="nearest")


def upsample_bilinear(input, size=None, scale_factor=None):
    warnings.warn("`nn.functional.upsample_bilinear` is deprecated. Use `nn.functional.interpolate` instead.",
                  stacklevel=2)
    return interpolate(input, size, scale_factor, mode="bilinear", align_corners=True)
