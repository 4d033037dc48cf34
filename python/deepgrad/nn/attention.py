"""MultiheadAttention (torch.nn.MultiheadAttention's parameters, arguments and mask conventions)."""
import numpy as np

from .. import dtypes
from ..ops.attention import attention_weights
from ..tensor import Tensor, _check_device, empty
from . import functional as F
from . import init
from .linear import Linear
from .module import Module
from .parameter import Parameter


class NonDynamicallyQuantizableLinear(Linear):
    """A Linear under the class name PyTorch gives MultiheadAttention.out_proj."""


def _as_tensor(mask):
    return mask if mask is None or isinstance(mask, Tensor) else Tensor._wrap(np.asarray(mask))


def merge_masks(attn_mask, key_padding_mask, n, h, L, S, dtype):
    """MultiheadAttention's masks (True = do NOT attend, or additive floats) as one scaled_dot_product_attention
    mask (True = attend, or additive) broadcastable to (n, h, L, S); None when neither is given."""
    parts = []
    if attn_mask is not None:
        m = attn_mask
        if m.ndim == 3:
            if tuple(m.shape) != (n * h, L, S):
                raise RuntimeError(f"MultiheadAttention: the 3-D attn_mask should have shape {(n * h, L, S)}, but "
                                   f"got {tuple(m.shape)}")
            m = m.reshape(n, h, L, S)
        elif tuple(m.shape) != (L, S):
            raise RuntimeError(f"MultiheadAttention: the 2-D attn_mask should have shape {(L, S)}, but got "
                               f"{tuple(m.shape)}")
        parts.append(m)
    if key_padding_mask is not None:
        if tuple(key_padding_mask.shape) != (n, S):
            raise RuntimeError(f"MultiheadAttention: expected key_padding_mask of shape {(n, S)}, but got "
                               f"{tuple(key_padding_mask.shape)}")
        parts.append(key_padding_mask.reshape(n, 1, 1, S))
    if not parts:
        return None
    if all(p.dtype == np.bool_ for p in parts):
        allow = ~parts[0]
        for p in parts[1:]:
            allow = allow & ~p
        return allow
    out = None
    for p in parts:
        add = p.to(dtype) if p.dtype != np.bool_ else Tensor._wrap(np.where(p._data, -np.inf, 0.0).astype(dtype))
        out = add if out is None else out + add
    return out


class MultiheadAttention(Module):
    """Multi-head attention: out_proj(concat_h softmax(q_h k_h^T / sqrt(d) + mask) v_h), d = embed_dim / num_heads.

    Parameters as PyTorch: in_proj_weight (3E, E) and in_proj_bias (3E,) when kdim == vdim == embed_dim, else
    q_proj_weight (E, E), k_proj_weight (E, kdim), v_proj_weight (E, vdim); out_proj (Linear E -> E).
    forward(query, key, value) takes (L, N, E) / (S, N, kdim) / (S, N, vdim), or batch-first, or unbatched
    (L, E), and returns (output, weights): weights (N, L, S) averaged over heads, (N, h, L, S) with
    average_attn_weights=False, None with need_weights=False (which uses the fused attention kernel).
    Masks: key_padding_mask (N, S) and attn_mask (L, S) or (N*h, L, S), bool with True = not allowed to
    attend, or float added to the scores. A query whose keys are all masked gets zeros (PyTorch: NaN).
    """

    def __init__(self, embed_dim, num_heads, dropout=0.0, bias=True, add_bias_kv=False, add_zero_attn=False,
                 kdim=None, vdim=None, batch_first=False, device=None, dtype=None):
        super().__init__()
        _check_device(device)
        if embed_dim <= 0 or num_heads <= 0:
            raise ValueError(f"embed_dim and num_heads must be greater than 0, got embed_dim={embed_dim} and "
                             f"num_heads={num_heads} instead")
        if embed_dim % num_heads:
            raise AssertionError(f"embed_dim ({embed_dim}) must be divisible by num_heads ({num_heads})")
        if add_bias_kv or add_zero_attn:
            raise NotImplementedError("MultiheadAttention: add_bias_kv and add_zero_attn are not supported")
        dtype = dtypes.to_dtype(dtype) or dtypes.get_default_dtype()
        self.embed_dim, self.num_heads, self.dropout, self.batch_first = embed_dim, num_heads, dropout, batch_first
        self.kdim = kdim if kdim is not None else embed_dim
        self.vdim = vdim if vdim is not None else embed_dim
        self._qkv_same_embed_dim = self.kdim == embed_dim and self.vdim == embed_dim
        self.head_dim = embed_dim // num_heads
        if self._qkv_same_embed_dim:
            self.in_proj_weight = Parameter(empty((3 * embed_dim, embed_dim), dtype=dtype))
            for name in ("q_proj_weight", "k_proj_weight", "v_proj_weight"):
                self.register_parameter(name, None)
        else:
            self.q_proj_weight = Parameter(empty((embed_dim, embed_dim), dtype=dtype))
            self.k_proj_weight = Parameter(empty((embed_dim, self.kdim), dtype=dtype))
            self.v_proj_weight = Parameter(empty((embed_dim, self.vdim), dtype=dtype))
            self.register_parameter("in_proj_weight", None)
        if bias:
            self.in_proj_bias = Parameter(empty(3 * embed_dim, dtype=dtype))
        else:
            self.register_parameter("in_proj_bias", None)
        self.out_proj = NonDynamicallyQuantizableLinear(embed_dim, embed_dim, bias=bias, dtype=dtype)
        self.bias_k = self.bias_v = None
        self.add_zero_attn = False
        self._reset_parameters()

    def _reset_parameters(self):
        if self._qkv_same_embed_dim:
            init.xavier_uniform_(self.in_proj_weight)
        else:
            init.xavier_uniform_(self.q_proj_weight)
            init.xavier_uniform_(self.k_proj_weight)
            init.xavier_uniform_(self.v_proj_weight)
        if self.in_proj_bias is not None:
            init.constant_(self.in_proj_bias, 0.0)
            init.constant_(self.out_proj.bias, 0.0)

    def _project(self, query, key, value):
        E = self.embed_dim
        b = self.in_proj_bias
        bq, bk, bv = (None, None, None) if b is None else (b[:E], b[E:2 * E], b[2 * E:])
        if self._qkv_same_embed_dim:
            if query is key and key is value:  # self-attention: one product for q, k and v
                return F.linear(query, self.in_proj_weight, b).chunk(3, dim=-1)
            w = self.in_proj_weight
            wq, wk, wv = w[:E], w[E:2 * E], w[2 * E:]
        else:
            wq, wk, wv = self.q_proj_weight, self.k_proj_weight, self.v_proj_weight
        return F.linear(query, wq, bq), F.linear(key, wk, bk), F.linear(value, wv, bv)

    def forward(self, query, key, value, key_padding_mask=None, need_weights=True, attn_mask=None,
                average_attn_weights=True, is_causal=False):
        unbatched = query.ndim == 2
        if unbatched:
            query, key, value = query.unsqueeze(1), key.unsqueeze(1), value.unsqueeze(1)
            if key_padding_mask is not None:
                key_padding_mask = _as_tensor(key_padding_mask).unsqueeze(0)
        elif self.batch_first:  # work in (L, N, E) as PyTorch does, keeping `query is key is value` true
            same_qk, same_kv = query is key, key is value
            query = query.transpose(0, 1)
            key = query if same_qk else key.transpose(0, 1)
            value = key if same_kv else value.transpose(0, 1)
        L, N, E = query.shape
        S = key.shape[0]
        if E != self.embed_dim:
            raise AssertionError(f"MultiheadAttention: was expecting embedding dimension of {self.embed_dim}, but got "
                                 f"{E} (query shape {tuple(query.shape)})")
        h, d = self.num_heads, self.head_dim
        q, k, v = self._project(query, key, value)
        q, k, v = (x.reshape(x.shape[0], N, h, d).permute(1, 2, 0, 3) for x in (q, k, v))  # (N, h, len, d)
        attn_mask, key_padding_mask = _as_tensor(attn_mask), _as_tensor(key_padding_mask)
        causal = is_causal and key_padding_mask is None and not need_weights
        if is_causal and attn_mask is None:
            causal = True  # PyTorch insists on the mask with the hint; without one, the hint is the mask
        if causal and key_padding_mask is not None:
            attn_mask = Tensor._wrap(~np.tril(np.ones((L, S), dtype=np.bool_)))
            causal = False
        mask = None if causal else merge_masks(attn_mask, key_padding_mask, N, h, L, S, q.dtype)
        p = self.dropout if self.training else 0.0
        if need_weights:
            weights = attention_weights(q, k, mask, 1.0 / d ** 0.5, causal)
            out = (F.dropout(weights, p) if p > 0 else weights) @ v
        else:
            weights = None
            out = F.scaled_dot_product_attention(q, k, v, attn_mask=mask, dropout_p=p, is_causal=causal)
        out = self.out_proj(out.permute(2, 0, 1, 3).reshape(L, N, E))
        if weights is not None and average_attn_weights:
            weights = weights.mean(dim=1)
        if unbatched:
            return out.squeeze(1), (None if weights is None else weights.squeeze(0))
        if self.batch_first:
            out = out.transpose(0, 1)
        return out, weights
