"""Learning curves and image plots (confusion matrix, filters, feature maps, segmentations) as PNG files
(matplotlib, the 'plot' extra; skipped with a note when it is missing)."""
import numpy as np


def _figure(figsize=(10, 4)):
    """A matplotlib Figure on the Agg canvas (no pyplot, so no global backend is changed), or None."""
    try:
        from matplotlib.backends.backend_agg import FigureCanvasAgg
        from matplotlib.figure import Figure
    except ImportError:
        return None
    fig = Figure(figsize=figsize, dpi=100)
    FigureCanvasAgg(fig)
    return fig


def save_learning_curves(history, path, title=None, log=print):
    """Plot each '<split>_<metric>' series of `history` (train_loss, val_loss, train_acc, ...) against the epoch,
    one panel per metric, into a PNG at `path`. Returns the path, or None when matplotlib is missing."""
    fig = _figure()
    if fig is None:
        return _missing(path, log)
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


# ---- computer vision ----


def _missing(path, log):
    log(f'note: matplotlib is not installed, so {path} was not written (pip install "deepgrad[plot]")')


def _array(x):
    return x.detach().numpy() if hasattr(x, "detach") else np.asarray(x)


def confusion_matrix(y_true, y_pred, num_classes):
    """(num_classes, num_classes) int64 counts: entry [i, j] counts samples (or pixels) of class i predicted j."""
    y_true, y_pred = _array(y_true).ravel().astype(np.int64), _array(y_pred).ravel().astype(np.int64)
    return np.bincount(y_true * num_classes + y_pred, minlength=num_classes**2).reshape(num_classes, num_classes)


def save_confusion_matrix(matrix, path, class_names=None, title=None, log=print):
    """A heat map of a confusion matrix (rows: true class, columns: predicted) with the counts written in."""
    matrix = np.asarray(matrix)
    k = len(matrix)
    fig = _figure((1.5 + 0.55 * k, 1.2 + 0.5 * k))
    if fig is None:
        return _missing(path, log)
    ax = fig.subplots()
    ax.imshow(matrix, cmap="Blues")
    names = [str(c) for c in (class_names if class_names is not None else range(k))]
    ax.set_xticks(range(k), names, rotation=45 if max(map(len, names)) > 2 else 0)
    ax.set_yticks(range(k), names)
    ax.set_xlabel("predicted")
    ax.set_ylabel("true")
    for i in range(k):
        for j in range(k):
            if matrix[i, j]:
                ax.text(j, i, str(matrix[i, j]), ha="center", va="center", fontsize=8,
                        color="white" if matrix[i, j] > matrix.max() / 2 else "black")
    ax.set_title(title or "confusion matrix")
    fig.tight_layout()
    fig.savefig(path)
    return path


def _mosaic(tiles, columns, gap=1):
    """Tiles (K, h, w[, 3]) laid out in rows of `columns` with `gap` NaN (blank) pixels between them: one image,
    so a grid of many maps costs one matplotlib axes instead of K."""
    tiles = np.asarray(tiles, dtype=np.float64)
    k, h, w = tiles.shape[:3]
    rows = -(-k // columns)
    out = np.full((rows * (h + gap) - gap, columns * (w + gap) - gap) + tiles.shape[3:], np.nan)
    for i, tile in enumerate(tiles):
        r, c = divmod(i, columns)
        out[r * (h + gap):r * (h + gap) + h, c * (w + gap):c * (w + gap) + w] = tile
    return out


def save_filters(weight, path, title=None, log=print):
    """The kernels of a convolution weight (out, in, kH, kW), in rows of 8: each the mean over its input channels
    on a shared diverging colour scale (red positive, blue negative), or RGB when there are 3 input channels."""
    w = _array(weight)
    columns = min(8, len(w))
    rows = -(-len(w) // columns)
    fig = _figure((1.0 + 0.9 * columns, 0.9 + 0.9 * rows))
    if fig is None:
        return _missing(path, log)
    ax = fig.subplots()
    ax.set_axis_off()
    limit = np.abs(w).max() or 1.0
    if w.shape[1] == 3:
        tiles = np.clip(w.transpose(0, 2, 3, 1) / (2 * limit) + 0.5, 0, 1)
        ax.imshow(np.nan_to_num(_mosaic(tiles, columns), nan=1.0))
    else:
        image = ax.imshow(_mosaic(w.mean(1), columns), cmap="RdBu_r", vmin=-limit, vmax=limit)
        fig.colorbar(image, ax=ax, shrink=0.8)
    ax.set_title(title or f"filters {tuple(w.shape)}")
    fig.savefig(path)
    return path


def save_feature_maps(image, feature_maps, path, names=None, max_maps=12, title=None, log=print):
    """One input image (C, H, W) and, per layer, its first max_maps feature maps (each (K, H', W'), each map scaled
    to its own range), one row per layer."""
    image = _array(image)
    maps = [_array(m)[:max_maps] for m in feature_maps]
    fig = _figure((1.6 + 1.1 * max(len(m) for m in maps), 0.6 + 1.4 * len(maps)))
    if fig is None:
        return _missing(path, log)
    axes = fig.subplots(len(maps), 2, squeeze=False, width_ratios=[1, max(len(m) for m in maps)])
    for row, m in enumerate(maps):
        for ax in axes[row]:
            ax.set_axis_off()
        low = m.min(axis=(1, 2), keepdims=True)
        span = np.maximum(m.max(axis=(1, 2), keepdims=True) - low, 1e-12)
        axes[row, 1].imshow(_mosaic((m - low) / span, len(m)), cmap="viridis")
        axes[row, 1].set_title(names[row] if names else f"layer {row + 1}", fontsize=9, loc="left")
    _show_image(axes[0, 0], image)
    axes[0, 0].set_title("input", fontsize=9)
    fig.suptitle(title or "feature maps")
    fig.savefig(path)
    return path


def _show_image(ax, image):
    """(C, H, W) array: grey for one channel, RGB for three."""
    if image.shape[0] == 3:
        ax.imshow(np.clip(image.transpose(1, 2, 0), 0, 1))
    else:
        ax.imshow(image[0], cmap="gray")


def save_segmentation_examples(images, true_masks, pred_masks, path, class_names=None, title=None, log=print):
    """A row per example: input image (C, H, W), true mask and predicted mask (H, W class indices)."""
    images, true_masks, pred_masks = _array(images), _array(true_masks), _array(pred_masks)
    n = len(images)
    k = len(class_names) if class_names is not None else int(max(true_masks.max(), pred_masks.max())) + 1
    fig = _figure((7.5, 2.3 * n + 0.6))
    if fig is None:
        return _missing(path, log)
    axes = fig.subplots(n, 3, squeeze=False)
    for i in range(n):
        _show_image(axes[i, 0], images[i])
        for j, mask in ((1, true_masks[i]), (2, pred_masks[i])):
            axes[i, j].imshow(mask, cmap="tab10", vmin=0, vmax=9, interpolation="nearest")
        for j, name in enumerate(("input", "true mask", "predicted mask")):
            axes[i, j].set_axis_off()
            if i == 0:
                axes[i, j].set_title(name, fontsize=9)
    if class_names is not None:
        from matplotlib.patches import Patch
        from matplotlib import colormaps

        colours = colormaps["tab10"]
        fig.legend(handles=[Patch(color=colours(c), label=class_names[c]) for c in range(k)], loc="lower center",
                   ncol=k, fontsize=8)
    fig.suptitle(title or "segmentation")
    fig.savefig(path)
    return path
