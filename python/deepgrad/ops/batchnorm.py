"""batch_norm (PyTorch semantics): one fused Function, normalising over every axis but the channel axis 1.

    y = (x - mean) / sqrt(var + eps) * weight + bias        x (N, C) or (N, C, *), weight and bias (C,)

Training uses the batch's mean and biased variance and moves the running statistics towards them:
running_mean <- (1 - momentum) running_mean + momentum mean, running_var likewise with the unbiased variance
(var * n / (n - 1), n = values per channel). Evaluation uses the running statistics as constants.
"""
import numpy as np

from ..autograd.function import Function


class BatchNorm(Function):
    """Tensors: x, then weight and bias when present (has_weight/has_bias). mean/var None: batch statistics
    (written into stats_out as (mean, biased var)); given: fixed statistics, as in eval mode."""

    def forward(self, x, *params, has_weight, has_bias, mean, var, eps, stats_out=None):
        axes = (0,) + tuple(range(2, x.ndim))
        shape = (1, -1) + (1,) * (x.ndim - 2)
        self.batch_stats = mean is None
        if self.batch_stats:
            mean = x.mean(axis=axes)
            var = x.var(axis=axes)
            if stats_out is not None:
                stats_out.append((mean, var))
        invstd = (1.0 / np.sqrt(var + eps)).astype(x.dtype)
        xhat = (x - mean.reshape(shape)) * invstd.reshape(shape)
        weight = params[0] if has_weight else None
        y = xhat * weight.reshape(shape) if has_weight else xhat.copy()
        if has_bias:
            y += params[-1].reshape(shape)
        self.args = (axes, shape, has_weight, has_bias)
        self.save_for_backward(xhat, invstd, weight)
        return y

    def backward(self, g):
        xhat, invstd, weight = self.saved_tensors
        axes, shape, has_weight, has_bias = self.args
        needs = self.needs_input_grad
        dx = None
        if needs[0]:
            dxhat = g * weight.reshape(shape) if has_weight else g
            if self.batch_stats:
                # d/dx of (x - mean) * invstd with mean and var depending on x
                dx = (dxhat - dxhat.mean(axis=axes, keepdims=True)
                      - xhat * (dxhat * xhat).mean(axis=axes, keepdims=True)) * invstd.reshape(shape)
            else:
                dx = dxhat * invstd.reshape(shape)
        grads = [dx]
        if has_weight:
            grads.append((g * xhat).sum(axis=axes) if needs[1] else None)
        if has_bias:
            grads.append(g.sum(axis=axes) if needs[-1] else None)
        return tuple(grads)


def _check(input, name, t, channels):
    if t is not None and tuple(t.shape) != (channels,):
        raise ValueError(
            f"batch_norm: input has {channels} channels but {name} has shape {tuple(t.shape)} (input "
            f"{tuple(input.shape)}); expected ({channels},)"
        )


def batch_norm(input, running_mean, running_var, weight=None, bias=None, training=False, momentum=0.1, eps=1e-5):
    """torch.nn.functional.batch_norm on (N, C) or (N, C, *). In training mode the batch statistics are used and,
    when running_mean/running_var are given, updated in place with `momentum`; otherwise the running ones."""
    if input.ndim < 2:
        raise ValueError(f"batch_norm: expected an input of at least 2 dimensions (N, C, ...), got shape "
                         f"{tuple(input.shape)}")
    if input.dtype not in (np.float32, np.float64):
        raise TypeError(f"batch_norm: expected a float32 or float64 input, got {input.dtype}")
    channels = input.shape[1]
    for name, t in (("running_mean", running_mean), ("running_var", running_var), ("weight", weight),
                    ("bias", bias)):
        _check(input, name, t, channels)
    tensors = [input] + [t for t in (weight, bias) if t is not None]
    options = dict(has_weight=weight is not None, has_bias=bias is not None, eps=eps)
    if not training:
        if running_mean is None or running_var is None:
            raise ValueError("batch_norm: running_mean and running_var are needed when training=False")
        return BatchNorm.apply(*tensors, mean=running_mean._data.astype(input.dtype, copy=False),
                               var=running_var._data.astype(input.dtype, copy=False), **options)
    count = input.shape[0] * int(np.prod(input.shape[2:], dtype=np.int64))
    if count <= 1:
        raise ValueError(f"batch_norm: expected more than 1 value per channel when training, got input size "
                         f"{tuple(input.shape)}")
    stats = []
    out = BatchNorm.apply(*tensors, mean=None, var=None, stats_out=stats, **options)
    mean, var = stats[0]
    for running, batch in ((running_mean, mean), (running_var, var * (count / (count - 1)))):
        if running is not None:
            running._data *= 1 - momentum
            running._data += momentum * batch.astype(running.dtype, copy=False)
    return out
