"""Scaled dot-product attention: the fused kernel against its naive twin and a NumPy reference, PyTorch's mask
semantics, gradcheck with every mask kind."""
import math

import numpy as np
import pytest

import deepgrad as dg
from deepgrad import _C
from deepgrad.nn import functional as F
from deepgrad.ops.attention import mask_layout


def ref_attention(q, k, v, mask=None, causal=False, scale=None):
    """softmax(q k^T scale + mask) v in NumPy (float64); rows with every key masked give 0, as PyTorch's CPU."""
    scale = 1 / math.sqrt(q.shape[-1]) if scale is None else scale
    s = q @ np.swapaxes(k, -1, -2) * scale
    if causal:
        mask = np.tril(np.ones(s.shape[-2:], dtype=bool))
    if mask is not None:
        s = np.where(mask, s, -np.inf) if mask.dtype == bool else s + mask
    m = s.max(axis=-1, keepdims=True)
    dead = np.isneginf(m)
    p = np.exp(s - np.where(dead, 0, m))
    with np.errstate(invalid="ignore"):
        p = np.where(dead, 0, p / p.sum(axis=-1, keepdims=True))
    return p @ v


def _rand(rng, *shape, dtype=np.float64):
    return rng.standard_normal(shape).astype(dtype)


# (BH, L, S, E, Ev): one query, odd sizes, S != L both ways, several tiles (64 query rows, 256 keys per tile)
SHAPES = [(1, 1, 1, 4, 4), (2, 7, 7, 13, 5), (3, 1, 9, 8, 8), (2, 70, 300, 16, 8), (1, 300, 70, 13, 7),
          (1, 130, 520, 8, 3)]


def _kernel_masks(rng, BH, L, S):
    allow = rng.random((BH, L, S)) > 0.4
    allow[0, 0] = False  # a query with every key masked
    allow[:, :, :64] &= True
    add = rng.standard_normal((1, L, S))
    add[0, -1, : S // 2] = -np.inf  # a partly masked tile row
    return {"none": {}, "causal": {"causal": True}, "bool": ("allow", allow), "float": ("add", add)}


@pytest.mark.parametrize("shape", SHAPES, ids=[str(s) for s in SHAPES])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_fused_kernel_matches_naive_twin(shape, dtype):
    BH, L, S, E, Ev = shape
    rng = np.random.default_rng(0)
    q, k, v, dout = _rand(rng, BH, L, E, dtype=dtype), _rand(rng, BH, S, E, dtype=dtype), \
        _rand(rng, BH, S, Ev, dtype=dtype), _rand(rng, BH, L, Ev, dtype=dtype)
    tol = dict(rtol=1e-4, atol=1e-5) if dtype == np.float32 else dict(rtol=1e-10, atol=1e-12)
    for name, spec in _kernel_masks(rng, BH, L, S).items():
        kw = dict(scale=0.3)
        if isinstance(spec, tuple):
            key, m = spec
            flat, offsets, row_stride = mask_layout(m.astype(dtype) if key == "add" else m, (BH,), L, S)
            kw.update({key: flat, "offsets": offsets, "row_stride": row_stride})
        else:
            kw.update(spec)
        outs = []
        for naive in (False, True):
            out, lse = np.empty((BH, L, Ev), dtype), np.empty((BH, L), dtype)
            grads = [np.empty_like(x) for x in (q, k, v)]
            (_C.attention_forward_naive if naive else _C.attention_forward)(out, lse, q, k, v, **kw)
            (_C.attention_backward_naive if naive else _C.attention_backward)(*grads, dout, q, k, v, out, lse, **kw)
            outs.append([out, lse] + grads)
        for a, b, what in zip(*outs, ["out", "lse", "dq", "dk", "dv"]):
            np.testing.assert_allclose(a, b, err_msg=f"{name} {what}", **tol)


def test_portable_softmax_path_matches_avx2():
    rng = np.random.default_rng(8)
    q, k, v = _rand(rng, 3, 70, 8, dtype=np.float32), _rand(rng, 3, 300, 8, dtype=np.float32), \
        _rand(rng, 3, 300, 5, dtype=np.float32)
    results = {}
    level = _C.simd_level()
    try:
        for name in ("portable", level):
            _C._set_simd_level(name)
            out, lse = np.empty((3, 70, 5), np.float32), np.empty((3, 70), np.float32)
            _C.attention_forward(out, lse, q, k, v, scale=0.4, causal=True)
            results[name] = out
    finally:
        _C._set_simd_level(level)
    np.testing.assert_allclose(results["portable"], results[level], rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(results["portable"], ref_attention(q.astype(np.float64), k, v, causal=True, scale=0.4),
                               rtol=1e-4, atol=1e-5)


@pytest.mark.parametrize("causal,mask_kind", [(True, None), (False, None), (False, "bool"), (False, "float"),
                                              (False, "bool_broadcast")])
def test_forward_matches_numpy_reference(causal, mask_kind):
    rng = np.random.default_rng(1)
    q, k, v = _rand(rng, 2, 3, 9, 6), _rand(rng, 2, 3, 11, 6), _rand(rng, 2, 3, 11, 5)
    mask = {None: None, "bool": rng.random((2, 3, 9, 11)) > 0.5, "float": _rand(rng, 9, 11),
            "bool_broadcast": rng.random((2, 1, 1, 11)) > 0.3}[mask_kind]
    out = F.scaled_dot_product_attention(dg.tensor(q), dg.tensor(k), dg.tensor(v),
                                         attn_mask=None if mask is None else dg.tensor(mask), is_causal=causal)
    np.testing.assert_allclose(out.numpy(), ref_attention(q, k, v, mask, causal), rtol=1e-10, atol=1e-12)


def test_causal_mask_is_top_left_aligned_when_lengths_differ():
    rng = np.random.default_rng(2)
    for L, S in ((3, 7), (7, 3)):
        q, k, v = _rand(rng, 1, L, 4), _rand(rng, 1, S, 4), _rand(rng, 1, S, 4)
        out = F.scaled_dot_product_attention(dg.tensor(q), dg.tensor(k), dg.tensor(v), is_causal=True)
        expected = ref_attention(q, k, v, np.tril(np.ones((L, S), dtype=bool)))  # torch.ones(L, S).tril(0)
        np.testing.assert_allclose(out.numpy(), expected, rtol=1e-10, atol=1e-12)


def test_fully_masked_row_gives_zeros_and_zero_gradient():
    rng = np.random.default_rng(3)
    q, k, v = (dg.tensor(_rand(rng, 2, 3, 4), requires_grad=True) for _ in range(3))
    for mask in (np.array([[True, True, False], [False, False, False], [True, False, True]]),
                 np.array([[0, 0, -np.inf], [-np.inf] * 3, [0, -np.inf, 0]])):
        out = F.scaled_dot_product_attention(q, k, v, attn_mask=dg.tensor(mask))
        assert np.all(out.detach().numpy()[:, 1] == 0)
        q.grad = None
        out.sum().backward()
        assert np.all(q.grad.numpy()[:, 1] == 0) and np.isfinite(k.grad.numpy()).all()


def test_scale_leading_dims_and_broadcast_batch():
    rng = np.random.default_rng(4)
    q, k, v = _rand(rng, 2, 2, 3, 5, 4), _rand(rng, 1, 2, 3, 6, 4), _rand(rng, 6, 4)
    out = F.scaled_dot_product_attention(dg.tensor(q), dg.tensor(k), dg.tensor(v), scale=0.7)
    np.testing.assert_allclose(out.numpy(), ref_attention(q, k, v, scale=0.7), rtol=1e-10, atol=1e-12)
    q2 = _rand(rng, 5, 4)  # 2-D inputs: no batch at all
    np.testing.assert_allclose(F.scaled_dot_product_attention(dg.tensor(q2), dg.tensor(q2), dg.tensor(q2)).numpy(),
                               ref_attention(q2, q2, q2), rtol=1e-10, atol=1e-12)


MASK_KINDS = ["none", "causal", "causal_long_keys", "bool", "float", "float_requires_grad"]


@pytest.mark.parametrize("kind", MASK_KINDS)
def test_gradcheck_every_mask_kind(kind):
    rng = np.random.default_rng(5)
    L, S = (4, 6) if kind == "causal_long_keys" else (5, 5)
    q, k, v = (dg.tensor(_rand(rng, *s), requires_grad=True) for s in ((2, 2, L, 3), (2, 2, S, 3), (2, 2, S, 4)))
    inputs, kw = [q, k, v], {}
    if kind.startswith("causal"):
        kw["is_causal"] = True
    elif kind == "bool":
        m = rng.random((2, 1, L, S)) > 0.4
        m[..., 0] = True
        kw["attn_mask"] = dg.tensor(m)
    elif kind == "float":
        kw["attn_mask"] = dg.tensor(_rand(rng, L, S))
    if kind == "float_requires_grad":  # the composite path, differentiable in the mask too
        inputs.append(dg.tensor(_rand(rng, L, S), requires_grad=True))
        assert dg.autograd.gradcheck(lambda q, k, v, m: F.scaled_dot_product_attention(q, k, v, attn_mask=m), inputs)
    else:
        assert dg.autograd.gradcheck(lambda q, k, v: F.scaled_dot_product_attention(q, k, v, **kw), inputs)


def test_gqa_repeats_key_value_heads():
    rng = np.random.default_rng(6)
    q, k, v = _rand(rng, 1, 4, 3, 2), _rand(rng, 1, 2, 3, 2), _rand(rng, 1, 2, 3, 2)
    out = F.scaled_dot_product_attention(dg.tensor(q), dg.tensor(k), dg.tensor(v), enable_gqa=True)
    expected = ref_attention(q, np.repeat(k, 2, axis=1), np.repeat(v, 2, axis=1))
    np.testing.assert_allclose(out.numpy(), expected, rtol=1e-10, atol=1e-12)


def test_dropout_path_keeps_expectation_and_zero_dropout_in_eval():
    rng = np.random.default_rng(7)
    q, k, v = _rand(rng, 1, 4, 3), _rand(rng, 1, 6, 3), np.ones((1, 6, 2))
    dg.manual_seed(0)
    outs = [F.scaled_dot_product_attention(dg.tensor(q), dg.tensor(k), dg.tensor(v), dropout_p=0.5).numpy()
            for _ in range(400)]
    # v is all ones, so each output entry is the sum of the kept, rescaled weights: mean 1
    assert abs(np.mean(outs) - 1.0) < 0.05 and np.std(outs) > 0.1


def test_errors_name_the_op_and_shapes():
    a = dg.zeros(2, 3, 4)
    with pytest.raises(RuntimeError, match="scaled_dot_product_attention: query has 4 features but key has 5"):
        F.scaled_dot_product_attention(a, dg.zeros(2, 3, 5), dg.zeros(2, 3, 5))
    with pytest.raises(RuntimeError, match="should not be set when is_causal"):
        F.scaled_dot_product_attention(a, a, a, attn_mask=dg.ones(3, 3, dtype=dg.bool), is_causal=True)
    with pytest.raises(RuntimeError, match="attn_mask of shape"):
        F.scaled_dot_product_attention(a, a, a, attn_mask=dg.ones(2, 3, dtype=dg.bool))
