"""Embedding lookup: rows of a weight table picked by integer indices."""
import numpy as np

from ..autograd.function import Function


class Embedding(Function):
    """out[...] = weight[indices[...]]: indices (*) int, weight (num_embeddings, dim) -> (*, dim). The gradient
    sums into the picked rows; the padding_idx row gets none."""

    def forward(self, weight, indices=None, padding_idx=None):
        self.shape, self.indices, self.padding_idx = weight.shape, indices, padding_idx
        return weight[indices]

    def backward(self, g):
        dw = np.zeros(self.shape, dtype=g.dtype)
        flat, rows = self.indices.reshape(-1), g.reshape(-1, self.shape[1])
        if flat.size:
            # rows grouped by index (a stable sort keeps their order), each group summed by one reduceat: ~6x
            # faster than np.add.at for a (32, 128) batch of token ids
            order = np.argsort(flat, kind="stable")
            picked = flat[order]
            starts = np.flatnonzero(np.concatenate(([True], picked[1:] != picked[:-1])))
            dw[picked[starts]] = np.add.reduceat(rows[order], starts, axis=0)
        if self.padding_idx is not None:
            dw[self.padding_idx] = 0
        return dw


def embedding(indices, weight, padding_idx=None):
    from ..tensor import Tensor

    idx = indices._data if isinstance(indices, Tensor) else np.asarray(indices)
    if idx.dtype.kind not in "iu":
        raise RuntimeError(f"embedding: expected integer indices, got dtype {idx.dtype} (shape {idx.shape})")
    if weight.ndim != 2:
        raise RuntimeError(f"embedding: weight must be 2-D (num_embeddings, embedding_dim), got shape "
                           f"{tuple(weight.shape)}")
    n = weight.shape[0]
    if idx.size and (idx.min() < 0 or idx.max() >= n):
        raise IndexError(f"embedding: index out of range in self: indices lie in [{idx.min()}, {idx.max()}] but the "
                         f"table has {n} rows (weight shape {tuple(weight.shape)})")
    return Embedding.apply(weight, indices=idx.astype(np.intp, copy=False), padding_idx=padding_idx)
