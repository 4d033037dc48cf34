"""default_collate / default_convert: turn a list of samples into a batch, as torch.utils.data does."""
import collections.abc
import numbers

import numpy as np

from .. import dtypes
from ..ops.shape import stack
from ..tensor import Tensor


def _stack_tensors(batch):
    if any(t.requires_grad for t in batch):
        return stack(batch)
    try:
        return Tensor._wrap(np.stack([t._data for t in batch]))
    except ValueError:
        shapes = sorted({tuple(t.shape) for t in batch})
        raise RuntimeError(f"default_collate: stack expects each tensor to be equal size, got shapes {shapes}") from None


def default_collate(batch):
    """Stack a list of samples into a batch, recursing into tuples, lists, namedtuples and dicts.

    Tensors and NumPy arrays are stacked along a new first dimension; Python ints become an int64 tensor, Python
    floats a float64 tensor, bools a bool tensor (as PyTorch); strings stay a list. A tuple of fields comes back as
    a list of batched fields, as in PyTorch.
    """
    elem = batch[0]
    if isinstance(elem, Tensor):
        return _stack_tensors(batch)
    if isinstance(elem, np.ndarray):
        if elem.dtype.kind in "OSUV":
            raise TypeError(f"default_collate: batch must contain tensors, numbers, dicts or lists; found {elem.dtype}")
        return _stack_tensors([Tensor._wrap(np.asarray(b)) for b in batch])
    if isinstance(elem, np.generic) and not isinstance(elem, (np.str_, np.bytes_)):
        return Tensor._wrap(np.array(batch))
    if isinstance(elem, bool):
        return Tensor._wrap(np.array(batch, dtype=dtypes.bool))
    if isinstance(elem, numbers.Integral):
        return Tensor._wrap(np.array(batch, dtype=dtypes.int64))
    if isinstance(elem, numbers.Real):
        return Tensor._wrap(np.array(batch, dtype=dtypes.float64))
    if isinstance(elem, (str, bytes)):
        return batch
    if isinstance(elem, collections.abc.Mapping):
        return _same_type(elem, {key: default_collate([d[key] for d in batch]) for key in elem})
    if isinstance(elem, tuple) and hasattr(elem, "_fields"):
        return type(elem)(*(default_collate(list(s)) for s in zip(*batch)))
    if isinstance(elem, collections.abc.Sequence):
        if any(len(s) != len(elem) for s in batch):
            raise RuntimeError("default_collate: each element in list of batch should be of equal size")
        fields = [default_collate(list(s)) for s in zip(*batch)]
        return fields if isinstance(elem, tuple) else _same_type(elem, fields)
    raise TypeError(
        f"default_collate: batch must contain tensors, NumPy arrays, numbers, dicts or lists; found {type(elem).__name__}"
    )


def _same_type(elem, fields):
    try:
        return type(elem)(fields)
    except TypeError:
        return fields


def default_convert(data):
    """What a loader with batch_size=None yields: NumPy arrays become Tensors, containers are converted inside."""
    if isinstance(data, np.ndarray) and data.dtype.kind not in "OSUV":
        return Tensor._wrap(data)
    if isinstance(data, collections.abc.Mapping):
        return {k: default_convert(v) for k, v in data.items()}
    if isinstance(data, tuple) and hasattr(data, "_fields"):
        return type(data)(*(default_convert(d) for d in data))
    if isinstance(data, (tuple, list)):
        return [default_convert(d) for d in data]
    return data
