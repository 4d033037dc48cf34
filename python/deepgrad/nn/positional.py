"""Positional encodings: attention ignores order, so position information is added to the inputs."""
import math

import numpy as np

from ..tensor import Tensor
from .dropout import Dropout
from .module import Module


def sinusoidal_table(max_len, d_model, dtype=np.float32):
    """pe (max_len, d_model): pe[p, 2i] = sin(p / 10000^(2i/d)), pe[p, 2i+1] = cos(p / 10000^(2i/d))."""
    position = np.arange(max_len, dtype=np.float64)[:, None]
    div_term = np.exp(np.arange(0, d_model, 2, dtype=np.float64) * (-math.log(10000.0) / d_model))
    pe = np.zeros((max_len, d_model))
    pe[:, 0::2] = np.sin(position * div_term)
    pe[:, 1::2] = np.cos(position * div_term[: d_model // 2])
    return pe.astype(dtype)


class PositionalEncoding(Module):
    """x + pe[:seq_len] then dropout, with the fixed sinusoidal table of "Attention Is All You Need".

    As the PyTorch tutorial's module: x is (seq_len, batch, d_model), or (batch, seq_len, d_model) with
    batch_first=True; the table is the buffer `pe` of shape (max_len, 1, d_model).
    """

    def __init__(self, d_model, dropout=0.1, max_len=5000, batch_first=False):
        super().__init__()
        self.d_model, self.max_len, self.batch_first = d_model, max_len, batch_first
        self.dropout = Dropout(p=dropout)
        self.register_buffer("pe", Tensor._wrap(sinusoidal_table(max_len, d_model)[:, None, :]))

    def forward(self, x):
        seq_dim = 1 if self.batch_first else 0
        n = x.shape[seq_dim]
        if n > self.max_len:
            raise RuntimeError(f"PositionalEncoding: sequence of length {n} is longer than max_len={self.max_len}")
        pe = self.pe[:n]  # (n, 1, d)
        if self.batch_first:
            pe = pe.transpose(0, 1)
        return self.dropout(x + pe.to(x.dtype))

    def extra_repr(self):
        return f"d_model={self.d_model}, max_len={self.max_len}, batch_first={self.batch_first}"


SinusoidalPositionalEncoding = PositionalEncoding
