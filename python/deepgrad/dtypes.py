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
    if isinstance(value, (builtins.bool, np.bool_)):
        return tensor_dtype
    if isinstance(value, (builtins.int, np.integer)):
        return tensor_dtype if tensor_dtype.kind in "fiu" else int64
    if isinstance(value, (builtins.float, np.floating)):
        return tensor_dtype if tensor_dtype.kind == "f" else get_default_dtype()
    raise TypeError(f"unsupported scalar type {type(value).__name__}")
