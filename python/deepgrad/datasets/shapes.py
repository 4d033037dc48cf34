"""A generated segmentation data set: circles, squares and triangles on noisy backgrounds, with per-pixel masks."""
import numpy as np

from .. import dtypes
from ..data import TensorDataset
from ..tensor import Tensor

CLASSES = ("background", "circle", "square", "triangle")


def _shape_mask(kind, yy, xx, cy, cx, r):
    """Boolean mask of one shape of radius r centred at (cy, cx); kind 1 circle, 2 square, 3 triangle."""
    dy, dx = yy - cy, xx - cx
    if kind == 1:
        return dy * dy + dx * dx <= r * r
    if kind == 2:
        half = 0.8 * r
        return (np.abs(dy) <= half) & (np.abs(dx) <= half)
    # triangle pointing up: apex (cy - r, cx), base at cy + 0.7 r from cx - r to cx + r
    base = 0.7 * r
    inside_base = dy <= base
    # the two slanted sides: |dx| grows linearly from 0 at the apex to r at the base
    return inside_base & (np.abs(dx) <= (dy + r) * (r / (r + base)))


def _image(rng, size, max_shapes, noise):
    yy, xx = np.mgrid[0:size, 0:size].astype(np.float64)
    # background: a random colour with a gentle linear gradient
    base = rng.uniform(0.2, 0.8, 3)
    slope = rng.uniform(-0.15, 0.15, (2, 3)) / size
    image = base[:, None, None] + slope[0][:, None, None] * (yy - size / 2) + slope[1][:, None, None] * (xx - size / 2)
    mask = np.zeros((size, size), dtype=np.int64)
    taken = np.zeros((size, size), dtype=bool)  # shapes and a 1-pixel margin around them: shapes do not touch
    for _ in range(rng.integers(1, max_shapes + 1)):
        kind = int(rng.integers(1, len(CLASSES)))
        for _attempt in range(10):
            r = rng.uniform(size / 8, size / 4)
            cy, cx = rng.uniform(r, size - r, 2)
            region = _shape_mask(kind, yy, xx, cy, cx, r)
            if not (region & taken).any():
                break
        else:
            continue
        taken |= _shape_mask(kind, yy, xx, cy, cx, r + 1.5)
        # a colour that stands out from the background: move each channel by 0.3..0.6 away from it
        shift = rng.uniform(0.3, 0.6, 3) * np.where(base > 0.5, -1.0, 1.0)
        image[:, region] = (base + shift)[:, None]
        mask[region] = kind
    image += rng.normal(0.0, noise, image.shape)
    return np.clip(image, 0.0, 1.0), mask


def shapes_segmentation(n, size=32, seed=0, max_shapes=3, noise=0.08, dtype=dtypes.float32):
    """n RGB images (n, 3, size, size) in [0, 1] and their masks (n, size, size) of int64 classes
    (0 background, 1 circle, 2 square, 3 triangle; see CLASSES), as a TensorDataset.

    Each image has 1..max_shapes shapes that do not overlap (fewer when there is no room), in colours that contrast
    with a gradient background, plus Gaussian pixel noise of standard deviation `noise`. The same seed gives the same
    data.
    """
    if n < 0:
        raise ValueError(f"shapes_segmentation: n must be >= 0, got {n}")
    if size < 8:
        raise ValueError(f"shapes_segmentation: size must be at least 8 pixels, got {size}")
    if max_shapes < 1:
        raise ValueError(f"shapes_segmentation: max_shapes must be >= 1, got {max_shapes}")
    rng = np.random.default_rng(seed)
    images = np.empty((n, 3, size, size), dtype=dtype)
    masks = np.empty((n, size, size), dtype=np.int64)
    for i in range(n):
        images[i], masks[i] = _image(rng, size, max_shapes, noise)
    return TensorDataset(Tensor._wrap(images), Tensor._wrap(masks))
