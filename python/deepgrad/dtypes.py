"""dtypes: NumPy dtypes under PyTorch's names, the default float dtype and PyTorch's promotion rule."""
import builtins

import numpy as np

float32 = float = np.dtype(np.float32)
float64 = double = np.dtype(np.float64)
float16 = half = np.dtype(np.float16)
int64 = long = np.dtype(np.int64)
int32 = int = np.dtype(np.int32)
int16 = short = np.dtype(np.int16)
int8 = np.dtype(np.int8)
uint8 = np.dtype(np.uint8)
bool = np.dtype(np.bool_)

_default = [float32]


def get_default_dtype():
    return _default[0]


def set_default_dtype(dtype):
    dtype = np.dtype(dtype)
    if dtype.kind != "f":
        raise TypeError(f"set_default_dtype: only floating-point dtypes are allowed, got {dtype}")
    _default[0] = dtype


def to_dtype(dtype):
    """Accept a deepgrad/NumPy dtype, a Python type or a name ('float32'); None stays None."""
    if dtype is None:
        return None
    if dtype is builtins.float:
        return get_default_dtype()
    if dtype is builtins.int:
        return int64
    if dtype is builtins.bool:
        return bool
    return np.dtype(dtype)


def promote(a, b):
    """PyTorch's result dtype for two tensors: a float beats an integer, the wider of two floats or ints wins."""
    if a == b:
        return a
    fa, fb = a.kind == "f", b.kind == "f"
    if fa and not fb:
        return a
    if fb and not fa:
        return b
    return np.promote_types(a, b)


def scalar_dtype(value, tensor_dtype):
    """The dtype a Python scalar takes next to a tensor: the tensor's own, unless the scalar is of a higher kind."""
    return result_type((tensor_dtype, 1), (python_scalar_dtype(value), 0))


def python_scalar_dtype(value):
    """The dtype PyTorch gives a Python scalar operand: bool, int64, or the default float dtype."""
    if isinstance(value, (builtins.bool, np.bool_)):
        return bool
    if isinstance(value, (builtins.int, np.integer)):
        return int64
    if isinstance(value, (builtins.float, np.floating)):
        return get_default_dtype()
    raise TypeError(f"unsupported scalar type {type(value).__name__}")


def _category(dtype):
    return 0 if dtype.kind == "b" else 1 if dtype.kind in "iu" else 2


def result_type(*operands):
    """PyTorch's result dtype for (dtype, tier) pairs; tier 2: a tensor with dims, 1: a 0-d tensor, 0: a Python scalar.

    The highest tier present decides, unless a lower tier holds a higher category (bool < integer < float): then
    that operand's dtype joins in, as torch.result_type does (float32 tensor + float64 0-d tensor -> float32,
    int32 tensor + 2.5 -> float32, uint8 tensor + int64 0-d tensor -> uint8).
    """
    best = [None, None, None]
    for dtype, tier in operands:
        best[tier] = dtype if best[tier] is None else promote(best[tier], dtype)
    out = None
    for dtype in (best[2], best[1], best[0]):
        if dtype is None:
            continue
        if out is None:
            out = dtype
        elif _category(dtype) > _category(out):
            out = promote(out, dtype)
    return out
