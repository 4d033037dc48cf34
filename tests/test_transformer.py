"""MultiheadAttention and the transformer layers: PyTorch's parameter names, NumPy references, gradcheck;
positional encoding and multinomial sampling."""
import math

import numpy as np
import pytest

import deepgrad as dg
from deepgrad import nn

from test_layernorm import ref_layer_norm


def ref_mha(q, k, v, sd, h, attn_mask=None, key_padding_mask=None, prefix=""):
    """torch.nn.MultiheadAttention (batch_first) in NumPy from a state dict: (output (N, L, E), mean weights)."""
    E = q.shape[-1]
    w, b = sd[prefix + "in_proj_weight"], sd[prefix + "in_proj_bias"]
    proj = [x @ w[i * E:(i + 1) * E].T + b[i * E:(i + 1) * E] for i, x in enumerate((q, k, v))]
    N, L, S, d = q.shape[0], q.shape[1], k.shape[1], E // h
    qh, kh, vh = (p.reshape(N, -1, h, d).transpose(0, 2, 1, 3) for p in proj)
    allow = np.ones((N, 1, L, S), dtype=bool)
    if attn_mask is not None:
        allow = allow & ~attn_mask
    if key_padding_mask is not None:
        allow = allow & ~key_padding_mask[:, None, None, :]
    s = np.where(allow, qh @ kh.transpose(0, 1, 3, 2) / math.sqrt(d), -np.inf)
    p = np.exp(s - s.max(-1, keepdims=True))
    p /= p.sum(-1, keepdims=True)
    out = (p @ vh).transpose(0, 2, 1, 3).reshape(N, L, E)
    return out @ sd[prefix + "out_proj.weight"].T + sd[prefix + "out_proj.bias"], p.mean(axis=1)


def _state(module):
    return {k: v.detach().numpy() for k, v in module.state_dict().items()}


def test_state_dict_names_are_pytorchs():
    assert list(nn.MultiheadAttention(8, 2).state_dict()) == [
        "in_proj_weight", "in_proj_bias", "out_proj.weight", "out_proj.bias"]
    assert list(nn.MultiheadAttention(8, 2, kdim=3, vdim=5, bias=False).state_dict()) == [
        "q_proj_weight", "k_proj_weight", "v_proj_weight", "out_proj.weight"]
    attn = ["in_proj_weight", "in_proj_bias", "out_proj.weight", "out_proj.bias"]
    ff = ["linear1.weight", "linear1.bias", "linear2.weight", "linear2.bias"]
    enc = ["self_attn." + n for n in attn] + ff + ["norm1.weight", "norm1.bias", "norm2.weight", "norm2.bias"]
    assert list(nn.TransformerEncoderLayer(8, 2, 16).state_dict()) == enc
    dec = (["self_attn." + n for n in attn] + ["multihead_attn." + n for n in attn] + ff
           + [f"norm{i}.{p}" for i in (1, 2, 3) for p in ("weight", "bias")])
    assert list(nn.TransformerDecoderLayer(8, 2, 16).state_dict()) == dec
    names = list(nn.Transformer(8, 2, 2, 1, 16).state_dict())
    assert names == (["encoder.layers.%d.%s" % (i, n) for i in range(2) for n in enc] + ["encoder.norm.weight",
                     "encoder.norm.bias"] + ["decoder.layers.0." + n for n in dec] + ["decoder.norm.weight",
                                                                                       "decoder.norm.bias"])
    shapes = {k: tuple(v.shape) for k, v in nn.TransformerEncoderLayer(8, 2, 16, bias=False).state_dict().items()}
    assert shapes == {"self_attn.in_proj_weight": (24, 8), "self_attn.out_proj.weight": (8, 8),
                      "linear1.weight": (16, 8), "linear2.weight": (8, 16), "norm1.weight": (8,), "norm2.weight": (8,)}


@pytest.mark.parametrize("need_weights", [True, False])
@pytest.mark.parametrize("batch_first", [True, False])
def test_multihead_attention_matches_numpy(need_weights, batch_first):
    rng = np.random.default_rng(0)
    mha = nn.MultiheadAttention(12, 3, batch_first=batch_first, dtype=dg.float64)
    sd = {k: rng.standard_normal(v.shape) * 0.5 for k, v in _state(mha).items()}
    mha.load_state_dict(sd)
    q, kv = rng.standard_normal((2, 4, 12)), rng.standard_normal((2, 6, 12))
    kpm = np.zeros((2, 6), dtype=bool)
    kpm[1, 4:] = True
    am = np.triu(np.ones((4, 6), dtype=bool), 3)
    args = [q, kv, kv] if batch_first else [x.transpose(1, 0, 2) for x in (q, kv, kv)]
    args = [dg.tensor(a) for a in args]
    args[2] = args[1]
    out, weights = mha(*args, key_padding_mask=dg.tensor(kpm), attn_mask=dg.tensor(am), need_weights=need_weights)
    ref_out, ref_w = ref_mha(q, kv, kv, sd, 3, am, kpm)
    out = out.detach().numpy() if batch_first else out.detach().numpy().transpose(1, 0, 2)
    np.testing.assert_allclose(out, ref_out, rtol=1e-10, atol=1e-10)
    if need_weights:
        np.testing.assert_allclose(weights.detach().numpy(), ref_w, rtol=1e-10, atol=1e-12)
    else:
        assert weights is None


def test_multihead_attention_per_head_weights_and_float_masks():
    rng = np.random.default_rng(1)
    mha = nn.MultiheadAttention(8, 2, dtype=dg.float64)
    x = dg.tensor(rng.standard_normal((5, 3, 8)))
    _, w = mha(x, x, x, average_attn_weights=False)
    assert tuple(w.shape) == (3, 2, 5, 5)
    np.testing.assert_allclose(w.detach().numpy().sum(-1), 1.0)
    bool_mask = np.triu(np.ones((5, 5), dtype=bool), 1)
    float_mask = np.where(bool_mask, -np.inf, 0.0)
    a = mha(x, x, x, attn_mask=dg.tensor(bool_mask))[0].detach().numpy()
    b = mha(x, x, x, attn_mask=dg.tensor(float_mask), need_weights=False)[0].detach().numpy()
    c = mha(x, x, x, attn_mask=dg.tensor(bool_mask), is_causal=True, need_weights=False)[0].detach().numpy()
    np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(a, c, rtol=1e-12, atol=1e-12)


def test_gradcheck_multihead_attention():
    rng = np.random.default_rng(2)
    mha = nn.MultiheadAttention(4, 2, kdim=3, vdim=5, batch_first=True, dtype=dg.float64)
    q = dg.tensor(rng.standard_normal((2, 3, 4)), requires_grad=True)
    k = dg.tensor(rng.standard_normal((2, 4, 3)), requires_grad=True)
    v = dg.tensor(rng.standard_normal((2, 4, 5)), requires_grad=True)
    kpm = dg.tensor(np.array([[False] * 4, [False, False, True, True]]))
    params = list(mha.parameters())
    assert dg.autograd.gradcheck(lambda q, k, v, *p: mha(q, k, v, key_padding_mask=kpm)[0], [q, k, v] + params)
    assert dg.autograd.gradcheck(lambda q, k, v, *p: mha(q, k, v, need_weights=False)[0], [q, k, v] + params)


@pytest.mark.parametrize("norm_first", [False, True])
def test_gradcheck_transformer_layers(norm_first):
    rng = np.random.default_rng(3)
    enc = nn.TransformerEncoderLayer(4, 2, 6, dropout=0.0, activation="gelu", norm_first=norm_first,
                                     batch_first=True, dtype=dg.float64)
    x = dg.tensor(rng.standard_normal((2, 3, 4)), requires_grad=True)
    mask = nn.Transformer.generate_square_subsequent_mask(3, dtype=dg.float64)
    assert dg.autograd.gradcheck(lambda x, *p: enc(x, src_mask=mask, is_causal=True), [x] + list(enc.parameters()))
    dec = nn.TransformerDecoderLayer(4, 2, 6, dropout=0.0, norm_first=norm_first, dtype=dg.float64)
    y = dg.tensor(rng.standard_normal((3, 2, 4)), requires_grad=True)
    mem = dg.tensor(rng.standard_normal((5, 2, 4)), requires_grad=True)
    assert dg.autograd.gradcheck(lambda y, m, *p: dec(y, m, tgt_mask=mask), [y, mem] + list(dec.parameters()))


def test_encoder_layer_matches_numpy_with_loaded_state_dict():
    """A state dict keyed by PyTorch's names (here random arrays) loads and gives the post-norm formula."""
    rng = np.random.default_rng(4)
    layer = nn.TransformerEncoderLayer(8, 2, 16, dropout=0.0, batch_first=True, dtype=dg.float64)
    sd = {k: rng.standard_normal(v.shape) * 0.4 for k, v in _state(layer).items()}
    layer.load_state_dict(sd)
    x = rng.standard_normal((2, 5, 8))
    kpm = np.zeros((2, 5), dtype=bool)
    kpm[0, -1] = True
    attn, _ = ref_mha(x, x, x, sd, 2, key_padding_mask=kpm, prefix="self_attn.")
    h = ref_layer_norm(x + attn, 1, sd["norm1.weight"], sd["norm1.bias"])
    ff = np.maximum(h @ sd["linear1.weight"].T + sd["linear1.bias"], 0) @ sd["linear2.weight"].T + sd["linear2.bias"]
    expected = ref_layer_norm(h + ff, 1, sd["norm2.weight"], sd["norm2.bias"])
    out = layer(dg.tensor(x), src_key_padding_mask=dg.tensor(kpm))
    np.testing.assert_allclose(out.detach().numpy(), expected, rtol=1e-10, atol=1e-10)


def test_transformer_shapes_and_square_subsequent_mask():
    m = nn.Transformer.generate_square_subsequent_mask(4).numpy()
    assert np.array_equal(m, np.triu(np.full((4, 4), -np.inf), 1)) and m.dtype == np.float32
    model = nn.Transformer(8, 2, 1, 1, 16, dropout=0.0)
    out = model(dg.randn(6, 3, 8), dg.randn(4, 3, 8), tgt_mask=nn.Transformer.generate_square_subsequent_mask(4))
    assert tuple(out.shape) == (4, 3, 8)
    encoder = nn.TransformerEncoder(nn.TransformerEncoderLayer(8, 2, 16), 3)
    assert len(encoder.layers) == 3 and encoder.layers[0].linear1.weight is not encoder.layers[1].linear1.weight


def test_positional_encoding_formula():
    pe = nn.PositionalEncoding(6, dropout=0.0, max_len=10)
    x = dg.zeros(4, 2, 6)
    out = pe(x).numpy()
    pos, i = 3, 2  # dims 2i and 2i + 1 of position 3
    angle = pos / 10000 ** (2 * i / 6)
    assert np.allclose(out[pos, :, 2 * i], math.sin(angle)) and np.allclose(out[pos, :, 2 * i + 1], math.cos(angle))
    bf = nn.PositionalEncoding(6, dropout=0.0, max_len=10, batch_first=True)(dg.zeros(2, 4, 6)).numpy()
    np.testing.assert_allclose(bf[1], out[:, 0], rtol=1e-6)
    assert "pe" in pe.state_dict()


def test_multinomial():
    g = dg.Generator().manual_seed(0)
    p = dg.tensor([0.1, 0.0, 0.6, 0.3])
    draws = dg.multinomial(p, 20000, replacement=True, generator=g).numpy()
    assert draws.dtype == np.int64 and (draws != 1).all()
    np.testing.assert_allclose(np.bincount(draws, minlength=4) / 20000, [0.1, 0, 0.6, 0.3], atol=0.015)
    rows = dg.multinomial(dg.tensor([[1.0, 2.0, 3.0, 4.0]] * 50), 4, generator=g).numpy()
    assert all(sorted(r) == [0, 1, 2, 3] for r in rows)  # without replacement: a permutation
    a = dg.multinomial(p, 5, True, generator=dg.Generator().manual_seed(7)).numpy()
    b = p.multinomial(5, True, generator=dg.Generator().manual_seed(7)).numpy()
    assert np.array_equal(a, b)
    with pytest.raises(RuntimeError, match="without replacement"):
        dg.multinomial(p, 5)
