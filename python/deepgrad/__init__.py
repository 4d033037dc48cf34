"""deepgrad: a compact deep-learning framework with a PyTorch-like API over C++ kernels."""
from . import _C
from .parallel import tune_allocator as _tune_allocator

_tune_allocator()
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
# PyTorch-parity functions: more maths, scans and order statistics, rearranging, scatter, products, distances, sampling
from .ops.arrange import (  # noqa: E402
    atleast_1d, atleast_2d, atleast_3d, block_diag, broadcast_shapes, broadcast_tensors, cartesian_prod, column_stack,
    combinations, diag, diag_embed, diagonal, diff, dsplit, dstack, fliplr, flipud, hsplit, hstack, meshgrid, moveaxis,
    movedim, ravel, repeat_interleave, roll, rot90, row_stack, swapaxes, swapdims, tensor_split, tile, trace,
    tril_indices, triu_indices, vsplit, vstack,
)
from .ops.index import (  # noqa: E402
    index_add, index_copy, index_fill, index_select, masked_select, scatter, scatter_add, scatter_reduce, take,
    take_along_dim,
)
from .ops.maths import (  # noqa: E402
    absolute, acos, acosh, addcdiv, addcmul, arccos, arccosh, arcsin, arcsinh, arctan, arctan2, arctanh, asin, asinh,
    atan, atan2, atanh, clamp_max, clamp_min, copysign, cosh, deg2rad, digamma, erfc, expm1, fix, float_power, fmax,
    fmin, fmod, frac, gcd, heaviside, hypot, isneginf, isposinf, isreal, lcm, lerp, lgamma, log10, logaddexp,
    logaddexp2, logit, nan_to_num, negative, polygamma, positive, rad2deg, reciprocal, sgn, signbit, sinc, sinh, tan,
    true_divide, xlogy,
)
from .ops.products import (  # noqa: E402
    addbmm, addmm, addmv, addr, baddbmm, cdist, cross, dist, inner, kron, pairwise_distance, pdist, tensordot, vdot,
)
from .ops.sampling import bernoulli, normal, poisson  # noqa: E402
from .ops.statistics import (  # noqa: E402
    aminmax, count_nonzero, cummax, cummin, cumprod, kthvalue, logcumsumexp, median, mode, nanmean, nanmedian,
    nanquantile, nansum, quantile, std_mean, var_mean,
)
from .ops.compare import argwhere, bucketize, isin, searchsorted, unique_consecutive  # noqa: E402
from .ops.maths import can_cast, promote_types, result_type, rsub  # noqa: E402
from .ops.statistics import bincount, corrcoef, cov, cumulative_trapezoid, histc, msort, trapezoid  # noqa: E402
from .nn.functional import (  # noqa: E402  (the torch.* aliases of functional ops with the same signature)
    alpha_dropout, bilinear, celu, conv1d, conv2d, conv_transpose1d, conv_transpose2d, cosine_similarity, dropout,
    group_norm, hardshrink, layer_norm, pixel_shuffle, pixel_unshuffle, prelu, rrelu, selu, threshold,
)
from .tensor import is_floating_point, is_tensor, logspace, numel, randint_like  # noqa: E402

__version__ = "0.1.0"
concatenate = concat = cat
clip = clamp
ger = outer
trapz = trapezoid
divide, multiply, subtract = div, mul, sub
