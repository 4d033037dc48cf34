"""Losses, as torch.nn.functional: cross_entropy (one fused Function), binary_cross_entropy (a Function for
PyTorch's clamped logs and backward), and compositions for the rest (nll, mse, l1, huber, smooth_l1, BCE with logits).

Every loss takes reduction in {'none', 'mean', 'sum'}.
"""
import warnings

import numpy as np

from ..autograd.function import Function, unbroadcast
from ..tensor import Tensor, as_tensor

_REDUCTIONS = ("none", "mean", "sum")


class CrossEntropy(Function):
    """Per-row loss of (M, C) logits: -sum_c A_ic log_softmax(z)_ic, with A the (weighted, smoothed) target.

    Class-index targets t (M,): A_ic = (1 - eps) w_t [c == t_i] + eps / C w_c, and 0 on ignored rows.
    Probability targets q (M, C): A_ic = ((1 - eps) q_ic + eps / C) w_c.
    Backward: dloss_i / dz_ik = softmax(z)_ik sum_c A_ic - A_ik, so no one-hot matrix is ever built.
    """

    def forward(self, z, t, weight=None, ignore_index=-100, label_smoothing=0.0):
        shifted = z - z.max(axis=1, keepdims=True)
        logp = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
        eps, C = label_smoothing, z.shape[1]
        self.eps_c = z.dtype.type(eps / C)
        self.weight = weight
        if t.dtype.kind == "f":
            self.probs = True
            A = t * z.dtype.type(1 - eps) + self.eps_c if eps else t
            if weight is not None:
                A = A * weight
            self.save_for_backward(logp, A)
            return -(A * logp).sum(axis=1)
        self.probs = False
        valid = t != ignore_index
        safe = np.where(valid, t, 0)
        wt = weight[safe] if weight is not None else np.ones(len(t), z.dtype)
        s = np.where(valid, wt * z.dtype.type(1 - eps), 0).astype(z.dtype, copy=False)
        loss = -s * np.take_along_axis(logp, safe[:, None], axis=1)[:, 0]
        if eps:
            smooth = (logp * weight).sum(axis=1) if weight is not None else logp.sum(axis=1)
            loss -= np.where(valid, self.eps_c * smooth, 0).astype(z.dtype, copy=False)
        self.save_for_backward(logp, safe, s, valid)
        return loss

    def backward(self, g):
        if self.probs:
            logp, A = self.saved_tensors
            gz = (np.exp(logp) * A.sum(axis=1, keepdims=True) - A) * g[:, None]
            gt = None
            if self.needs_input_grad[1]:
                scale = 1 - self.eps_c * logp.shape[1]  # 1 - eps
                w = self.weight if self.weight is not None else 1
                gt = -scale * w * logp * g[:, None]
            return gz, gt
        logp, safe, s, valid = self.saved_tensors
        rowsum = s
        if self.eps_c:
            wsum = self.weight.sum() if self.weight is not None else logp.shape[1]
            rowsum = s + self.eps_c * wsum * valid
        gz = np.exp(logp) * rowsum[:, None]
        gz[np.arange(len(safe)), safe] -= s
        if self.eps_c:
            w = self.weight if self.weight is not None else 1
            gz -= (self.eps_c * w) * valid[:, None]
        return (gz * g[:, None]).astype(logp.dtype, copy=False), None


class BinaryCrossEntropy(Function):
    """-(t log x + (1 - t) log(1 - x)) with both logs clamped at -100, as PyTorch (so x = 0 or 1 stays finite)."""

    def forward(self, x, t):
        with np.errstate(divide="ignore"):
            log_x = np.maximum(np.log(x), -100)
            log_1mx = np.maximum(np.log1p(-x), -100)
        self.save_for_backward(x, t, log_x, log_1mx)
        return -(t * log_x + (1 - t) * log_1mx)

    def backward(self, g):
        x, t, log_x, log_1mx = self.saved_tensors
        gx = g * (x - t) / np.maximum(x * (1 - x), x.dtype.type(1e-12))
        gt = g * (log_1mx - log_x) if self.needs_input_grad[1] else None
        return gx, gt


# ---- helpers ----


def _tensor(x, like=None):
    if isinstance(x, Tensor):
        return x
    return as_tensor(x, dtype=like.dtype if like is not None and np.asarray(x).dtype.kind == "f" else None)


def _check_reduction(reduction, op):
    if reduction not in _REDUCTIONS:
        raise ValueError(f"{op}: {reduction!r} is not a valid value for reduction (expected 'none', 'mean' or 'sum')")


def _reduce(loss, reduction):
    if reduction == "none":
        return loss
    return loss.sum() if reduction == "sum" else loss.mean()


def _weighted_reduce(loss, weight, reduction, mean_by_weight_sum, op):
    """PyTorch's optional elementwise `weight` of the regression losses (same size as the input)."""
    if weight is None:
        return _reduce(loss, reduction)
    weight = _tensor(weight, loss)
    if tuple(weight.shape) != tuple(loss.shape):
        raise ValueError(f"{op}: weights and input must have the same size (got {tuple(weight.shape)} and {tuple(loss.shape)})")
    loss = loss * weight
    if reduction == "mean" and mean_by_weight_sum:
        return loss.sum() / weight.sum()
    return _reduce(loss, reduction)


def _pair(input, target, op, warn=True):
    """Input and target as Tensors; a size mismatch warns (it broadcasts, as in PyTorch)."""
    target = _tensor(target, input)
    if tuple(target.shape) != tuple(input.shape) and warn:
        warnings.warn(
            f"{op}: using a target size ({tuple(target.shape)}) that is different to the input size "
            f"({tuple(input.shape)}). This will likely lead to incorrect results due to broadcasting. "
            "Please ensure they have the same size.",
            stacklevel=3,
        )
    if target.dtype != input.dtype and input.dtype.kind == "f":
        target = target.to(input.dtype)
    return input, target


# ---- regression losses (compositions) ----


def mse_loss(input, target, size_average=None, reduce=None, reduction="mean", weight=None):
    """(input - target)^2, reduced; a weighted mean divides by sum(weight)."""
    _check_reduction(reduction, "mse_loss")
    input, target = _pair(input, target, "mse_loss")
    d = input - target
    return _weighted_reduce(d * d, weight, reduction, True, "mse_loss")


def l1_loss(input, target, size_average=None, reduce=None, reduction="mean", weight=None):
    """|input - target|, reduced; a weighted mean divides by sum(weight)."""
    _check_reduction(reduction, "l1_loss")
    input, target = _pair(input, target, "l1_loss")
    return _weighted_reduce((input - target).abs(), weight, reduction, True, "l1_loss")


class PiecewiseQuadratic(Function):
    """Huber/SmoothL1 elementwise, one op: with d = input - target,
    0.5 d^2 * scale where |d| < threshold, else (|d| - 0.5 threshold) * threshold * scale.
    Input and target broadcast against each other; the gradient is d * scale inside, sign(d) * threshold * scale
    outside."""

    def forward(self, x, t, threshold=1.0, scale=1.0):
        d = x - t
        ad = np.abs(d)
        inside = ad < threshold
        self.save_for_backward(d, inside)
        self.shapes, self.threshold, self.scale = (x.shape, t.shape), threshold, scale
        return np.where(inside, d * d * (0.5 * scale), (ad - 0.5 * threshold) * (threshold * scale))

    def backward(self, g):
        d, inside = self.saved_tensors
        slope = np.where(inside, d * self.scale, np.sign(d) * (self.threshold * self.scale))
        gd = g * slope
        need = self.needs_input_grad
        return (unbroadcast(gd, self.shapes[0]) if need[0] else None,
                unbroadcast(-gd, self.shapes[1]) if need[1] else None)


def _piecewise_quadratic(input, target, threshold, scale):
    return PiecewiseQuadratic.apply(input, target, threshold=threshold, scale=scale)


def huber_loss(input, target, reduction="mean", delta=1.0, weight=None):
    """0.5 d^2 where |d| < delta, else delta (|d| - delta / 2), with d = input - target."""
    _check_reduction(reduction, "huber_loss")
    if delta <= 0:
        raise RuntimeError(f"huber_loss: delta must be positive, got {delta}")
    input, target = _pair(input, target, "huber_loss")
    return _weighted_reduce(_piecewise_quadratic(input, target, delta, 1.0), weight, reduction, False, "huber_loss")


def smooth_l1_loss(input, target, size_average=None, reduce=None, reduction="mean", beta=1.0):
    """0.5 d^2 / beta where |d| < beta, else |d| - beta / 2 (beta = 0 gives the L1 loss)."""
    _check_reduction(reduction, "smooth_l1_loss")
    if beta < 0:
        raise RuntimeError(f"smooth_l1_loss: beta must be non-negative, got {beta}")
    if beta == 0:
        return l1_loss(input, target, reduction=reduction)
    input, target = _pair(input, target, "smooth_l1_loss")
    return _reduce(_piecewise_quadratic(input, target, beta, 1.0 / beta), reduction)


# ---- binary classification ----


def _binary_target(input, target, op):
    target = _tensor(target, input)
    if tuple(target.shape) != tuple(input.shape):
        raise ValueError(
            f"{op}: target size {tuple(target.shape)} must be the same as input size {tuple(input.shape)}"
        )
    return target if target.dtype == input.dtype else target.to(input.dtype)


def binary_cross_entropy(input, target, weight=None, size_average=None, reduce=None, reduction="mean"):
    """-w (t log x + (1 - t) log(1 - x)) for probabilities x in [0, 1]; logs are clamped at -100."""
    _check_reduction(reduction, "binary_cross_entropy")
    target = _binary_target(input, target, "binary_cross_entropy")
    x = input._data
    if x.size and (x.min() < 0 or x.max() > 1):
        raise RuntimeError("binary_cross_entropy: all elements of input should be between 0 and 1")
    loss = BinaryCrossEntropy.apply(input, target)
    if weight is not None:
        loss = loss * _tensor(weight, input)
    return _reduce(loss, reduction)


def binary_cross_entropy_with_logits(
    input, target, weight=None, size_average=None, reduce=None, reduction="mean", pos_weight=None
):
    """(1 - t) x + (1 + (pos_weight - 1) t) softplus(-x), times weight: stable for any logit x."""
    from .elementwise import softplus

    _check_reduction(reduction, "binary_cross_entropy_with_logits")
    target = _binary_target(input, target, "binary_cross_entropy_with_logits")
    # threshold=inf: the exact log1p(exp(-x)) everywhere (logaddexp is already overflow-free)
    sp = softplus(-input, threshold=float("inf"))
    if pos_weight is not None:
        pos_weight = _tensor(pos_weight, input)
        loss = (1 - target) * input + ((pos_weight - 1) * target + 1) * sp
    else:
        loss = (1 - target) * input + sp
    if weight is not None:
        loss = loss * _tensor(weight, input)
    return _reduce(loss, reduction)


# ---- multi-class classification ----


def _class_layout(input, target, weight, op):
    """(M, C) rows of the input, the target in the same row order and the batch shape, for an input of
    shape (C,), (N, C) or (N, C, d1, ...) with class-index targets (batch shape) or probabilities (input's shape).
    """
    if input.ndim == 0:
        raise ValueError(f"{op}: input must have at least 1 dimension (the classes), got a 0-d tensor")
    target = target if isinstance(target, Tensor) else _tensor(target)
    cdim = 0 if input.ndim == 1 else 1
    C = input.shape[cdim]
    batch = tuple(input.shape[:cdim]) + tuple(input.shape[cdim + 1 :])
    if weight is not None:
        weight = _tensor(weight, input)
        if tuple(weight.shape) != (C,):
            raise RuntimeError(f"{op}: weight should have one entry per class, shape ({C},), got {tuple(weight.shape)}")
        weight = weight._data.astype(input.dtype, copy=False)
    probs = target.dtype.kind == "f"
    if probs and tuple(target.shape) != tuple(input.shape):
        raise RuntimeError(
            f"{op}: a probability target (floating dtype) must have the input's shape {tuple(input.shape)}, "
            f"got {tuple(target.shape)}"
        )
    if not probs:
        if target.dtype.kind not in "iu":
            raise RuntimeError(f"{op}: expected class indices of an integer dtype or class probabilities, got {target.dtype}")
        if tuple(target.shape) != batch:
            what = f"input batch {batch[0]}" if input.ndim == 2 else f"input batch shape {batch}"
            raise RuntimeError(
                f"{op}: target shape {tuple(target.shape)} does not match {what} (input shape {tuple(input.shape)})"
            )

    def rows(x):
        if x.ndim == 1:
            return x.reshape(1, C)
        if x.ndim > 2:
            x = x.permute(0, *range(2, x.ndim), 1)
        return x.reshape(-1, C)

    return rows(input), (rows(target) if probs else target._data.reshape(-1)), batch, weight


def _index_denominator(t, weight, ignore_index, C, op):
    """Sum of the weights of the non-ignored targets ('mean' divides by it), after checking their range."""
    valid = t != ignore_index
    tv = t[valid]
    if tv.size and (tv.min() < 0 or tv.max() >= C):
        bad = tv[(tv < 0) | (tv >= C)][0]
        raise IndexError(f"{op}: target {bad} is out of bounds for {C} classes (expected 0 <= target < {C})")
    return float(weight[tv].sum()) if weight is not None else float(tv.size)


def _class_reduce(rows_loss, batch, reduction, denominator):
    if reduction == "none":
        return rows_loss.reshape(batch)
    total = rows_loss.sum()
    if reduction == "sum":
        return total
    if denominator == 0:  # every target ignored: PyTorch gives nan with a zero gradient (and no warning)
        return total * 0.0 + float("nan")
    return total / denominator


def cross_entropy(
    input, target, weight=None, size_average=None, ignore_index=-100, reduce=None, reduction="mean",
    label_smoothing=0.0,
):
    """Cross entropy from logits, log_softmax and NLL fused: input (C,), (N, C) or (N, C, d1, ...).

    target: class indices (shape (), (N,) or (N, d1, ...)) or class probabilities (the input's shape).
    With indices, 'mean' divides by the summed weight of the non-ignored targets; with probabilities, by the
    number of rows. label_smoothing eps mixes the target with the uniform distribution: (1 - eps) y + eps / C.
    """
    _check_reduction(reduction, "cross_entropy")
    if not 0.0 <= label_smoothing <= 1.0:
        raise ValueError(f"cross_entropy: label_smoothing must be between 0.0 and 1.0, got {label_smoothing}")
    z, t, batch, w = _class_layout(input, target, weight, "cross_entropy")
    C = z.shape[1]
    if isinstance(t, Tensor):
        t = t if t.dtype == z.dtype else t.to(z.dtype)
        denominator = float(np.prod(batch)) if batch else 1.0
    else:
        denominator = _index_denominator(t, w, ignore_index, C, "cross_entropy")
        t = Tensor._wrap(t)
    rows_loss = CrossEntropy.apply(z, t, weight=w, ignore_index=ignore_index, label_smoothing=label_smoothing)
    return _class_reduce(rows_loss, batch, reduction, denominator)


def nll_loss(input, target, weight=None, size_average=None, ignore_index=-100, reduce=None, reduction="mean"):
    """-w_t input[t] for log-probabilities input (C,), (N, C) or (N, C, d1, ...); 'mean' divides by sum(w_t)."""
    _check_reduction(reduction, "nll_loss")
    z, t, batch, w = _class_layout(input, target, weight, "nll_loss")
    if isinstance(t, Tensor):
        raise RuntimeError(f"nll_loss: expected class indices of an integer dtype, got {t.dtype}")
    denominator = _index_denominator(t, w, ignore_index, z.shape[1], "nll_loss")
    valid = t != ignore_index
    safe = np.where(valid, t, 0)
    coef = (w[safe] if w is not None else np.ones(len(t), z.dtype)) * valid
    rows_loss = -z[np.arange(len(t)), safe] * Tensor._wrap(coef.astype(z.dtype, copy=False))
    return _class_reduce(rows_loss, batch, reduction, denominator)


# ---- likelihood losses: Gaussian and Poisson negative log likelihood (compositions) ----


def legacy_reduction(size_average, reduce, reduction):
    """PyTorch's deprecated size_average/reduce arguments of the functional losses, mapped onto reduction."""
    if size_average is None and reduce is None:
        return reduction
    size_average = True if size_average is None else size_average
    reduce = True if reduce is None else reduce
    reduction = "none" if not reduce else ("mean" if size_average else "sum")
    warnings.warn(f"size_average and reduce args will be deprecated, please use reduction='{reduction}' instead.",
                  stacklevel=3)
    return reduction


def gaussian_nll_loss(input, target, var, full=False, eps=1e-6, reduction="mean"):
    """0.5 (log max(var, eps) + (input - target)^2 / max(var, eps)) [+ 0.5 log(2 pi) with full=True].

    var: one variance per entry of input, or with one dim of size 1 (or the last dim missing), or a number.
    The clamp at eps changes the value only: the gradient reaches var as if unclamped, as in PyTorch.
    """
    from .elementwise import where

    target = _tensor(target, input)
    if not isinstance(var, Tensor):
        if var < 0:
            raise ValueError("var has negative entry/entries")
        var = Tensor._wrap(np.full(input.shape, var, dtype=input.dtype))
    elif (var._data < 0).any():
        raise ValueError("var has negative entry/entries")
    if tuple(var.shape) != tuple(input.shape):
        if tuple(input.shape[:-1]) == tuple(var.shape):
            var = var.unsqueeze(-1)
        elif not (input.ndim == var.ndim and sum(y for x, y in zip(input.shape, var.shape) if x != y) == 1):
            raise ValueError("var is of incorrect size")
    if reduction not in _REDUCTIONS:
        raise ValueError(reduction + " is not valid")
    small = var.detach() < eps
    if small._data.any():
        var = where(small, (var - var.detach()) + eps, var)
    loss = ((input - target) ** 2 / var + var.log()) * 0.5
    if full:
        loss = loss + 0.5 * np.log(2 * np.pi)
    return _reduce(loss, reduction)


def poisson_nll_loss(input, target, log_input=True, full=False, size_average=None, eps=1e-8, reduce=None,
                     reduction="mean"):
    """exp(input) - target * input (log_input=True) or input - target * log(input + eps), plus with full=True the
    Stirling term target log target - target + 0.5 log(2 pi target) where target > 1."""
    from .elementwise import where

    reduction = legacy_reduction(size_average, reduce, reduction)
    if reduction not in _REDUCTIONS:
        raise ValueError(reduction + " is not a valid value for reduction")
    target = _tensor(target, input)
    if log_input:
        loss = input.exp() - target * input
    else:
        loss = input - target * (input + eps).log()
    if full:
        stirling = target * target.log() - target + (target * (2 * np.pi)).log() * 0.5
        loss = loss + where(target <= 1, 0.0, stirling)
    return _reduce(loss, reduction)
