"""deepgrad.datasets: IDX files (MNIST format) and scikit-learn's 8x8 digits."""
import gzip
import struct

import numpy as np
import pytest

import deepgrad as dg
from deepgrad.datasets import digits, mnist, read_idx, write_idx
from deepgrad.datasets.digits import stratified_split

CODES = {np.uint8: (0x08, ">u1"), np.int8: (0x09, ">i1"), np.int16: (0x0B, ">i2"), np.int32: (0x0C, ">i4"),
         np.float32: (0x0D, ">f4"), np.float64: (0x0E, ">f8")}


def idx_bytes(array):
    """An IDX file written by hand from the format description, independent of write_idx."""
    code, be = CODES[array.dtype.type]
    header = bytes([0, 0, code, array.ndim]) + b"".join(struct.pack(">I", n) for n in array.shape)
    return header + array.astype(be).tobytes()


def write(path, raw, compress=False):
    path.write_bytes(gzip.compress(raw) if compress else raw)
    return path


@pytest.mark.parametrize("compress", [False, True])
@pytest.mark.parametrize("dtype", [np.uint8, np.int8, np.int16, np.int32, np.float32, np.float64])
def test_read_idx_types(tmp_path, dtype, compress):
    rng = np.random.default_rng(0)
    array = (rng.normal(size=(4, 3, 2)) * 50).astype(dtype)
    path = write(tmp_path / ("x.idx" + (".gz" if compress else "")), idx_bytes(array), compress)
    out = read_idx(path)
    assert out.dtype == dtype and out.shape == array.shape
    np.testing.assert_array_equal(out, array)


def test_read_idx_images_and_labels_gzip_without_suffix(tmp_path):
    images = np.arange(2 * 28 * 28, dtype=np.uint8).reshape(2, 28, 28)
    labels = np.array([7, 3], dtype=np.uint8)
    np.testing.assert_array_equal(read_idx(write(tmp_path / "images", idx_bytes(images), compress=True)), images)
    out = read_idx(write(tmp_path / "labels", idx_bytes(labels)))
    assert out.ndim == 1 and out.tolist() == [7, 3]


def test_write_idx_round_trip(tmp_path):
    array = np.linspace(-1, 1, 12).reshape(3, 4)
    write_idx(array, tmp_path / "a.idx.gz")
    assert (tmp_path / "a.idx.gz").read_bytes()[:2] == b"\x1f\x8b"
    assert gzip.decompress((tmp_path / "a.idx.gz").read_bytes()) == idx_bytes(array)
    np.testing.assert_array_equal(read_idx(tmp_path / "a.idx.gz"), array)


def test_read_idx_bad_files(tmp_path):
    good = idx_bytes(np.zeros((3, 4), np.uint8))
    bad_magic = write(tmp_path / "bad-magic.idx", b"\x01\x02" + good[2:])
    with pytest.raises(ValueError, match="bad-magic.idx.*magic"):
        read_idx(bad_magic)
    bad_code = write(tmp_path / "bad-code.idx", good[:2] + b"\x07" + good[3:])
    with pytest.raises(ValueError, match="bad-code.idx.*magic"):
        read_idx(bad_code)
    truncated = write(tmp_path / "short.idx", good[:-3])
    with pytest.raises(ValueError, match="short.idx.*truncated"):
        read_idx(truncated)
    header_cut = write(tmp_path / "cut.idx", good[:6])
    with pytest.raises(ValueError, match="cut.idx.*truncated"):
        read_idx(header_cut)
    longer = write(tmp_path / "long.idx", good + b"\x00")
    with pytest.raises(ValueError, match="long.idx"):
        read_idx(longer)
    broken_gz = write(tmp_path / "broken.idx.gz", gzip.compress(good)[:-6])
    with pytest.raises(ValueError, match="broken.idx.gz"):
        read_idx(broken_gz)


def test_mnist_from_tiny_files(tmp_path):
    rng = np.random.default_rng(1)
    files = {}
    for name, n in (("train", 5), ("t10k", 3)):
        files[name] = (rng.integers(0, 256, (n, 28, 28)).astype(np.uint8), rng.integers(0, 10, n).astype(np.uint8))
        write(tmp_path / f"{name}-images-idx3-ubyte.gz", idx_bytes(files[name][0]), compress=True)
        write(tmp_path / f"{name}-labels-idx1-ubyte", idx_bytes(files[name][1]))
    train, test = mnist(tmp_path)
    assert len(train) == 5 and len(test) == 3
    x, y = test.tensors
    assert tuple(x.shape) == (3, 1, 28, 28) and x.dtype == dg.float32 and y.dtype == dg.int64
    np.testing.assert_allclose(x.numpy()[:, 0], files["t10k"][0] / 255.0, rtol=1e-6)
    np.testing.assert_array_equal(y.numpy(), files["t10k"][1])
    flat = mnist(tmp_path, split="train", flat=True)
    assert tuple(flat.tensors[0].shape) == (5, 784)
    (tmp_path / "t10k-labels-idx1-ubyte").unlink()
    with pytest.raises(FileNotFoundError, match="t10k-labels-idx1-ubyte"):
        mnist(tmp_path)


def test_digits_split_sizes_and_content():
    sklearn = pytest.importorskip("sklearn.datasets")
    ref = sklearn.load_digits()
    train, val, test = digits()
    n = len(ref.target)
    assert len(train) + len(val) + len(test) == n
    assert len(val) == round(0.15 * n) and len(test) == round(0.15 * n)
    x, y = train.tensors
    assert tuple(x.shape) == (len(train), 64) and x.dtype == dg.float32 and y.dtype == dg.int64
    assert 0.0 <= x.numpy().min() and x.numpy().max() == 1.0
    # every sample is one of scikit-learn's, scaled by 1/16, with its label
    all_x = np.concatenate([d.tensors[0].numpy() for d in (train, val, test)])
    all_y = np.concatenate([d.tensors[1].numpy() for d in (train, val, test)])
    order = np.lexsort(np.c_[all_x, all_y].T)
    ref_order = np.lexsort(np.c_[ref.data / 16, ref.target].T)
    np.testing.assert_allclose(all_x[order], ref.data[ref_order] / 16, rtol=1e-6)
    np.testing.assert_array_equal(all_y[order], ref.target[ref_order])
    for d in (val, test):  # stratified: every class is present in roughly its share
        counts = np.bincount(d.tensors[1].numpy(), minlength=10)
        assert counts.min() >= 0.8 * len(d) / 10


def test_digits_deterministic_and_disjoint():
    pytest.importorskip("sklearn")
    a, b = digits(seed=3), digits(seed=3)
    for da, db in zip(a, b):
        np.testing.assert_array_equal(da.tensors[0].numpy(), db.tensors[0].numpy())
    c = digits(seed=4)
    assert not np.array_equal(a[2].tensors[1].numpy(), c[2].tensors[1].numpy())
    # the three parts are disjoint and cover the data set (the content test above checks it sample by sample)
    labels = np.repeat(np.arange(3), [50, 30, 20])
    parts = stratified_split(labels, [0.6, 0.2, 0.2], seed=0)
    assert [len(p) for p in parts] == [60, 20, 20]
    np.testing.assert_array_equal(np.sort(np.concatenate(parts)), np.arange(100))
    np.testing.assert_array_equal(np.bincount(labels[parts[1]]), [10, 6, 4])


def test_digits_options():
    pytest.importorskip("sklearn")
    test = digits(split="test", test_fraction=0.2, flat=False, dtype=dg.float64)
    assert tuple(test.tensors[0].shape) == (round(0.2 * 1797), 1, 8, 8) and test.tensors[0].dtype == dg.float64
    with pytest.raises(ValueError, match="sum to less than 1"):
        digits(val_fraction=0.5, test_fraction=0.5)
    with pytest.raises(ValueError, match="split"):
        digits(split="validation")


def test_digits_without_scikit_learn(monkeypatch):
    import builtins

    real_import = builtins.__import__

    def no_sklearn(name, *args, **kwargs):
        if name.startswith("sklearn"):
            raise ImportError("No module named 'sklearn'")
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_sklearn)
    with pytest.raises(ImportError, match=r'pip install "deepgrad\[data\]"'):
        digits()
