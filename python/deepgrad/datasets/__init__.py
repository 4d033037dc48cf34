"""Data sets: scikit-learn's 8x8 digits, MNIST IDX files, ABC songs, the adding problem, generated shapes for segmentation."""
from .abc import CharVocab, parse_abc, read_abc
from .adding import adding_problem
from .digits import digits
from .idx import mnist, read_idx, write_idx
from .shapes import shapes_segmentation

__all__ = ["CharVocab", "adding_problem", "parse_abc", "read_abc", "digits", "mnist", "read_idx", "write_idx", "shapes_segmentation"]
