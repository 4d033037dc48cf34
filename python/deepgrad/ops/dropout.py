"""Inverted dropout in one C++ pass (mask and product together), as the op behind F.dropout."""
import numpy as np

from .. import _C, random
from ..autograd.function import Function, records_graph
from ..tensor import Tensor


class Dropout(Function):
    """y = x * mask with mask = 1/(1-p) where kept, else 0; the mask comes from a counter-based stream keyed by
    `seed` (see csrc/include/deepgrad/dropout.h), so one seed gives one mask."""

    numpy_may_warn = False  # the C++ kernel does the arithmetic

    def forward(self, x, p=0.5, seed=0):
        y, mask = _C.dropout(x, p, seed)
        self.save_for_backward(mask)
        return y

    def backward(self, g):
        (mask,) = self.saved_tensors
        return g * mask


def dropout(x, p, generator=None):
    """Dropout of a float32/float64 Tensor with 0 < p < 1; the seed is drawn from deepgrad's generator, so
    dg.manual_seed reproduces the masks."""
    seed = int(random.integers(0, np.iinfo(np.int64).max, (), generator))
    if not records_graph(x):  # the lean path: no graph node
        return Tensor._wrap(_C.dropout(x._data, p, seed)[0])
    return Dropout.apply(x, p=p, seed=seed)
