"""The IDX format of the MNIST files: read_idx / write_idx, and mnist(root) for the four standard files."""
import gzip
import os
import struct

import numpy as np

from .. import dtypes
from ..data import TensorDataset
from ..tensor import Tensor

# IDX type code -> big-endian NumPy dtype
IDX_DTYPES = {0x08: ">u1", 0x09: ">i1", 0x0B: ">i2", 0x0C: ">i4", 0x0D: ">f4", 0x0E: ">f8"}
_CODES = {np.dtype(v).newbyteorder("="): k for k, v in IDX_DTYPES.items()}
_GZIP_MAGIC = b"\x1f\x8b"


def _read_bytes(path):
    with open(path, "rb") as f:
        raw = f.read()
    if str(path).endswith(".gz") or raw[:2] == _GZIP_MAGIC:
        try:
            raw = gzip.decompress(raw)
        except (OSError, EOFError) as e:
            raise ValueError(f"read_idx: {os.fspath(path)} is not a valid gzip file: {e}") from None
    return raw


def read_idx(path):
    """Parse an IDX file (gzip-compressed when it ends with .gz or starts with the gzip magic) into a NumPy array.

    Layout: two zero bytes, a type code (0x08 uint8, 0x09 int8, 0x0B int16, 0x0C int32, 0x0D float32, 0x0E float64),
    the number of dimensions, each dimension as a big-endian uint32, then the data in row-major big-endian order.
    """
    name = os.fspath(path)
    raw = _read_bytes(path)
    if len(raw) < 4:
        raise ValueError(f"read_idx: {name} is too short to hold an IDX header ({len(raw)} bytes)")
    zero, code, ndim = struct.unpack(">HBB", raw[:4])
    if zero != 0 or code not in IDX_DTYPES:
        raise ValueError(
            f"read_idx: {name} has a bad magic number 0x{raw[:4].hex()} (expected 0x0000 then a type code in "
            f"{', '.join(hex(c) for c in IDX_DTYPES)} and the number of dimensions)"
        )
    header = 4 + 4 * ndim
    if len(raw) < header:
        raise ValueError(f"read_idx: {name} is truncated: the header announces {ndim} dimensions but the file ends early")
    shape = struct.unpack(f">{ndim}I", raw[4:header])
    dtype = np.dtype(IDX_DTYPES[code])
    expected = int(np.prod(shape, dtype=np.int64)) * dtype.itemsize
    got = len(raw) - header
    if got != expected:
        what = "truncated" if got < expected else "longer than its header says"
        raise ValueError(
            f"read_idx: {name} is {what}: shape {shape} of {dtype.newbyteorder('=')} needs {expected} data bytes, "
            f"found {got}"
        )
    return np.frombuffer(raw, dtype=dtype, offset=header).reshape(shape).astype(dtype.newbyteorder("="))


def write_idx(array, path):
    """Write a NumPy array as an IDX file (gzip-compressed when `path` ends with .gz)."""
    array = np.asarray(array)
    code = _CODES.get(array.dtype)
    if code is None:
        raise ValueError(f"write_idx: dtype {array.dtype} has no IDX type code (use one of {sorted(map(str, _CODES))})")
    raw = struct.pack(f">HBB{array.ndim}I", 0, code, array.ndim, *array.shape)
    raw += array.astype(IDX_DTYPES[code]).tobytes()
    opener = gzip.open if os.fspath(path).endswith(".gz") else open
    with opener(path, "wb") as f:
        f.write(raw)


_MNIST_FILES = {
    "train": ("train-images-idx3-ubyte", "train-labels-idx1-ubyte"),
    "test": ("t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"),
}


def _find(root, stem):
    candidates = [stem, stem + ".gz", stem.replace("-idx", ".idx"), stem.replace("-idx", ".idx") + ".gz"]
    for c in candidates:
        p = os.path.join(root, c)
        if os.path.exists(p):
            return p
    raise FileNotFoundError(f"mnist: none of {', '.join(candidates)} found in {os.fspath(root)}")


def mnist(root, split=None, flat=False, dtype=dtypes.float32):
    """MNIST from the four standard IDX files in `root` (train-images-idx3-ubyte[.gz], train-labels-idx1-ubyte[.gz],
    t10k-images-idx3-ubyte[.gz], t10k-labels-idx1-ubyte[.gz]).

    Returns (train, test) TensorDatasets, or the one named by split='train'|'test': images scaled to [0, 1] with shape
    (N, 1, 28, 28) (or (N, 784) when flat), labels int64.
    """
    if split not in (None, "train", "test"):
        raise ValueError(f"mnist: split must be None, 'train' or 'test', got {split!r}")
    out = {}
    for name in ([split] if split else ["train", "test"]):
        img_path, lab_path = (_find(root, stem) for stem in _MNIST_FILES[name])
        images, labels = read_idx(img_path), read_idx(lab_path)
        if images.ndim != 3 or labels.ndim != 1 or len(images) != len(labels):
            raise ValueError(
                f"mnist: {img_path} (shape {images.shape}) and {lab_path} (shape {labels.shape}) do not hold "
                "N images of H x W and N labels"
            )
        x = images.astype(dtype) / np.asarray(255, dtype)
        x = x.reshape(len(x), -1) if flat else x[:, None]
        out[name] = TensorDataset(Tensor._wrap(x), Tensor._wrap(labels.astype(np.int64)))
    return out[split] if split else (out["train"], out["test"])
