"""Margin and embedding losses, as torch.nn.functional (compositions, so their gradients come for free; the hinge of
the kernel-based multi_margin and multilabel_margin losses is a relu, strict at 0 like PyTorch's kernels, the others
clamp_min(0), which passes the gradient at 0 like PyTorch's clamp_min).

Each takes reduction in {'none', 'mean', 'sum'} and PyTorch's deprecated size_average/reduce.
"""
import numpy as np

from ..tensor import Tensor
from .elementwise import clamp, relu, softplus, where
from .loss import _REDUCTIONS, _reduce, _tensor, legacy_reduction
from .products import pairwise_distance


def _reduction(size_average, reduce, reduction):
    reduction = legacy_reduction(size_average, reduce, reduction)
    if reduction not in _REDUCTIONS:
        raise ValueError(f"{reduction} is not a valid value for reduction")
    return reduction


def margin_ranking_loss(input1, input2, target, margin=0, size_average=None, reduce=None, reduction="mean"):
    """max(0, -target * (input1 - input2) + margin), target in {1, -1}."""
    reduction = _reduction(size_average, reduce, reduction)
    target = _tensor(target, input1)
    if input1.ndim != input2.ndim or input1.ndim != target.ndim:
        raise RuntimeError(
            f"margin_ranking_loss : All input tensors should have same dimension but got sizes: input1: "
            f"{input1.shape}, input2: {input2.shape}, target: {target.shape} ")
    return _reduce(clamp(-target * (input1 - input2) + margin, min=0), reduction)


def hinge_embedding_loss(input, target, margin=1.0, size_average=None, reduce=None, reduction="mean"):
    """input where target == 1, max(0, margin - input) where target == -1."""
    reduction = _reduction(size_average, reduce, reduction)
    target = _tensor(target, input)
    margin_clamp = where(target != 1, clamp(margin - input, min=0), 0.0)
    return _reduce(margin_clamp + where(target != -1, input, 0.0), reduction)


def soft_margin_loss(input, target, size_average=None, reduce=None, reduction="mean"):
    """log(1 + exp(-target * input)), target in {1, -1}."""
    reduction = _reduction(size_average, reduce, reduction)
    target = _tensor(target, input)
    if target.requires_grad:
        raise RuntimeError("The function 'soft_margin_loss' is not differentiable with respect to argument 'target'. "
                           "This input cannot have requires_grad True.")
    return _reduce(softplus(-input * target, threshold=float("inf")), reduction)


def multilabel_soft_margin_loss(input, target, weight=None, size_average=None, reduce=None, reduction="mean"):
    """-(target log sigmoid(input) + (1 - target) log sigmoid(-input)), times weight, averaged over the classes (the
    last dim): one loss per sample."""
    reduction = _reduction(size_average, reduce, reduction)
    target = _tensor(target, input)
    loss = target * softplus(-input, threshold=float("inf")) + (1 - target) * softplus(input, threshold=float("inf"))
    if weight is not None:
        loss = loss * _tensor(weight, input)
    C = input.shape[-1] if input.ndim else 1
    return _reduce(loss.sum(input.ndim - 1 if input.ndim else None) / C, reduction)


def cosine_embedding_loss(input1, input2, target, margin=0, size_average=None, reduce=None, reduction="mean"):
    """1 - cos(input1, input2) where target == 1, max(0, cos - margin) where target == -1; inputs (N, D) with target
    (N,), or (D,) with a 0-d target. cos = <x1, x2> / sqrt((|x1|^2 + 1e-12)(|x2|^2 + 1e-12)), as PyTorch."""
    reduction = _reduction(size_average, reduce, reduction)
    target = _tensor(target, input1)
    if target.ndim not in (0, 1):
        raise RuntimeError("0D or 1D target tensor expected, multi-target not supported")
    want = 2 if target.ndim == 1 else 1
    if input1.ndim != want or input2.ndim != want:
        raise RuntimeError(
            f"{target.ndim}D target tensor expects {want}D input tensors, but found inputs with sizes "
            f"{list(input1.shape)} and {list(input2.shape)}.")
    d = target.ndim
    prod = (input1 * input2).sum(d)
    mag1 = (input1 * input1).sum(d) + 1e-12
    mag2 = (input2 * input2).sum(d) + 1e-12
    cos = prod / (mag1 * mag2).sqrt()
    out = where(target == 1, 1 - cos, 0.0) + where(target == -1, clamp(cos - margin, min=0), 0.0)
    return _reduce(out, reduction)


def triplet_margin_loss(anchor, positive, negative, margin=1.0, p=2, eps=1e-6, swap=False, size_average=None,
                        reduce=None, reduction="mean"):
    """max(0, margin + d(anchor, positive) - d(anchor, negative)) with d = pairwise_distance(p, eps); swap uses
    min(d(a, n), d(p, n)) as the negative distance."""
    reduction = _reduction(size_average, reduce, reduction)
    if margin <= 0:
        raise ValueError(f"margin must be greater than 0, got {margin}")
    return triplet_margin_with_distance_loss(
        anchor, positive, negative, distance_function=lambda x, y: pairwise_distance(x, y, p, eps), margin=margin,
        swap=swap, reduction=reduction)


def triplet_margin_with_distance_loss(anchor, positive, negative, *, distance_function=None, margin=1.0, swap=False,
                                      reduction="mean"):
    """triplet_margin_loss with any distance function (default pairwise_distance)."""
    from .elementwise import minimum

    if reduction not in _REDUCTIONS:
        raise ValueError(f"{reduction} is not a valid value for reduction")
    if margin <= 0:
        raise ValueError(f"margin must be greater than 0, got {margin}")
    if not (anchor.ndim == positive.ndim == negative.ndim):
        raise RuntimeError(
            f"The anchor, positive, and negative tensors are expected to have the same number of dimensions, but "
            f"got: anchor {anchor.ndim}D, positive {positive.ndim}D, and negative {negative.ndim}D inputs")
    distance = distance_function or pairwise_distance
    dist_pos = distance(anchor, positive)
    dist_neg = distance(anchor, negative)
    if swap:
        dist_neg = minimum(dist_neg, distance(positive, negative))
    return _reduce(clamp(margin + dist_pos - dist_neg, min=0), reduction)


def _class_target(input, target, op):
    t = target._data if isinstance(target, Tensor) else np.asarray(target)
    if t.dtype.kind not in "iu":
        raise RuntimeError(f"{op}: expected target of an integer dtype, got {t.dtype}")
    return t.astype(np.int64)


def multi_margin_loss(input, target, p=1, margin=1.0, weight=None, size_average=None, reduce=None, reduction="mean"):
    """sum_{j != y} max(0, margin - x[y] + x[j])^p * weight[y] / C per sample: input (N, C) or (C,), target (N,) or
    () class indices; p is 1 or 2."""
    reduction = _reduction(size_average, reduce, reduction)
    if p != 1 and p != 2:
        raise ValueError("only p == 1 and p == 2 supported")
    if weight is not None and weight.ndim != 1:
        raise ValueError("weight must be one-dimensional")
    if input.ndim > 2:
        raise RuntimeError(f"multi_margin_loss: expected a 1-D or 2-D input, got shape {tuple(input.shape)}")
    t = _class_target(input, target, "multi_margin_loss")
    x = input.reshape(1, -1) if input.ndim < 2 else input
    N, C = x.shape
    t = t.reshape(-1)
    if t.shape[0] != N:
        raise RuntimeError(f"inconsistent target size, expected {N} but got {tuple(np.shape(target))}")
    if t.size and (t.min() < 0 or t.max() >= C):
        raise RuntimeError("target out of range")
    xy = x.gather(1, Tensor._wrap(t[:, None]))
    z = relu(x - xy + margin)
    if p == 2:
        z = z * z
    z = z * Tensor._wrap((np.arange(C)[None, :] != t[:, None]).astype(input.dtype))
    if weight is not None:
        z = z * _tensor(weight, input)[Tensor._wrap(t)].unsqueeze(1)
    loss = z.sum(1) / C
    if input.ndim < 2:
        loss = loss.reshape(())
    return _reduce(loss, reduction)


def multilabel_margin_loss(input, target, size_average=None, reduce=None, reduction="mean"):
    """sum over the target classes y and the other classes k of max(0, 1 - (x[y] - x[k])) / C per sample; target
    holds class indices, read up to the first -1 (input and target (N, C) or (C,))."""
    reduction = _reduction(size_average, reduce, reduction)
    t = _class_target(input, target, "multilabel_margin_loss")
    if input.ndim > 2 or t.shape != tuple(input.shape):
        raise RuntimeError(f"multilabel_margin_loss: inconsistent target size: {tuple(t.shape)} for input of size: "
                           f"{tuple(input.shape)}")
    x = input.reshape(1, -1) if input.ndim < 2 else input
    t = t.reshape(x.shape)
    N, C = x.shape
    valid = np.cumprod(t >= 0, axis=1).astype(bool)  # the targets before the first negative entry
    if (t[valid] >= C).any():
        raise RuntimeError("multilabel_margin_loss: target index out of range")
    safe = np.where(valid, t, 0)
    is_target = np.zeros((N, C), dtype=bool)
    rows = np.nonzero(valid)[0]
    is_target[rows, safe[valid]] = True
    xy = x.gather(1, Tensor._wrap(safe))  # (N, C): x at each target slot
    z = relu(x.unsqueeze(1) - xy.unsqueeze(2) + 1)  # (N, target slot, class)
    mask = valid[:, :, None] & ~is_target[:, None, :]
    loss = (z * Tensor._wrap(mask.astype(input.dtype))).sum((1, 2)) / C
    if input.ndim < 2:
        loss = loss.reshape(())
    return _reduce(loss, reduction)
