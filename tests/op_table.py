"""One table of differentiable ops: each case gives the deepgrad call, a NumPy reference and input shapes.

tests/test_ops.py checks every case forward against NumPy (float32 and float64) and backward by gradcheck (float64),
and checks that every Function in deepgrad.ops appears in the graph of at least one case.
"""
import math
from dataclasses import dataclass, field
from typing import Callable

import numpy as np

import deepgrad as dg
from deepgrad.ops import conv, pool
from test_kernels_conv import ref_conv2d, ref_conv_transpose2d
from test_kernels_pool import ref_adaptive_avg_pool2d, ref_avg_pool2d, ref_max_pool2d
from test_attention import ref_attention
from test_interpolate_pad import ref_interpolate
from test_layernorm import ref_layer_norm
from test_rnn import ref_layer


@dataclass
class Case:
    name: str
    fn: Callable  # deepgrad tensors -> tensor
    ref: Callable  # numpy arrays -> array
    shapes: list
    positive: bool = False  # draw inputs in (0.5, 2) instead of N(0, 1)
    away_from: list = field(default_factory=list)  # points where the op is not differentiable: keep inputs away
    out_dtype: type = None  # when the op fixes the output dtype instead of keeping the input's


def _softmax(x, axis):
    e = np.exp(x - x.max(axis=axis, keepdims=True))
    return e / e.sum(axis=axis, keepdims=True)


def _erf(x):
    return np.vectorize(math.erf)(x)


def _erfinv(y):
    """erfinv by bisection on math.erf (independent of deepgrad's Newton iteration)."""
    lo, hi = np.full(np.shape(y), -6.0), np.full(np.shape(y), 6.0)
    for _ in range(64):
        mid = (lo + hi) / 2
        below = _erf(mid) < y
        lo, hi = np.where(below, mid, lo), np.where(below, hi, mid)
    return (lo + hi) / 2


CASES = [
    # arithmetic with broadcasting
    Case("add", lambda a, b: a + b, lambda a, b: a + b, [(3, 4), (4,)]),
    Case("add_bcast_both", lambda a, b: a + b, lambda a, b: a + b, [(3, 1), (1, 5)]),
    Case("add_scalar", lambda a: 2.5 + a, lambda a: 2.5 + a, [(2, 3)]),
    Case("add_alpha", lambda a, b: dg.add(a, b, alpha=2), lambda a, b: a + 2 * b, [(2, 3), (2, 3)]),
    Case("sub", lambda a, b: a - b, lambda a, b: a - b, [(2, 3, 4), (3, 1)]),
    Case("rsub", lambda a: 1.0 - a, lambda a: 1.0 - a, [(5,)]),
    Case("mul", lambda a, b: a * b, lambda a, b: a * b, [(4, 1, 3), (2, 3)]),
    Case("div", lambda a, b: a / b, lambda a, b: a / b, [(3, 4), (3, 4)], positive=True),
    Case("rdiv", lambda a: 2.0 / a, lambda a: 2.0 / a, [(3,)], positive=True),
    Case("neg", lambda a: -a, lambda a: -a, [(2, 2)]),
    Case("pow_scalar", lambda a: a**3, lambda a: a**3, [(3, 2)]),
    Case("pow_frac", lambda a: a**0.5, lambda a: a**0.5, [(3, 2)], positive=True),
    Case("pow_tensor", lambda a, b: a**b, lambda a, b: a**b, [(3, 2), (2,)], positive=True),
    Case("rpow", lambda a: 2.0**a, lambda a: 2.0**a, [(4,)]),
    Case("exp", lambda a: a.exp(), np.exp, [(3, 3)]),
    Case("log", lambda a: a.log(), np.log, [(3, 3)], positive=True),
    Case("log1p", lambda a: a.log1p(), np.log1p, [(4,)], positive=True),
    Case("sqrt", lambda a: a.sqrt(), np.sqrt, [(2, 5)], positive=True),
    Case("rsqrt", lambda a: a.rsqrt(), lambda a: 1 / np.sqrt(a), [(5,)], positive=True),
    Case("abs", lambda a: a.abs(), np.abs, [(3, 4)], away_from=[0.0]),
    Case("sin", lambda a: a.sin(), np.sin, [(6,)]),
    Case("cos", lambda a: a.cos(), np.cos, [(6,)]),
    Case("erf", lambda a: a.erf(), _erf, [(3, 4)]),
    # erfinv's domain is (-1, 1): squash the N(0, 1) inputs into (-0.9, 0.9)
    Case("erfinv", lambda a: (a.tanh() * 0.9).erfinv(), lambda a: _erfinv(np.tanh(a) * 0.9), [(3, 4)]),
    Case("clamp", lambda a: a.clamp(-0.5, 0.5), lambda a: np.clip(a, -0.5, 0.5), [(4, 4)], away_from=[-0.5, 0.5]),
    Case("clamp_min", lambda a: a.clamp(min=0.1), lambda a: np.maximum(a, 0.1), [(7,)], away_from=[0.1]),
    Case("maximum", lambda a, b: dg.maximum(a, b), np.maximum, [(3, 4), (4,)]),
    Case("minimum", lambda a, b: dg.minimum(a, b), np.minimum, [(3, 4), (3, 1)]),
    Case("where", lambda a, b: dg.where(a > 0, a, b), lambda a, b: np.where(a > 0, a, b), [(3, 4), (4,)],
         away_from=[0.0]),
    Case("masked_fill", lambda a: a.masked_fill(a > 0.3, -1.0), lambda a: np.where(a > 0.3, -1.0, a), [(3, 3)],
         away_from=[0.3]),
    Case("cast", lambda a: a.to(dg.float64) * 2, lambda a: a * 2, [(3,)], out_dtype=np.float64),
    Case("clone", lambda a: a.clone() * 2, lambda a: a * 2, [(2, 3)]),
    # activations
    Case("relu", lambda a: a.relu(), lambda a: np.maximum(a, 0), [(4, 5)], away_from=[0.0]),
    Case("leaky_relu", lambda a: dg.nn.functional.leaky_relu(a, 0.1), lambda a: np.where(a > 0, a, 0.1 * a),
         [(4, 5)], away_from=[0.0]),
    Case("sigmoid", lambda a: a.sigmoid(), lambda a: 1 / (1 + np.exp(-a)), [(3, 4)]),
    Case("tanh", lambda a: a.tanh(), np.tanh, [(3, 4)]),
    Case("softplus", lambda a: dg.nn.functional.softplus(a, beta=2.0), lambda a: np.log1p(np.exp(2 * a)) / 2, [(5,)]),
    Case("gelu", lambda a: dg.nn.functional.gelu(a), lambda a: 0.5 * a * (1 + _erf(a / math.sqrt(2))), [(3, 5)]),
    Case("gelu_tanh", lambda a: dg.nn.functional.gelu(a, approximate="tanh"),
         lambda a: 0.5 * a * (1 + np.tanh(math.sqrt(2 / math.pi) * (a + 0.044715 * a**3))), [(3, 5)]),
    # reductions
    Case("sum_all", lambda a: a.sum(), np.sum, [(3, 4)]),
    Case("sum_dim", lambda a: a.sum(1), lambda a: a.sum(1), [(3, 4, 2)]),
    Case("sum_dims_keep", lambda a: a.sum((0, 2), keepdim=True), lambda a: a.sum((0, 2), keepdims=True), [(3, 4, 2)]),
    Case("mean", lambda a: a.mean(-1), lambda a: a.mean(-1), [(3, 4)]),
    Case("var", lambda a: a.var(0), lambda a: a.var(0, ddof=1), [(5, 3)]),
    Case("std_biased", lambda a: a.std(1, unbiased=False, keepdim=True), lambda a: a.std(1, keepdims=True), [(2, 6)]),
    Case("max_all", lambda a: a.max(), np.max, [(3, 4)]),
    Case("max_dim", lambda a: a.max(1)[0], lambda a: a.max(1), [(3, 4)]),
    Case("min_dim_keep", lambda a: a.min(0, keepdim=True).values, lambda a: a.min(0, keepdims=True), [(3, 4)]),
    Case("amax", lambda a: a.amax((0, 1)), lambda a: a.max((0, 1)), [(2, 3, 2)]),
    Case("softmax", lambda a: a.softmax(-1), lambda a: _softmax(a, -1), [(3, 5)]),
    Case("softmax_dim0", lambda a: dg.softmax(a, 0), lambda a: _softmax(a, 0), [(4, 2)]),
    Case("log_softmax", lambda a: a.log_softmax(1), lambda a: np.log(_softmax(a, 1)), [(3, 5)]),
    Case("logsumexp", lambda a: a.logsumexp(1), lambda a: np.log(np.exp(a).sum(1)), [(3, 5)]),
    Case("norm", lambda a: a.norm(), lambda a: np.sqrt((a * a).sum()), [(3, 4)]),
    Case("prod", lambda a: a.prod(1), lambda a: a.prod(1), [(3, 4)]),
    # shapes
    Case("reshape", lambda a: a.reshape(4, -1) * 1.5, lambda a: a.reshape(4, -1) * 1.5, [(2, 3, 2)]),
    Case("view", lambda a: a.view(6) ** 2, lambda a: a.reshape(6) ** 2, [(2, 3)]),
    Case("transpose", lambda a: a.transpose(0, 2) * 2, lambda a: a.transpose(2, 1, 0) * 2, [(2, 3, 4)]),
    Case("permute", lambda a: a.permute(1, 2, 0) ** 2, lambda a: a.transpose(1, 2, 0) ** 2, [(2, 3, 4)]),
    Case("T", lambda a: a.T * 3, lambda a: a.T * 3, [(2, 5)]),
    Case("unsqueeze", lambda a: a.unsqueeze(1) * a.unsqueeze(0), lambda a: a[:, None] * a[None, :], [(4,)]),
    Case("squeeze", lambda a: a.squeeze(1) ** 2, lambda a: a.squeeze(1) ** 2, [(3, 1, 2)]),
    Case("flatten", lambda a: a.flatten(1) ** 2, lambda a: a.reshape(2, -1) ** 2, [(2, 3, 2)]),
    Case("expand", lambda a: a.expand(3, 4) ** 2, lambda a: np.broadcast_to(a, (3, 4)) ** 2, [(3, 1)]),
    Case("repeat", lambda a: a.repeat(2, 3) ** 2, lambda a: np.tile(a, (2, 3)) ** 2, [(2, 3)]),
    Case("cat", lambda a, b: dg.cat([a, b], 1) ** 2, lambda a, b: np.concatenate([a, b], 1) ** 2, [(2, 3), (2, 4)]),
    Case("stack", lambda a, b: dg.stack([a, b], -1) ** 2, lambda a, b: np.stack([a, b], -1) ** 2, [(2, 3), (2, 3)]),
    Case("split", lambda a: a.split([1, 3], 1)[1] ** 2, lambda a: a[:, 1:] ** 2, [(2, 4)]),
    Case("chunk", lambda a: a.chunk(2, 0)[0] * 3, lambda a: a[:2] * 3, [(4, 3)]),
    Case("flip", lambda a: a.flip(0) * a, lambda a: a[::-1] * a, [(5,)]),
    # indexing
    Case("index_int", lambda a: a[1] ** 2, lambda a: a[1] ** 2, [(3, 4)]),
    Case("index_slice", lambda a: a[:, 1:3] ** 2, lambda a: a[:, 1:3] ** 2, [(3, 4)]),
    Case("index_step_none", lambda a: a[::2, None, -1] ** 2, lambda a: a[::2, None, -1] ** 2, [(5, 4)]),
    Case("index_ellipsis", lambda a: a[..., 0] ** 2, lambda a: a[..., 0] ** 2, [(2, 3, 4)]),
    Case("index_int_array_repeats", lambda a: a[[0, 2, 0, 0]] ** 2, lambda a: a[[0, 2, 0, 0]] ** 2, [(3, 4)]),
    Case("index_tensor", lambda a: a[dg.tensor([[1, 1], [0, 2]])] ** 2, lambda a: a[np.array([[1, 1], [0, 2]])] ** 2,
         [(3, 2)]),
    Case("index_pairs", lambda a: a[[0, 1, 1], [2, 0, 2]] ** 2, lambda a: a[[0, 1, 1], [2, 0, 2]] ** 2, [(2, 3)]),
    Case("index_bool", lambda a: a[a > 0] ** 2, lambda a: a[a > 0] ** 2, [(3, 4)], away_from=[0.0]),
    Case("gather", lambda a: a.gather(1, dg.tensor([[0, 0], [1, 2], [2, 1]])) ** 2,
         lambda a: np.take_along_axis(a, np.array([[0, 0], [1, 2], [2, 1]]), 1) ** 2, [(3, 3)]),
    # matmul (C++ GEMM) and its broadcasting rules
    Case("gather_one_per_row", lambda a: a.gather(1, dg.tensor([[2], [0], [2], [1]])) ** 2,
         lambda a: a[[0, 1, 2, 3], [2, 0, 2, 1]][:, None] ** 2, [(4, 3)]),
    Case("gather_3d_dim1", lambda a: a.gather(1, dg.tensor([[[1, 0], [1, 1]], [[0, 0], [2, 1]]])) ** 2,
         lambda a: np.take_along_axis(a[:, :, :2], np.array([[[1, 0], [1, 1]], [[0, 0], [2, 1]]]), 1) ** 2,
         [(2, 3, 4)]),
    Case("matmul_2d", lambda a, b: a @ b, lambda a, b: a @ b, [(3, 4), (4, 5)]),
    Case("matmul_transposed", lambda a, b: a @ b.T, lambda a, b: a @ b.T, [(3, 4), (5, 4)]),
    Case("matmul_batched", lambda a, b: a @ b, lambda a, b: a @ b, [(2, 3, 4), (2, 4, 2)]),
    Case("matmul_bcast", lambda a, b: a @ b, lambda a, b: a @ b, [(2, 1, 3, 4), (3, 4, 2)]),
    Case("matmul_3d_2d", lambda a, b: a @ b, lambda a, b: a @ b, [(2, 3, 4), (4, 5)]),
    Case("matmul_2d_3d", lambda a, b: a @ b, lambda a, b: a @ b, [(3, 4), (2, 4, 5)]),
    Case("matmul_vec", lambda a, b: a @ b, lambda a, b: a @ b, [(3, 4), (4,)]),
    Case("matmul_vec_left", lambda a, b: a @ b, lambda a, b: a @ b, [(4,), (2, 4, 3)]),
    Case("dot", lambda a, b: dg.dot(a, b), np.dot, [(5,), (5,)]),
    # the fused Linear kernel (bias and ReLU epilogue)
    Case("linear", lambda x, w, b: dg.nn.functional.linear(x, w, b), lambda x, w, b: x @ w.T + b,
         [(5, 3), (4, 3), (4,)]),
    Case("linear_3d_nobias", lambda x, w: dg.nn.functional.linear(x, w), lambda x, w: x @ w.T, [(2, 3, 5), (7, 5)]),
    Case("linear_relu", lambda x, w, b: dg.ops.linalg.linear(x, w, b, relu=True),
         lambda x, w, b: np.maximum(x @ w.T + b, 0), [(6, 4), (3, 4), (3,)]),
    # fused losses (the full variants are in tests/test_losses.py)
    Case("cross_entropy_probs", lambda a, b: dg.nn.functional.cross_entropy(a, b.softmax(-1), reduction="none"),
         lambda a, b: -(_softmax(b, -1) * np.log(_softmax(a, -1))).sum(-1), [(3, 4), (3, 4)]),
    Case("cross_entropy_index", lambda a: dg.nn.functional.cross_entropy(a, dg.tensor([2, 0, 3]), reduction="none"),
         lambda a: -np.log(_softmax(a, -1))[[0, 1, 2], [2, 0, 3]], [(3, 4)]),
    Case("binary_cross_entropy",
         lambda a, b: dg.nn.functional.binary_cross_entropy(a.sigmoid(), b.sigmoid(), reduction="none"),
         lambda a, b: -(_sig(b) * np.log(_sig(a)) + (1 - _sig(b)) * np.log(1 - _sig(a))), [(2, 3), (2, 3)]),
    Case("dropout_fixed_seed", lambda a: dg.ops.dropout.Dropout.apply(a, p=0.3, seed=7),
         lambda a: a * dg._C.dropout(np.ones_like(a), 0.3, 7)[1], [(5, 7)]),
    Case("huber", lambda a, b: dg.nn.functional.huber_loss(a, b, reduction="none", delta=0.7),
         lambda a, b: np.where(np.abs(a - b) < 0.7, 0.5 * (a - b) ** 2, 0.7 * (np.abs(a - b) - 0.35)), [(3, 4), (3, 4)]),
    Case("smooth_l1_bcast", lambda a, b: dg.ops.loss.PiecewiseQuadratic.apply(a, b, threshold=0.5, scale=2.0),
         lambda a, b: np.where(np.abs(a - b) < 0.5, (a - b) ** 2, np.abs(a - b) - 0.25), [(3, 4), (4,)]),
    # convolution and pooling (NumPy references and the full variants: tests/test_kernels_conv.py, test_kernels_pool.py,
    # test_ops_conv_pool.py)
    Case("conv2d", lambda x, w, b: conv.conv2d(x, w, b, stride=2, padding=1, groups=2),
         lambda x, w, b: ref_conv2d(x, w, b, (2, 2), (1, 1), (1, 1), 2), [(2, 4, 5, 5), (4, 2, 3, 3), (4,)]),
    Case("conv_transpose2d", lambda x, w, b: conv.conv_transpose2d(x, w, b, stride=2, padding=1, output_padding=1),
         lambda x, w, b: ref_conv_transpose2d(x, w, b, (2, 2), (1, 1), (1, 1), 1, (1, 1)), [(1, 2, 3, 3), (2, 3, 3, 3), (3,)]),
    Case("max_pool2d", lambda x: pool.max_pool2d(x, 2),
         lambda x: ref_max_pool2d(x, (2, 2), (2, 2), (0, 0), (1, 1), (2, 2))[0], [(2, 3, 4, 5)]),
    Case("avg_pool2d", lambda x: pool.avg_pool2d(x, 3, 2, 1, ceil_mode=True, count_include_pad=False),
         lambda x: ref_avg_pool2d(x, (3, 3), (2, 2), (1, 1), (3, 4), False, 0), [(1, 2, 5, 6)]),
    Case("adaptive_avg_pool2d", lambda x: pool.adaptive_avg_pool2d(x, (2, 3)),
         lambda x: ref_adaptive_avg_pool2d(x, (2, 3)), [(1, 2, 5, 7)]),
    # batch norm (train: batch statistics; eval: fixed running statistics), interpolate, pad
    # (full variants: tests/test_batchnorm.py, tests/test_interpolate_pad.py)
    Case("batch_norm_train", lambda x, w, b: dg.nn.functional.batch_norm(x, None, None, w, b, training=True),
         lambda x, w, b: _ref_batch_norm(x, x.mean((0, 2, 3)), x.var((0, 2, 3)), w, b), [(3, 2, 2, 3), (2,), (2,)]),
    Case("batch_norm_eval",
         lambda x, w: dg.nn.functional.batch_norm(x, dg.tensor([0.5, -1.0, 2.0]).to(x.dtype),
                                                  dg.tensor([1.5, 0.5, 2.0]).to(x.dtype), w, None),
         lambda x, w: _ref_batch_norm(x, np.array([0.5, -1.0, 2.0]), np.array([1.5, 0.5, 2.0]), w, np.zeros(3)),
         [(4, 3), (3,)]),
    Case("interpolate_bilinear", lambda x: dg.nn.functional.interpolate(x, size=(5, 3), mode="bilinear"),
         lambda x: ref_interpolate(x, (5, 3), "bilinear"), [(2, 2, 3, 4)]),
    Case("pad_constant", lambda x: dg.nn.functional.pad(x, (1, -1, 2, 0), value=0.5),
         lambda x: np.pad(x[..., :-1], [(0, 0), (0, 0), (2, 0), (1, 0)], constant_values=0.5), [(1, 2, 3, 4)]),
    Case("pad_reflect", lambda x: dg.nn.functional.pad(x, (2, 1, 1, 2), "reflect"),
         lambda x: np.pad(x, [(0, 0), (0, 0), (1, 2), (2, 1)], "reflect"), [(1, 2, 3, 4)]),
    # appended by the PyTorch-parity audit: zero-gradient step functions, a[index] = v in the graph, cumsum, 2-norm
    Case("floor_times", lambda a: a.floor() * a, lambda a: np.floor(a) * a, [(3, 4)], away_from=[-2.0, -1.0, 0.0, 1.0, 2.0]),
    Case("setitem_graph", lambda a, b: _put(a, b), lambda a, b: np.concatenate([a[:1], b[None] * 2, a[2:]]) ** 2,
         [(3, 4), (4,)]),
    Case("cumsum", lambda a: a.cumsum(1) ** 2, lambda a: np.cumsum(a, 1) ** 2, [(3, 4)]),
    Case("norm_dim", lambda a: a.norm(dim=1, keepdim=True), lambda a: np.sqrt((a * a).sum(1, keepdims=True)), [(3, 4)]),
    Case("einsum", lambda a, b: dg.einsum("bij,jk->bk", a, b), lambda a, b: np.einsum("bij,jk->bk", a, b), [(2, 3, 4), (4, 5)]),
    # attention and layer norm (the mask kinds and awkward shapes: tests/test_attention.py, test_layernorm.py)
    Case("scaled_dot_product_attention", lambda q, k, v: dg.nn.functional.scaled_dot_product_attention(q, k, v),
         lambda q, k, v: ref_attention(q, k, v), [(2, 3, 5, 4), (2, 3, 6, 4), (2, 3, 6, 3)]),
    # recurrent layers (more in tests/test_rnn.py and test_kernels_lstm.py) and embedding
    Case("lstm_layer", lambda x, wi, wh, bi, bh: dg.ops.rnn.lstm_layer(x, wi, wh, bi, bh, reverse=True)[0],
         lambda x, wi, wh, bi, bh: ref_layer("LSTM", x, np.zeros((2, 3)), wi, wh, bi, bh, reverse=True),
         [(3, 2, 4), (12, 4), (12, 3), (12,), (12,)]),
    Case("gru_layer", lambda x, h, wi, wh, bi, bh: dg.ops.rnn.gru_layer(x, wi, wh, bi, bh, h0=h, reverse=True)[0],
         lambda x, h, wi, wh, bi, bh: ref_layer("GRU", x, h, wi, wh, bi, bh, reverse=True),
         [(3, 2, 4), (2, 3), (9, 4), (9, 3), (9,), (9,)]),
    Case("rnn_layer", lambda x, h, wi, wh, bi, bh: dg.ops.rnn.recurrent_layer("RNN_TANH", x, h, wi, wh, bi, bh)[0],
         lambda x, h, wi, wh, bi, bh: ref_layer("RNN_TANH", x, h, wi, wh, bi, bh),
         [(3, 2, 4), (2, 3), (3, 4), (3, 3), (3,), (3,)]),
    Case("embedding", lambda w: dg.nn.functional.embedding(dg.tensor(np.array([[1, 3], [1, 0]])), w),
         lambda w: w[np.array([[1, 3], [1, 0]])], [(4, 3)]),
    Case("layer_norm", lambda x, w, b: dg.nn.functional.layer_norm(x, (5,), w, b),
         lambda x, w, b: ref_layer_norm(x, 1, w, b), [(3, 4, 5), (5,), (5,)]),
]


def _ref_batch_norm(x, mean, var, w, b, eps=1e-5):
    shape = (1, -1) + (1,) * (x.ndim - 2)
    return (x - mean.reshape(shape)) / np.sqrt(var.reshape(shape) + eps) * w.reshape(shape) + b.reshape(shape)


def _sig(x):
    return 1 / (1 + np.exp(-x))


def _put(a, b):
    out = a * 1
    out[1] = b * 2
    return out**2


# ---- appended by the nn-parity work: maths Functions (ops/maths.py), unfold/fold (ops/conv.py), logcumsumexp
# (ops/statistics.py), scatter (ops/index.py); compositions built on them are checked against torch in
# tests/test_nn_parity_more.py ----


def _vec(f):
    return np.vectorize(f, otypes=[np.float64])


def _digamma_ref(x):
    """d/dx lgamma by a Richardson-extrapolated central difference of math.lgamma (about 1e-13 accurate here)."""
    lg, h = _vec(math.lgamma), 1e-3
    return (8 * (lg(x + h) - lg(x - h)) - (lg(x + 2 * h) - lg(x - 2 * h))) / (12 * h)


def _ref_unfold(x, k, d, p, s):
    N, C, H, W = x.shape
    xp = np.pad(x, ((0, 0), (0, 0), (p, p), (p, p)))
    oh, ow = (H + 2 * p - d * (k - 1) - 1) // s + 1, (W + 2 * p - d * (k - 1) - 1) // s + 1
    out = np.zeros((N, C * k * k, oh * ow))
    for c in range(C):
        for i in range(k):
            for j in range(k):
                for a in range(oh):
                    for b in range(ow):
                        out[:, (c * k + i) * k + j, a * ow + b] = xp[:, c, a * s + i * d, b * s + j * d]
    return out


def _ref_fold(cols, C, size, k, d, p, s):
    N = cols.shape[0]
    H, W = size
    oh, ow = (H + 2 * p - d * (k - 1) - 1) // s + 1, (W + 2 * p - d * (k - 1) - 1) // s + 1
    out = np.zeros((N, C, H + 2 * p, W + 2 * p))
    for c in range(C):
        for i in range(k):
            for j in range(k):
                for a in range(oh):
                    for b in range(ow):
                        out[:, c, a * s + i * d, b * s + j * d] += cols[:, (c * k + i) * k + j, a * ow + b]
    return out[:, :, p:p + H, p:p + W]


_SCATTER_INDEX = np.array([[0, 2, 0], [1, 1, 3]])
_SCATTER_UNIQUE = np.array([[2, 0, 1], [0, 2, 3]])


def _ref_scatter(a, src, index, add):
    out = a.copy()
    for i in range(index.shape[0]):
        for j in range(index.shape[1]):
            if add:
                out[index[i, j], j] += src[i, j]
            else:
                out[index[i, j], j] = src[i, j]
    return out


CASES += [
    Case("tan", lambda a: dg.tan(a * 0.5), lambda a: np.tan(a * 0.5), [(3, 4)]),
    Case("atan", lambda a: dg.atan(a), np.arctan, [(3, 4)]),
    Case("asin", lambda a: dg.asin(a.tanh() * 0.9), lambda a: np.arcsin(np.tanh(a) * 0.9), [(3, 4)]),
    Case("acos", lambda a: dg.acos(a.tanh() * 0.9), lambda a: np.arccos(np.tanh(a) * 0.9), [(3, 4)]),
    Case("sinh", lambda a: dg.sinh(a), np.sinh, [(3, 4)]),
    Case("cosh", lambda a: dg.cosh(a), np.cosh, [(3, 4)]),
    Case("asinh", lambda a: dg.asinh(a), np.arcsinh, [(3, 4)]),
    Case("acosh", lambda a: dg.acosh(a + 1), lambda a: np.arccosh(a + 1), [(3, 4)], positive=True),
    Case("atanh", lambda a: dg.atanh(a.tanh() * 0.9), lambda a: np.arctanh(np.tanh(a) * 0.9), [(3, 4)]),
    Case("expm1", lambda a: dg.expm1(a), np.expm1, [(3, 4)]),
    Case("sinc", lambda a: dg.sinc(a), np.sinc, [(3, 4)]),
    Case("remainder", lambda a, b: dg.remainder(a * 3, b), lambda a, b: np.remainder(a * 3, b), [(3, 4), (4,)],
         positive=True),
    Case("erfc", lambda a: dg.erfc(a), _vec(math.erfc), [(3, 4)]),
    Case("lgamma", lambda a: dg.lgamma(a), _vec(math.lgamma), [(3, 4)], positive=True),
    Case("digamma", lambda a: dg.digamma(a * 3), lambda a: _digamma_ref(a * 3), [(3, 4)], positive=True),
    Case("atan2", lambda a, b: dg.atan2(a, b), np.arctan2, [(3, 4), (4,)]),
    Case("hypot", lambda a, b: dg.hypot(a, b), np.hypot, [(3, 4), (3, 1)]),
    Case("logaddexp", lambda a, b: dg.logaddexp(a, b), np.logaddexp, [(3, 4), (4,)]),
    Case("logaddexp2", lambda a, b: dg.logaddexp2(a, b), np.logaddexp2, [(3, 4), (3, 4)]),
    Case("xlogy", lambda a, b: dg.xlogy(a, b), lambda a, b: a * np.log(b), [(3, 4), (4,)], positive=True),
    Case("fmod", lambda a, b: dg.fmod(a * 3, b), lambda a, b: np.fmod(a * 3, b), [(3, 4), (3, 4)], positive=True),
    Case("unfold", lambda x: dg.nn.functional.unfold(x, 2, dilation=2, padding=1, stride=2),
         lambda x: _ref_unfold(x, 2, 2, 1, 2), [(2, 3, 5, 6)]),
    Case("fold", lambda c: dg.nn.functional.fold(c, (4, 5), 3, padding=1),
         lambda c: _ref_fold(c, 2, (4, 5), 3, 1, 1, 1), [(2, 18, 20)]),
    Case("logcumsumexp", lambda a: dg.logcumsumexp(a, 1), lambda a: np.log(np.cumsum(np.exp(a), 1)), [(3, 5)]),
    Case("scatter", lambda a, s: a.scatter(0, dg.tensor(_SCATTER_UNIQUE), s),
         lambda a, s: _ref_scatter(a, s, _SCATTER_UNIQUE, False), [(4, 3), (2, 4)]),
    Case("scatter_add", lambda a, s: a.scatter_add(0, dg.tensor(_SCATTER_INDEX), s),
         lambda a, s: _ref_scatter(a, s, _SCATTER_INDEX, True), [(4, 3), (2, 3)]),
]
