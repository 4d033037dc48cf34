"""The adding problem (Hochreiter & Schmidhuber 1997; Le et al. 2015): a long-term-dependency benchmark.

Each sequence has `length` steps of two features: a value drawn from U(0, 1) and a marker that is 1 at exactly
two steps (one in each half of the sequence) and 0 elsewhere. The target is the sum of the two marked values.
Always predicting 1.0 gives a mean squared error of Var(u1 + u2) = 2/12 ~ 0.167, the baseline to beat.
"""
import numpy as np

BASELINE_MSE = 1.0 / 6.0


def adding_problem(n, length, rng):
    """(x (n, length, 2) float32, y (n, 1) float32) from a NumPy Generator `rng`."""
    if length < 2:
        raise ValueError(f"adding_problem: length must be at least 2, got {length}")
    values = rng.uniform(0.0, 1.0, (n, length))
    half = length // 2
    first = rng.integers(0, half, n)
    second = rng.integers(half, length, n)
    markers = np.zeros((n, length))
    rows = np.arange(n)
    markers[rows, first] = 1.0
    markers[rows, second] = 1.0
    x = np.stack([values, markers], axis=-1).astype(np.float32)
    y = (values[rows, first] + values[rows, second]).astype(np.float32)[:, None]
    return x, y
