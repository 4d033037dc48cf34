"""datasets.shapes_segmentation: shapes, dtypes, determinism by seed, masks that match the images."""
import numpy as np
import pytest

import deepgrad as dg
from deepgrad.datasets.shapes import CLASSES


def arrays(ds):
    x, y = ds.tensors
    return x.numpy(), y.numpy()


def test_shapes_dtypes_and_classes():
    x, y = arrays(dg.datasets.shapes_segmentation(40, 24, seed=3))
    assert x.shape == (40, 3, 24, 24) and x.dtype == np.float32
    assert y.shape == (40, 24, 24) and y.dtype == np.int64
    assert 0.0 <= x.min() and x.max() <= 1.0
    assert set(np.unique(y)) == set(range(len(CLASSES)))  # every class appears in 40 images
    assert (y != 0).reshape(40, -1).any(1).all()  # every image has at least one shape
    assert 0.5 < (y == 0).mean() < 0.97  # mostly background, but not only


def test_deterministic_by_seed():
    a, b, c = (arrays(dg.datasets.shapes_segmentation(6, 16, seed=s)) for s in (7, 7, 8))
    np.testing.assert_array_equal(a[0], b[0])
    np.testing.assert_array_equal(a[1], b[1])
    assert not np.array_equal(a[1], c[1])
    # the first images do not depend on how many are drawn
    np.testing.assert_array_equal(arrays(dg.datasets.shapes_segmentation(2, 16, seed=7))[1], a[1][:2])


def test_masks_match_the_pixels():
    x, y = arrays(dg.datasets.shapes_segmentation(10, 32, seed=1, noise=0.0))
    for image, mask in zip(x, y):
        for k in np.unique(mask)[1:]:
            # without noise, each shape is flat-coloured and far (>= 0.3 per channel) from the background around it
            inside = image[:, mask == k]
            background = image[:, mask == 0]
            gap = np.abs(inside.mean(1) - background.mean(1))
            assert (gap > 0.2).all()


def test_errors():
    with pytest.raises(ValueError, match="size must be at least 8"):
        dg.datasets.shapes_segmentation(2, 4)
    with pytest.raises(ValueError, match="n must be >= 0"):
        dg.datasets.shapes_segmentation(-1)
