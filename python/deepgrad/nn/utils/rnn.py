"""Variable-length batches as in torch.nn.utils.rnn: PackedSequence, pack_padded_sequence, pad_packed_sequence,
pad_sequence, pack_sequence.

A PackedSequence holds PyTorch's layout (`data` with the steps of all sequences interleaved time-major,
longest first, and `batch_sizes`), so code written for PyTorch works unchanged. The recurrent layers take it,
run on the padded batch with per-sequence lengths (each sequence stops at its own length) and pack the output.
All conversions are index operations, so gradients flow through them.
"""
from collections import namedtuple

import numpy as np

from ...ops import shape as sh
from ...tensor import Tensor, full


class PackedSequence(namedtuple("PackedSequence", ["data", "batch_sizes", "sorted_indices", "unsorted_indices"])):
    """data (sum of lengths, *), batch_sizes (max length,) int64: how many sequences are still running at each
    step; sorted_indices / unsorted_indices: the permutation to longest-first order and back (None if the batch
    was already sorted)."""

    def __new__(cls, data, batch_sizes=None, sorted_indices=None, unsorted_indices=None):
        if unsorted_indices is None and sorted_indices is not None:
            unsorted_indices = Tensor._wrap(np.argsort(_ints(sorted_indices)))
        return super().__new__(cls, data, batch_sizes, sorted_indices, unsorted_indices)

    @property
    def is_cuda(self):
        return False

    def is_pinned(self):
        return False


def _ints(values):
    if isinstance(values, Tensor):
        values = values._data
    elif hasattr(values, "numpy") and hasattr(values, "detach"):
        values = values.detach().cpu().numpy()
    return np.asarray(values, dtype=np.int64).reshape(-1)


def _time_major_index(lengths, order):
    """For each step t and each sequence order[j] still running at t: its position (t, order[j]) in a padded
    time-major batch, in PackedSequence order; plus batch_sizes."""
    steps = int(lengths.max()) if lengths.size else 0
    batch_sizes = np.array([(lengths > t).sum() for t in range(steps)], dtype=np.int64)
    t_idx = np.concatenate([np.full(n, t) for t, n in enumerate(batch_sizes)]) if steps else np.zeros(0, int)
    b_idx = np.concatenate([order[:n] for n in batch_sizes]) if steps else np.zeros(0, int)
    return t_idx, b_idx, batch_sizes


def _pack(padded, lengths, sorted_indices):
    """padded (T, B, *) time-major -> PackedSequence with the given longest-first order (None: as is)."""
    order = np.arange(len(lengths)) if sorted_indices is None else _ints(sorted_indices)
    t_idx, b_idx, batch_sizes = _time_major_index(lengths, order)
    data = padded[t_idx, b_idx]
    return PackedSequence(data, Tensor._wrap(batch_sizes), sorted_indices)


def pack_padded_sequence(input, lengths, batch_first=False, enforce_sorted=True):
    """Pack a padded batch (T, B, *) (or (B, T, *) with batch_first) whose sequence b has lengths[b] steps."""
    lengths = _ints(lengths)
    batch = input.shape[0] if batch_first else input.shape[1]
    if lengths.shape != (batch,):
        raise ValueError(f"pack_padded_sequence: expected {batch} lengths, got {lengths.shape[0]}")
    if lengths.size and lengths.min() <= 0:
        raise RuntimeError("Length of all samples has to be greater than 0, but found an element in 'lengths' that is <= 0")
    steps = input.shape[1] if batch_first else input.shape[0]
    if lengths.size and lengths.max() > steps:
        raise RuntimeError(f"pack_padded_sequence: a length ({lengths.max()}) exceeds the padded length {steps}")
    if enforce_sorted:
        if np.any(np.diff(lengths) > 0):
            raise RuntimeError("`lengths` array must be sorted in decreasing order when `enforce_sorted` is True. "
                               "You can pass `enforce_sorted=False` to pack_padded_sequence and/or pack_sequence to "
                               "sidestep this requirement if you do not need ONNX exportability.")
        sorted_indices = None
    else:
        sorted_indices = Tensor._wrap(np.argsort(-lengths, kind="stable").astype(np.int64))
    if batch_first:
        input = input.transpose(0, 1)
    return _pack(input, lengths, sorted_indices)


def _gather_padded(rows, index, padding_value):
    """rows (N, *) -> rows[index] with index (T, B); entries -1 become padding_value."""
    pad = full((1,) + tuple(rows.shape[1:]), padding_value, dtype=rows.dtype)
    table = sh.cat([rows, pad], 0)
    return table[np.where(index < 0, rows.shape[0], index)]


def pad_packed_sequence(sequence, batch_first=False, padding_value=0.0, total_length=None):
    """The inverse of pack_padded_sequence: (padded (T, B, *), lengths (B,) int64), in the original batch order."""
    batch_sizes = _ints(sequence.batch_sizes)
    steps = len(batch_sizes)
    if total_length is not None:
        if total_length < steps:
            raise ValueError(f"Expected total_length to be at least the length of the longest sequence ({steps}), "
                             f"but got total_length={total_length}")
        steps = total_length
    batch = int(batch_sizes[0]) if len(batch_sizes) else 0
    index = np.full((steps, batch), -1, dtype=np.int64)
    offset = 0
    for t, n in enumerate(batch_sizes):
        index[t, :n] = np.arange(offset, offset + n)
        offset += n
    lengths = (index >= 0).sum(0)
    if sequence.unsorted_indices is not None:
        unsorted = _ints(sequence.unsorted_indices)
        index, lengths = index[:, unsorted], lengths[unsorted]
    padded = _gather_padded(sequence.data, index, padding_value)
    if batch_first:
        padded = padded.transpose(0, 1)
    return padded, Tensor._wrap(lengths.astype(np.int64))


def pad_sequence(sequences, batch_first=False, padding_value=0.0, padding_side="right"):
    """A list of (L_i, *) tensors -> (max L, B, *) (or (B, max L, *) with batch_first), padded with padding_value."""
    if not sequences:
        raise RuntimeError("pad_sequence: received an empty list of sequences")
    if padding_side not in ("left", "right"):
        raise ValueError(f"Expected padding_side to be one of left or right, but got {padding_side}.")
    trailing = tuple(sequences[0].shape[1:])
    for i, s in enumerate(sequences):
        if tuple(s.shape[1:]) != trailing:
            raise RuntimeError(f"pad_sequence: sequence {i} has shape {tuple(s.shape)}; every sequence must have "
                               f"trailing shape {trailing}")
    lengths = np.array([s.shape[0] for s in sequences], dtype=np.int64)
    steps = int(lengths.max())
    offsets = np.concatenate([[0], np.cumsum(lengths)[:-1]])
    t = np.arange(steps)[:, None]
    start = 0 if padding_side == "right" else steps - lengths[None, :]
    pos = t - start
    index = np.where((pos >= 0) & (pos < lengths[None, :]), offsets[None, :] + pos, -1)
    padded = _gather_padded(sh.cat(list(sequences), 0), index, padding_value)
    return padded.transpose(0, 1) if batch_first else padded


def pack_sequence(sequences, enforce_sorted=True):
    """pack_padded_sequence(pad_sequence(sequences), lengths, enforce_sorted=enforce_sorted)."""
    lengths = [s.shape[0] for s in sequences]
    return pack_padded_sequence(pad_sequence(sequences), lengths, enforce_sorted=enforce_sorted)
