"""deepgrad: a compact deep-learning framework with a PyTorch-like API over C++ kernels."""
from . import _C
from .autograd.grad_mode import enable_grad, inference_mode, is_grad_enabled, no_grad, set_grad_enabled
# tensor first: the op modules import Tensor at load time, and tensor.py loads them at its end
from .tensor import (
    Size, Tensor, arange, as_tensor, empty, empty_like, eye, from_numpy, full, full_like, linspace, ones, ones_like,
    rand, rand_like, randint, randn, randn_like, randperm, tensor, zeros, zeros_like,
)
from .dtypes import (
    bool, double, float, float16, float32, float64, get_default_dtype, half, int, int8, int16, int32, int64,
    long, set_default_dtype, short, uint8,
)
from .ops.compare import (
    all, allclose, any, bitwise_and, bitwise_not, bitwise_or, bitwise_xor, eq, equal, ge, gt, isclose, le, logical_and,
    logical_not, logical_or, logical_xor, lt, ne, nonzero, unique,
)
from .ops.elementwise import (
    abs, add, ceil, clamp, clone, cos, div, exp, floor, gelu, isfinite, isinf, isnan, log, log1p, maximum, minimum,
    mul, neg, pow, relu, round, rsqrt, sigmoid, sign, sin, sqrt, sub, tanh, trunc, where, floor_divide, remainder, square,
    log2, exp2,
)
from .ops.index import gather, masked_fill
from .ops.linalg import bmm, dot, einsum, matmul, mm, mv, outer
from .ops.sampling import multinomial
from .ops.special import erf, erfinv
from .ops.reduce import (
    amax, amin, argmax, argmin, argsort, cumsum, logsumexp, max, mean, min, norm, prod, softmax, log_softmax, sort, std,
    sum, topk, var,
)
from .ops.shape import (
    broadcast_to, cat, chunk, flatten, flip, narrow, permute, repeat, reshape, select, split, squeeze, stack, t,
    transpose, tril, triu, unbind, unflatten, unsqueeze,
)
from .parallel import get_num_threads, set_num_threads
from .random import Generator, get_rng_state, initial_seed, manual_seed, seed, set_rng_state
from . import autograd, nn, optim, data, datasets, distributions, utils  # noqa: E402
from .io import load, save  # noqa: E402

__version__ = "0.1.0"
concatenate = concat = cat
clip = clamp
