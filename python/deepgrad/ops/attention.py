"""Scaled dot-product attention: the fused C++ kernel as one Function, and the composite path beside it.

    out = softmax(q @ k^T * scale + mask) @ v,   q (..., L, E), k (..., S, E), v (..., S, Ev) -> (..., L, Ev)

The fused kernel never holds the full L x S score matrix; it saves each query row's log-sum-exp and its backward
recomputes the probabilities. Dropout on the weights, a float mask that needs a gradient, or dtypes the kernel
does not take go through the composite path (matmul, softmax, dropout, matmul).
"""
import math

import numpy as np

from .. import _C
from ..autograd.function import Function, unbroadcast
from ..tensor import Tensor


def mask_layout(mask, batch, L, S):
    """A mask broadcastable to batch + (L, S) as the kernel takes it: (flat mask, offsets (BH,), row stride)."""
    m = mask.reshape((1,) * (2 - mask.ndim) + mask.shape) if mask.ndim < 2 else mask
    lead, (mL, mS) = m.shape[:-2], m.shape[-2:]
    if mS != S:  # columns must be contiguous in the kernel: stretch a broadcast key dim
        m = np.broadcast_to(m, lead + (mL, S))
    m = np.ascontiguousarray(m)
    n_lead = int(np.prod(lead, dtype=np.int64)) if lead else 1
    index = np.arange(n_lead, dtype=np.int64).reshape(lead) * (mL * S)
    offsets = np.ascontiguousarray(np.broadcast_to(index, batch).reshape(-1))
    return m.reshape(-1), offsets, (0 if mL == 1 else S)


class ScaledDotProductAttention(Function):
    """The fused kernel; `mask` is a bool (True = attend) or float (additive) array broadcastable to (..., L, S)."""

    def forward(self, q, k, v, mask=None, scale=1.0, causal=False):
        L, E, S, Ev = q.shape[-2], q.shape[-1], k.shape[-2], v.shape[-1]
        lead = [q.shape[:-2], k.shape[:-2], v.shape[:-2]] + ([mask.shape[:-2]] if mask is not None else [])
        batch = np.broadcast_shapes(*lead)
        q3, k3, v3 = (np.ascontiguousarray(np.broadcast_to(x, batch + x.shape[-2:])).reshape((-1,) + x.shape[-2:])
                      for x in (q, k, v))
        bh = q3.shape[0]
        out = np.empty((bh, L, Ev), dtype=q.dtype)
        lse = np.empty((bh, L), dtype=q.dtype)
        kw = dict(scale=float(scale), causal=bool(causal))
        if mask is not None:
            flat, offsets, row_stride = mask_layout(mask, batch, L, S)
            key = "allow" if flat.dtype == np.bool_ else "add"
            kw.update({key: flat, "offsets": offsets, "row_stride": row_stride})
        _C.attention_forward(out, lse, q3, k3, v3, **kw)
        self.kw, self.batch = kw, batch
        self.shapes = (q.shape, k.shape, v.shape)
        self.save_for_backward(q3, k3, v3, out, lse)
        return out.reshape(batch + (L, Ev))

    def backward(self, g):
        q3, k3, v3, out, lse = self.saved_tensors
        need = self.needs_input_grad
        dq, dk, dv = (np.empty_like(x) if n else None for x, n in zip((q3, k3, v3), need))
        g3 = np.ascontiguousarray(g).reshape(out.shape)
        _C.attention_backward(dq, dk, dv, g3, q3, k3, v3, out, lse, **self.kw)
        return tuple(None if d is None else unbroadcast(d.reshape(self.batch + d.shape[1:]), shape)
                     for d, shape in zip((dq, dk, dv), self.shapes))


def causal_mask(L, S):
    """PyTorch's is_causal mask: the top-left aligned lower triangle, True where query i may see key j <= i."""
    return np.tril(np.ones((L, S), dtype=np.bool_))


def attention_weights(q, k, mask=None, scale=1.0, causal=False):
    """softmax(q @ k^T * scale + mask) with Tensor ops (differentiable in a float mask too): (..., L, S).

    mask: bool (True = attend) or float (added). Rows where every key is masked get weights 0 (and no gradient),
    as PyTorch's CPU attention kernels give, rather than softmax's NaN.
    """
    from . import linalg, reduce

    scores = linalg.matmul(q, k.transpose(-2, -1)) * scale
    if causal:
        mask = Tensor._wrap(causal_mask(q.shape[-2], k.shape[-2]))
    if mask is not None:
        scores = scores.masked_fill(~mask, float("-inf")) if mask.dtype == np.bool_ else scores + mask
    dead = np.isneginf(scores._data).all(axis=-1, keepdims=True)
    if dead.any():
        dead = Tensor._wrap(dead)
        return reduce.softmax(scores.masked_fill(dead, 0.0), -1).masked_fill(dead, 0.0)
    return reduce.softmax(scores, -1)


def _composite(q, k, v, mask, scale, causal, dropout_p):
    from . import linalg
    from ..nn import functional as F

    weights = attention_weights(q, k, mask, scale, causal)
    if dropout_p > 0.0:
        weights = F.dropout(weights, dropout_p)
    return linalg.matmul(weights, v)


def _check(query, key, value, attn_mask):
    op = "scaled_dot_product_attention"
    for name, t in (("query", query), ("key", key), ("value", value)):
        if not isinstance(t, Tensor):
            raise TypeError(f"{op}: {name} must be a Tensor, got {type(t).__name__}")
        if t.ndim < 2:
            raise RuntimeError(f"{op}: {name} needs at least 2 dims (..., seq, features), got shape {tuple(t.shape)}")
    if query.shape[-1] != key.shape[-1]:
        raise RuntimeError(f"{op}: query has {query.shape[-1]} features but key has {key.shape[-1]} (query shape "
                           f"{tuple(query.shape)}, key shape {tuple(key.shape)})")
    if key.shape[-2] != value.shape[-2]:
        raise RuntimeError(f"{op}: key has {key.shape[-2]} positions but value has {value.shape[-2]} (key shape "
                           f"{tuple(key.shape)}, value shape {tuple(value.shape)})")
    if not (query.dtype == key.dtype == value.dtype):
        raise RuntimeError(f"{op}: query, key and value must have the same dtype, got {query.dtype}, {key.dtype} "
                           f"and {value.dtype}")
    shapes = [tuple(query.shape[:-2]), tuple(key.shape[:-2]), tuple(value.shape[:-2])]
    if attn_mask is not None:
        shapes.append(tuple(attn_mask.shape[:-2]))
        L, S = query.shape[-2], key.shape[-2]
        mL, mS = (tuple(attn_mask.shape) + (1, 1))[:2] if attn_mask.ndim < 2 else attn_mask.shape[-2:]
        if attn_mask.ndim == 1:
            mL, mS = 1, attn_mask.shape[0]
        if mL not in (1, L) or mS not in (1, S):
            raise RuntimeError(f"{op}: attn_mask of shape {tuple(attn_mask.shape)} does not broadcast to the scores' "
                               f"(..., {L}, {S})")
    try:
        np.broadcast_shapes(*shapes)
    except ValueError:
        raise RuntimeError(f"{op}: batch dims do not broadcast: query {tuple(query.shape)}, key {tuple(key.shape)}, "
                           f"value {tuple(value.shape)}" + ("" if attn_mask is None else
                                                            f", attn_mask {tuple(attn_mask.shape)}")) from None


def _repeat_heads(x, groups):
    """(..., Hk, S, E) -> (..., Hk * groups, S, E), each head repeated `groups` times in place (grouped-query)."""
    shape = tuple(x.shape)
    x = x.unsqueeze(-3).expand(*shape[:-2], groups, *shape[-2:])
    return x.reshape(*shape[:-3], shape[-3] * groups, *shape[-2:])


def scaled_dot_product_attention(query, key, value, attn_mask=None, dropout_p=0.0, is_causal=False, scale=None,
                                 enable_gqa=False):
    """softmax(query @ key^T * scale + mask) @ value, as torch.nn.functional.scaled_dot_product_attention.

    query (..., L, E), key (..., S, E), value (..., S, Ev) -> (..., L, Ev); leading dims broadcast.
    attn_mask: bool (True = take part in attention) or float (added to the scores), broadcastable to (..., L, S).
    is_causal: query i attends to keys j <= i (top-left aligned when L != S); not together with attn_mask.
    scale: default 1 / sqrt(E). A query whose keys are all masked gets zeros, as PyTorch gives on the CPU.
    """
    if is_causal and attn_mask is not None:
        raise RuntimeError("scaled_dot_product_attention: explicit attn_mask should not be set when is_causal=True")
    if attn_mask is not None and not isinstance(attn_mask, Tensor):
        attn_mask = Tensor._wrap(np.asarray(attn_mask))
    if enable_gqa and query.ndim >= 3 and key.ndim >= 3 and key.shape[-3] != query.shape[-3]:
        if query.shape[-3] % key.shape[-3] or value.ndim < 3 or value.shape[-3] != key.shape[-3]:
            raise RuntimeError(f"scaled_dot_product_attention: with enable_gqa, the query heads ({query.shape[-3]}) "
                               f"must be a multiple of the key/value heads (key {tuple(key.shape)}, value "
                               f"{tuple(value.shape)})")
        groups = query.shape[-3] // key.shape[-3]
        key, value = _repeat_heads(key, groups), _repeat_heads(value, groups)
    _check(query, key, value, attn_mask)
    scale = 1.0 / math.sqrt(query.shape[-1]) if scale is None else float(scale)
    if attn_mask is not None and attn_mask.dtype != np.bool_ and attn_mask.dtype != query.dtype:
        attn_mask = attn_mask.to(query.dtype)
    fused = (dropout_p == 0.0 and query.dtype in (np.float32, np.float64)
             and (attn_mask is None or not attn_mask.requires_grad))
    if not fused:
        return _composite(query, key, value, attn_mask, scale, is_causal, dropout_p)
    mask = None if attn_mask is None else attn_mask._data
    return ScaledDotProductAttention.apply(query, key, value, mask=mask, scale=scale, causal=is_causal)
