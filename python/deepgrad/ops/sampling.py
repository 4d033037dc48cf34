"""Sampling (not differentiable: samples carry a zero gradient): multinomial, bernoulli, normal, poisson."""
import numpy as np

from .. import random
from ..tensor import Tensor


def multinomial(input, num_samples, replacement=False, generator=None):
    """Indices drawn from the categories of each row of input ((C,) or (N, C) non-negative weights, need not sum
    to 1): (num_samples,) or (N, num_samples) int64. Without replacement, num_samples <= the number of non-zero
    weights in each row."""
    w = input._data if isinstance(input, Tensor) else np.asarray(input)
    if w.ndim not in (1, 2):
        raise RuntimeError(f"multinomial: prob_dist must be 1 or 2 dim, got shape {tuple(w.shape)}")
    if num_samples <= 0:
        raise RuntimeError(f"multinomial: cannot sample num_samples={num_samples} <= 0 samples")
    rows = np.atleast_2d(w).astype(np.float64)
    if not np.isfinite(rows).all() or (rows < 0).any():
        raise RuntimeError("multinomial: probability tensor contains either `inf`, `nan` or element < 0")
    totals = rows.sum(axis=1, keepdims=True)
    if (totals <= 0).any():
        raise RuntimeError("multinomial: invalid multinomial distribution (sum of probabilities <= 0)")
    if not replacement and num_samples > rows.shape[1]:
        raise RuntimeError(f"multinomial: cannot sample n_sample > prob_dist.size(-1) samples without replacement "
                           f"({num_samples} > {rows.shape[1]})")
    if not replacement and ((rows > 0).sum(axis=1) < num_samples).any():
        raise RuntimeError("multinomial: invalid multinomial distribution (with replacement=False, not enough "
                           "non-negative category to sample)")
    u = random.uniform(0.0, 1.0, (rows.shape[0], num_samples if replacement else rows.shape[1]), generator)
    if replacement:  # inverse CDF per draw
        cdf = np.cumsum(rows / totals, axis=1)
        cdf[:, -1] = 1.0
        out = np.stack([np.searchsorted(c, x, side="right") for c, x in zip(cdf, u)])
        out = np.minimum(out, rows.shape[1] - 1)
    else:  # exponential race (Gumbel top-k): the smallest -log(u) / w come first, in order
        with np.errstate(divide="ignore"):
            keys = -np.log(u) / rows
        out = np.argsort(keys, axis=1, kind="stable")[:, :num_samples]
    out = out.astype(np.int64)
    return Tensor._wrap(out[0] if w.ndim == 1 else out)


# ---- bernoulli, normal, poisson (PyTorch's overloads; samples carry a zero gradient to their parameters) ----


def _linked(sample, *params):
    """`sample` as a Tensor that depends on the parameter tensors with a zero gradient, as torch's samplers."""
    from .elementwise import Step

    out = Tensor._wrap(sample)
    for p in params:
        if isinstance(p, Tensor) and p.requires_grad:
            out = out + Step.apply(p, fn=np.zeros_like)
    return out


def bernoulli(input, p=None, *, generator=None):
    """1 with probability input (or p, a number, for every entry of input's shape), else 0, in input's dtype."""
    probs = input._data if p is None else np.full(input.shape, p, dtype=input.dtype)
    if p is None and probs.size and (np.isnan(probs).any() or probs.min() < 0 or probs.max() > 1):
        raise RuntimeError("bernoulli: Expected p_in >= 0 && p_in <= 1 to be true, but got false.")
    dtype = input.dtype if input.dtype.kind == "f" else np.float32
    sample = (random.uniform(0.0, 1.0, probs.shape, generator) < probs).astype(dtype)
    return _linked(sample, input if p is None else None)


def normal(mean=0.0, std=1.0, size=None, *, generator=None, dtype=None, device=None, requires_grad=False):
    """Samples of N(mean, std^2): mean and std tensors (broadcast) or numbers; with two numbers, `size` is required.
    std must be >= 0."""
    from .. import dtypes

    tm, ts = isinstance(mean, Tensor), isinstance(std, Tensor)
    m = mean._data if tm else mean
    s = std._data if ts else std
    for t in (mean, std):
        if isinstance(t, Tensor) and t.dtype.kind != "f":
            raise RuntimeError(f'"normal_kernel_cpu" not implemented for \'{t.dtype}\'')
    if np.any(np.asarray(s) < 0):
        raise RuntimeError(f"normal expects std >= 0.0, but found std {np.min(s)}")
    if tm or ts:
        shape = np.broadcast_shapes(np.shape(m), np.shape(s))
        out_dtype = mean.dtype if tm else std.dtype
        if tm and ts:
            out_dtype = dtypes.promote(mean.dtype, std.dtype)
        z = random.normal(0.0, 1.0, shape, generator)
        return _linked((np.asarray(m) + np.asarray(s) * z).astype(out_dtype), mean, std)
    if size is None:
        raise TypeError("normal() received an invalid combination of arguments: with a float mean and std, "
                        "the size argument is required")
    from ..tensor import _shape_args

    shape = _shape_args((size,)) if not isinstance(size, (int, np.integer)) else (int(size),)
    dtype = dtypes.to_dtype(dtype) or dtypes.get_default_dtype()
    t = Tensor._wrap((mean + std * random.normal(0.0, 1.0, shape, generator)).astype(dtype))
    t.requires_grad = requires_grad
    return t


def poisson(input, generator=None):
    """Samples of Poisson(rate) for the rates in input, in input's dtype."""
    rates = input._data
    if rates.size and (np.isnan(rates).any() or rates.min() < 0):
        raise RuntimeError("poisson: invalid Poisson rate, expected rate to be non-negative")
    sample = random._rng(generator).poisson(rates).astype(input.dtype)
    return _linked(sample, input)


# ---- in-place fills of a tensor with samples (Tensor.exponential_, ...; outside autograd, as the other fills) ----


def exponential_(tensor, lambd=1.0, *, generator=None):
    return tensor._inplace("exponential_", random._rng(generator).exponential(1.0 / lambd, tensor.shape))


def geometric_(tensor, p, *, generator=None):
    return tensor._inplace("geometric_", random._rng(generator).geometric(p, tensor.shape))


def log_normal_(tensor, mean=1.0, std=2.0, *, generator=None):
    return tensor._inplace("log_normal_", random._rng(generator).lognormal(mean, std, tensor.shape))


def cauchy_(tensor, median=0.0, sigma=1.0, *, generator=None):
    return tensor._inplace("cauchy_", median + sigma * random._rng(generator).standard_cauchy(tensor.shape))


def random_(tensor, from_=0, to=None, *, generator=None):
    """Integers uniform in [from, to) (random_(to): [0, to); random_(): [0, 2^mantissa bits] for floats)."""
    if to is None and from_ != 0:
        from_, to = 0, from_
    if to is None:
        to = 2 ** (np.finfo(tensor.dtype).nmant + 1) + 1 if tensor.dtype.kind == "f" else np.iinfo(tensor.dtype).max
    return tensor._inplace("random_", random._rng(generator).integers(from_, to, tensor.shape))
