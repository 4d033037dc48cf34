"""Data sets: scikit-learn's 8x8 digits, MNIST IDX files."""
from .digits import digits
from .idx import mnist, read_idx, write_idx

__all__ = ["digits", "mnist", "read_idx", "write_idx"]
