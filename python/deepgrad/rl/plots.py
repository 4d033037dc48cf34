"""Reward curves as PNG files (matplotlib, the 'plot' extra; skipped with a note when it is missing)."""
import numpy as np

from ..training.plots import _figure


def save_reward_curve(returns, path, title=None, x=None, xlabel="episode", window=20, evaluations=None, log=print):
    """Episode returns (with their moving average over `window` episodes) against x (default the episode
    number); evaluations: optional (x, mean return) points of the greedy policy. Returns the path or None."""
    fig = _figure()
    if fig is None:
        log(f'note: matplotlib is not installed, so {path} was not written (pip install "deepgrad[plot]")')
        return None
    returns = np.asarray(returns, dtype=float)
    x = np.arange(1, len(returns) + 1) if x is None else np.asarray(x)
    ax = fig.subplots()
    ax.plot(x, returns, alpha=0.35, label="episode return")
    if len(returns) >= window:
        smooth = np.convolve(returns, np.ones(window) / window, mode="valid")
        ax.plot(x[window - 1:], smooth, label=f"mean of last {window}")
    if evaluations:
        ex, ey = zip(*evaluations)
        ax.plot(ex, ey, "o-", label="evaluation (greedy)")
    ax.set_xlabel(xlabel)
    ax.set_ylabel("return")
    ax.grid(alpha=0.3)
    ax.legend()
    if title:
        ax.set_title(title)
    fig.tight_layout()
    fig.savefig(path)
    return path
