"""nn.RNN / LSTM / GRU, their cells, Embedding and nn.utils.rnn: PyTorch's names and shapes, NumPy references of
PyTorch's equations, float64 gradcheck, variable lengths."""
import numpy as np
import pytest

import deepgrad as dg
from deepgrad import nn
from deepgrad.autograd import gradcheck
from deepgrad.nn.utils import rnn as U


def _sig(a):
    return 1 / (1 + np.exp(-a))


def _np_cell(mode, x, h, c, w_ih, w_hh, b_ih, b_hh):
    """PyTorch's documented equations, in NumPy."""
    gi, gh = x @ w_ih.T + b_ih, h @ w_hh.T + b_hh
    if mode == "LSTM":
        i, f, g, o = np.split(gi + gh, 4, axis=-1)
        c = _sig(f) * c + _sig(i) * np.tanh(g)
        return _sig(o) * np.tanh(c), c
    if mode == "GRU":
        ir, iz, in_ = np.split(gi, 3, axis=-1)
        hr, hz, hn = np.split(gh, 3, axis=-1)
        r, z = _sig(ir + hr), _sig(iz + hz)
        n = np.tanh(in_ + r * hn)
        return (1 - z) * n + z * h, c
    a = gi + gh
    return (np.tanh(a) if mode == "RNN_TANH" else np.maximum(a, 0)), c


def _np_rnn(module, x, h0, c0, lengths=None):
    """A multi-layer, bidirectional forward pass from the module's state dict; x (T, B, I) time-major."""
    sd = {k: v.numpy() for k, v in module.state_dict().items()}
    D = 2 if module.bidirectional else 1
    T, B = x.shape[:2]
    lengths = np.full(B, T) if lengths is None else np.asarray(lengths)
    hn, cn = [], []
    for layer in range(module.num_layers):
        outs = []
        for d in range(D):
            sfx = f"l{layer}" + ("_reverse" if d else "")
            w = [sd[f"{n}_{sfx}"] for n in ("weight_ih", "weight_hh", "bias_ih", "bias_hh")]
            k = layer * D + d
            y = np.zeros((T, B, module.hidden_size))
            for b in range(B):  # one sequence at a time, only its real steps
                h, c = h0[k, b], c0[k, b]
                steps = range(lengths[b] - 1, -1, -1) if d else range(lengths[b])
                for t in steps:
                    h, c = _np_cell(module.mode, x[t, b], h, c, *w)
                    y[t, b] = h
                hn.append(h), cn.append(c)
            outs.append(y)
        x = np.concatenate(outs, -1)
    B_ = x.shape[1]
    return x, np.array(hn).reshape(-1, B_, module.hidden_size), np.array(cn).reshape(-1, B_, module.hidden_size)


MODES = [(nn.LSTM, {}), (nn.GRU, {}), (nn.RNN, {}), (nn.RNN, {"nonlinearity": "relu"})]


@pytest.mark.parametrize("cls, kw", MODES)
def test_parameter_names_shapes_and_init_follow_pytorch(cls, kw):
    m = cls(3, 5, num_layers=2, bidirectional=True, **kw)
    gates = {nn.LSTM: 4, nn.GRU: 3, nn.RNN: 1}[cls] * 5
    expected = []
    for layer, in_size in ((0, 3), (1, 10)):
        for sfx in ("", "_reverse"):
            expected += [(f"weight_ih_l{layer}{sfx}", (gates, in_size)), (f"weight_hh_l{layer}{sfx}", (gates, 5)),
                         (f"bias_ih_l{layer}{sfx}", (gates,)), (f"bias_hh_l{layer}{sfx}", (gates,))]
    assert [(k, tuple(v.shape)) for k, v in m.state_dict().items()] == expected
    bound = 1 / np.sqrt(5)
    for p in m.parameters():
        assert np.abs(p.detach().numpy()).max() <= bound
    assert np.abs(m.weight_hh_l0.detach().numpy()).max() > 0.8 * bound
    assert [k for k, _ in cls(3, 5, bias=False, **kw).named_parameters()] == ["weight_ih_l0", "weight_hh_l0"]


@pytest.mark.parametrize("cls, kw", MODES)
@pytest.mark.parametrize("batch_first", [False, True])
def test_layers_match_numpy_reference(cls, kw, batch_first):
    rng = np.random.default_rng(1)
    m = cls(4, 6, num_layers=2, bidirectional=True, batch_first=batch_first, dtype=dg.float64, **kw)
    m.load_state_dict({k: rng.standard_normal(v.shape) * 0.5 for k, v in m.state_dict().items()})
    x = rng.standard_normal((5, 3, 4))
    h0, c0 = rng.standard_normal((2, 4, 3, 6))
    xin = x.transpose(1, 0, 2) if batch_first else x
    state = (dg.tensor(h0), dg.tensor(c0)) if cls is nn.LSTM else dg.tensor(h0)
    out, hn = m(dg.tensor(xin), state)
    y, rh, rc = _np_rnn(m, x, h0, c0)
    np.testing.assert_allclose(out.detach().numpy(), y.transpose(1, 0, 2) if batch_first else y, atol=1e-12)
    if cls is nn.LSTM:
        hn, cn = hn
        np.testing.assert_allclose(cn.detach().numpy(), rc, atol=1e-12)
    np.testing.assert_allclose(hn.detach().numpy(), rh, atol=1e-12)


@pytest.mark.parametrize("cls, kw", MODES)
def test_packed_sequences_stop_at_each_length(cls, kw):
    rng = np.random.default_rng(2)
    m = cls(3, 4, num_layers=2, bidirectional=True, dtype=dg.float64, **kw)
    lengths = [2, 5, 1, 4]
    x = rng.standard_normal((5, 4, 3))
    packed = U.pack_padded_sequence(dg.tensor(x), lengths, enforce_sorted=False)
    out, hn = m(packed)
    padded, out_lengths = U.pad_packed_sequence(out)
    zeros = np.zeros((4, 4, 4))
    y, rh, rc = _np_rnn(m, x, zeros, zeros, lengths)
    np.testing.assert_allclose(padded.detach().numpy(), y, atol=1e-12)
    assert out_lengths.numpy().tolist() == lengths
    np.testing.assert_allclose((hn[0] if cls is nn.LSTM else hn).detach().numpy(), rh, atol=1e-12)


def _loss(outputs):
    flat = []
    for o in outputs:
        flat.extend(o if isinstance(o, tuple) else (o,))
    return [o * dg.tensor(np.linspace(-1, 1, o.numel()).reshape(o.shape)) for o in flat]


@pytest.mark.parametrize("cls, kw", MODES)
def test_layer_gradcheck(cls, kw):
    rng = np.random.default_rng(4)
    m = cls(2, 3, num_layers=2, bidirectional=True, dtype=dg.float64, **kw)
    x = dg.tensor(rng.standard_normal((3, 2, 2)), requires_grad=True)
    h0 = dg.tensor(rng.standard_normal((4, 2, 3)), requires_grad=True)
    c0 = dg.tensor(rng.standard_normal((4, 2, 3)), requires_grad=True)
    params = list(m.parameters())
    state = (h0, c0) if cls is nn.LSTM else h0
    inputs = [x, h0] + ([c0] if cls is nn.LSTM else []) + params

    def fn(*args):
        return _loss(m(x, state))

    assert gradcheck(fn, inputs)


@pytest.mark.parametrize("cls, kw", MODES[:3])
def test_lengths_gradcheck(cls, kw):
    rng = np.random.default_rng(5)
    m = cls(2, 3, bidirectional=True, dtype=dg.float64, **kw)
    x = dg.tensor(rng.standard_normal((4, 3, 2)), requires_grad=True)

    def fn(x, *params):
        out, _ = m(U.pack_padded_sequence(x, [4, 2, 3], enforce_sorted=False))
        return _loss(U.pad_packed_sequence(out))[:1]

    assert gradcheck(fn, [x] + list(m.parameters()))


@pytest.mark.parametrize("cls, mode", [(nn.LSTMCell, "LSTM"), (nn.GRUCell, "GRU"), (nn.RNNCell, "RNN_TANH")])
def test_cells_match_numpy_and_gradcheck(cls, mode):
    rng = np.random.default_rng(6)
    cell = cls(3, 4, dtype=dg.float64)
    x = dg.tensor(rng.standard_normal((2, 3)), requires_grad=True)
    h = dg.tensor(rng.standard_normal((2, 4)), requires_grad=True)
    c = dg.tensor(rng.standard_normal((2, 4)), requires_grad=True)
    state = (h, c) if mode == "LSTM" else h
    w = [p.detach().numpy() for p in (cell.weight_ih, cell.weight_hh, cell.bias_ih, cell.bias_hh)]
    rh, rc = _np_cell(mode, x.detach().numpy(), h.detach().numpy(), c.detach().numpy(), *w)
    out = cell(x, state)
    np.testing.assert_allclose((out[0] if mode == "LSTM" else out).detach().numpy(), rh, atol=1e-12)
    if mode == "LSTM":
        np.testing.assert_allclose(out[1].detach().numpy(), rc, atol=1e-12)
    inputs = [x, h] + ([c] if mode == "LSTM" else []) + list(cell.parameters())
    assert gradcheck(lambda *a: _loss(cell(x, state)), inputs)
    unbatched = cell(x[0])  # no state: zeros
    ref = _np_cell(mode, x.detach().numpy()[0], np.zeros(4), np.zeros(4), *w)[0]
    np.testing.assert_allclose((unbatched[0] if mode == "LSTM" else unbatched).detach().numpy(), ref, atol=1e-12)


def test_unbatched_input_and_errors():
    m = nn.GRU(3, 4)
    out, h = m(dg.randn(5, 3))
    assert out.shape == (5, 4) and h.shape == (1, 4)
    with pytest.raises(RuntimeError, match="input_size"):
        m(dg.randn(5, 2, 7))
    with pytest.raises(RuntimeError, match="Expected hidden size"):
        m(dg.randn(5, 2, 3), dg.zeros(1, 3, 4))
    with pytest.warns(UserWarning, match="dropout"):
        nn.LSTM(3, 4, dropout=0.5)


def test_dropout_between_layers_only_in_training():
    dg.manual_seed(0)
    m = nn.LSTM(3, 4, num_layers=2, dropout=0.5)
    x = dg.randn(4, 2, 3)
    a, b = m(x)[0].detach().numpy(), m(x)[0].detach().numpy()
    assert not np.allclose(a, b)
    m.eval()
    np.testing.assert_array_equal(m(x)[0].detach().numpy(), m(x)[0].detach().numpy())


def test_embedding_lookup_padding_and_gradient():
    dg.manual_seed(0)
    e = nn.Embedding(6, 3, padding_idx=-1)
    assert e.padding_idx == 5
    w = e.weight.detach().numpy()
    np.testing.assert_array_equal(w[5], 0)
    assert w[:5].std() > 0.5  # N(0, 1)
    idx = np.array([[0, 5, 2], [2, 2, 5]])
    out = e(dg.tensor(idx))
    np.testing.assert_array_equal(out.detach().numpy(), w[idx])
    out.sum().backward()
    np.testing.assert_array_equal(e.weight.grad.numpy()[:, 0], [1, 0, 3, 0, 0, 0])
    weight = dg.tensor(np.random.default_rng(0).standard_normal((4, 2)), requires_grad=True)
    assert gradcheck(lambda w: dg.nn.functional.embedding(dg.tensor(np.array([[1, 3], [1, 0]])), w),
                     [weight])
    with pytest.raises(IndexError, match="out of range"):
        e(dg.tensor(np.array([6])))


def test_pad_sequence_and_packing_layout():
    seqs = [dg.tensor(np.arange(n, dtype=np.float64) + 1) for n in (2, 3, 1)]
    padded = U.pad_sequence(seqs, batch_first=True, padding_value=-1)
    np.testing.assert_array_equal(padded.numpy(), [[1, 2, -1], [1, 2, 3], [1, -1, -1]])
    left = U.pad_sequence(seqs, batch_first=True, padding_side="left")
    np.testing.assert_array_equal(left.numpy(), [[0, 1, 2], [1, 2, 3], [0, 0, 1]])
    packed = U.pack_sequence(seqs, enforce_sorted=False)
    # PyTorch's layout: time-major, longest sequence first
    np.testing.assert_array_equal(packed.data.numpy(), [1, 1, 1, 2, 2, 3])
    np.testing.assert_array_equal(packed.batch_sizes.numpy(), [3, 2, 1])
    with pytest.raises(RuntimeError, match="sorted in decreasing order"):
        U.pack_sequence(seqs)
    back, lengths = U.pad_packed_sequence(packed, batch_first=True)
    np.testing.assert_array_equal(back.numpy(), padded.numpy() * (padded.numpy() > 0))
    assert lengths.numpy().tolist() == [2, 3, 1]


def ref_layer(mode, x, h0, w_ih, w_hh, b_ih, b_hh, reverse=False):
    """One layer and direction in NumPy (x (T, B, I) time-major): the outputs (T, B, H). For tests/op_table.py."""
    h, c = h0, np.zeros_like(h0)
    out = np.zeros(x.shape[:2] + (w_hh.shape[1],))
    for t in (range(x.shape[0] - 1, -1, -1) if reverse else range(x.shape[0])):
        h, c = _np_cell(mode, x[t], h, c, w_ih, w_hh, b_ih, b_hh)
        out[t] = h
    return out
