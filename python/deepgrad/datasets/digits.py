"""scikit-learn's bundled 8x8 digits (1797 images, 10 classes) split into train/val/test TensorDatasets."""
import numpy as np

from .. import dtypes
from ..data import TensorDataset
from ..tensor import Tensor


def load_sklearn_digits():
    """(images (1797, 8, 8) in 0..16, labels (1797,)) from scikit-learn, which is an optional extra."""
    try:
        from sklearn.datasets import load_digits
    except ImportError:
        raise ImportError(
            'the digits data set comes with scikit-learn, which is not installed: pip install "deepgrad[data]"'
        ) from None
    d = load_digits()
    return d.images, d.target


def stratified_split(labels, fractions, seed):
    """Index arrays of a split of range(len(labels)) into parts of the given fractions (the first part takes the
    rest), with each class spread evenly over the parts and the order fixed by `seed`."""
    labels = np.asarray(labels)
    n = len(labels)
    rng = np.random.default_rng(seed)
    perm = rng.permutation(n)
    # Rank each sample within its class (in shuffled order) as a fraction of the class size; ordering by that
    # fraction interleaves the classes, so any contiguous run of the order is close to stratified.
    rank = np.empty(n)
    for c in np.unique(labels):
        members = perm[labels[perm] == c]
        rank[members] = (np.arange(len(members)) + rng.uniform()) / len(members)
    order = perm[np.argsort(rank[perm], kind="stable")]
    sizes = [int(round(f * n)) for f in fractions[1:]]
    parts, start = [], 0
    for size in sizes:
        parts.append(np.sort(order[start:start + size]))
        start += size
    return [np.sort(order[start:])] + parts


def digits(split=None, val_fraction=0.15, test_fraction=0.15, seed=0, dtype=dtypes.float32, flat=True):
    """The 8x8 digits as (train, val, test) TensorDatasets, or the one named by split='train'|'val'|'test'.

    Pixels are scaled from 0..16 to [0, 1]; images have shape (N, 64) when flat, else (N, 1, 8, 8); labels are
    int64. The split is stratified by class and fixed by `seed`.
    """
    if split not in (None, "train", "val", "test"):
        raise ValueError(f"digits: split must be None, 'train', 'val' or 'test', got {split!r}")
    if val_fraction < 0 or test_fraction < 0 or val_fraction + test_fraction >= 1:
        raise ValueError(
            f"digits: val_fraction ({val_fraction}) and test_fraction ({test_fraction}) must be non-negative and sum to "
            "less than 1"
        )
    images, labels = load_sklearn_digits()
    x = (images / 16.0).astype(dtype)
    x = x.reshape(len(x), 64) if flat else x[:, None]
    y = labels.astype(np.int64)
    parts = stratified_split(y, [1 - val_fraction - test_fraction, val_fraction, test_fraction], seed)
    sets = {name: TensorDataset(Tensor._wrap(x[idx]), Tensor._wrap(y[idx]))
            for name, idx in zip(("train", "val", "test"), parts)}
    return sets[split] if split else (sets["train"], sets["val"], sets["test"])
