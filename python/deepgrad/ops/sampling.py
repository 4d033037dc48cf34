"""Sampling from given probabilities (not differentiable): multinomial."""
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
