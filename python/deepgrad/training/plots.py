"""Learning-curve plots as PNG files (matplotlib, the 'plot' extra; skipped with a note when it is missing)."""


def _figure():
    """A matplotlib Figure on the Agg canvas (no pyplot, so no global backend is changed), or None."""
    try:
        from matplotlib.backends.backend_agg import FigureCanvasAgg
        from matplotlib.figure import Figure
    except ImportError:
        return None
    fig = Figure(figsize=(10, 4), dpi=100)
    FigureCanvasAgg(fig)
    return fig


def save_learning_curves(history, path, title=None, log=print):
    """Plot each '<split>_<metric>' series of `history` (train_loss, val_loss, train_acc, ...) against the epoch,
    one panel per metric, into a PNG at `path`. Returns the path, or None when matplotlib is missing."""
    fig = _figure()
    if fig is None:
        log(f'note: matplotlib is not installed, so {path} was not written (pip install "deepgrad[plot]")')
        return None
    metrics = {}
    for key, values in history.items():
        if "_" in key and isinstance(values, list) and values:
            split, metric = key.split("_", 1)
            metrics.setdefault(metric, []).append((split, values))
    axes = fig.subplots(1, max(1, len(metrics)), squeeze=False)[0]
    for ax, (metric, series) in zip(axes, metrics.items()):
        for split, values in series:
            ax.plot(range(1, len(values) + 1), values, label=split, marker="." if len(values) < 30 else None)
        ax.set_xlabel("epoch")
        ax.set_ylabel({"acc": "accuracy"}.get(metric, metric))
        ax.grid(alpha=0.3)
        ax.legend()
    if title:
        fig.suptitle(title)
    fig.tight_layout()
    fig.savefig(path)
    return path
