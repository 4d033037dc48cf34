"""Recurrent layers over time-major input (T, B, I), PyTorch's equations and gate orders: the fused C++ LSTM and GRU
layers (LSTMLayer, GRULayer), the RNN layer as one NumPy Function (RecurrentLayer), and the three cells composed of
primitive ops.

Variable lengths: `lengths` (B,) int64 makes sample b take only the steps t < lengths[b] (in either direction);
its outputs at the other steps are zero and its final state is the one after its last real step, as with
PyTorch's packed sequences.
"""
import numpy as np

from .. import _C
from ..autograd.function import Function
from . import elementwise as ew
from . import linalg as la
from . import shape as sh


class LSTMLayer(Function):
    """One LSTM layer and direction in one C++ call (forward) and one more (BPTT backward).

    Inputs: x (T, B, I), w_ih (4H, I), w_hh (4H, H), then b_ih, b_hh (4H,) when bias, then h0, c0 (B, H) when
    initial_state. Output: one array (T + 2, B, H) = [h_1 .. h_T (outputs), h_n, c_n], so that a single Function
    carries all three results; `lstm_layer` splits it.
    """

    def forward(self, x, w_ih, w_hh, *rest, bias=True, initial_state=False, lengths=None, reverse=False):
        b_ih, b_hh = rest[:2] if bias else (None, None)
        h0, c0 = (np.ascontiguousarray(rest[-2]), np.ascontiguousarray(rest[-1])) if initial_state else (None, None)
        x, w_ih, w_hh = (np.ascontiguousarray(a) for a in (x, w_ih, w_hh))
        steps, batch, _ = x.shape
        hidden = w_hh.shape[1]
        out = np.empty((steps + 2, batch, hidden), dtype=x.dtype)
        hs = out[:steps] if lengths is None else np.empty((steps, batch, hidden), dtype=x.dtype)
        cs = np.empty_like(hs)
        gates = np.empty((steps, batch, 4 * hidden), dtype=x.dtype)
        b = None if b_ih is None else np.ascontiguousarray(b_ih + b_hh)
        _C.lstm_forward(hs, cs, gates, x, w_ih, w_hh, b, h0, c0, lengths, reverse)
        last = 0 if reverse else steps - 1
        out[steps] = hs[last]
        out[steps + 1] = cs[last]
        if lengths is not None:
            self.mask = _mask(lengths, steps)
            np.multiply(hs, self.mask, out=out[:steps])
        self.options = (bias, initial_state, lengths, reverse)
        self.save_for_backward(x, w_ih, w_hh, h0, c0, gates, hs, cs)
        return out

    def backward(self, g):
        x, w_ih, w_hh, h0, c0, gates, hs, cs = self.saved_tensors
        bias, initial_state, lengths, reverse = self.options
        steps = x.shape[0]
        need = self.needs_input_grad
        dhs, dx, dw_ih, dw_hh = _layer_grads(self, g, x, w_ih, w_hh)
        db = np.empty(w_hh.shape[0], dtype=x.dtype) if bias and (need[3] or need[4]) else None
        dh0 = np.empty_like(h0) if initial_state and need[-2] else None
        dc0 = np.empty_like(c0) if initial_state and need[-1] else None
        _C.lstm_backward(dx, dw_ih, dw_hh, db, dh0, dc0, dhs, np.ascontiguousarray(g[steps]),
                         np.ascontiguousarray(g[steps + 1]), gates, hs, cs, x, w_ih, w_hh, h0, c0, lengths, reverse)
        grads = (dx, dw_ih, dw_hh)
        if bias:
            grads += (db, None if db is None else db.copy())
        if initial_state:
            grads += (dh0, dc0)
        return grads


class GRULayer(Function):
    """One GRU layer and direction in one C++ call (forward) and one more (BPTT backward).

    Inputs: x (T, B, I), w_ih (3H, I), w_hh (3H, H), then b_ih, b_hh (3H,) when bias, then h0 (B, H) when
    initial_state. Output: one array (T + 1, B, H) = [h_1 .. h_T (outputs), h_n]; `gru_layer` splits it.
    """

    def forward(self, x, w_ih, w_hh, *rest, bias=True, initial_state=False, lengths=None, reverse=False):
        b_ih, b_hh = (np.ascontiguousarray(rest[0]), np.ascontiguousarray(rest[1])) if bias else (None, None)
        h0 = np.ascontiguousarray(rest[-1]) if initial_state else None
        x, w_ih, w_hh = (np.ascontiguousarray(a) for a in (x, w_ih, w_hh))
        steps, batch, _ = x.shape
        hidden = w_hh.shape[1]
        out = np.empty((steps + 1, batch, hidden), dtype=x.dtype)
        hs = out[:steps] if lengths is None else np.empty((steps, batch, hidden), dtype=x.dtype)
        gates = np.empty((steps, batch, 3 * hidden), dtype=x.dtype)
        hn = np.empty((steps, batch, hidden), dtype=x.dtype)
        _C.gru_forward(hs, gates, hn, x, w_ih, w_hh, b_ih, b_hh, h0, lengths, reverse)
        out[steps] = hs[0 if reverse else steps - 1]
        if lengths is not None:
            self.mask = _mask(lengths, steps)
            np.multiply(hs, self.mask, out=out[:steps])
        self.options = (bias, initial_state, lengths, reverse)
        self.save_for_backward(x, w_ih, w_hh, h0, gates, hn, hs)
        return out

    def backward(self, g):
        x, w_ih, w_hh, h0, gates, hn, hs = self.saved_tensors
        bias, initial_state, lengths, reverse = self.options
        steps = x.shape[0]
        need = self.needs_input_grad
        dhs, dx, dw_ih, dw_hh = _layer_grads(self, g, x, w_ih, w_hh)
        db_ih = np.empty(w_hh.shape[0], dtype=x.dtype) if bias and need[3] else None
        db_hh = np.empty(w_hh.shape[0], dtype=x.dtype) if bias and need[4] else None
        dh0 = np.empty_like(h0) if initial_state and need[-1] else None
        _C.gru_backward(dx, dw_ih, dw_hh, db_ih, db_hh, dh0, dhs, np.ascontiguousarray(g[steps]),
                        gates, hn, hs, x, w_ih, w_hh, h0, lengths, reverse)
        grads = (dx, dw_ih, dw_hh)
        if bias:
            grads += (db_ih, db_hh)
        if initial_state:
            grads += (dh0,)
        return grads


def _layer_grads(fn, g, x, w_ih, w_hh):
    """For a fused layer's backward: the outputs' gradient (T, B, H) from g (zero past each length), then empty arrays
    for dx, dw_ih, dw_hh where fn needs them (None where not)."""
    steps, lengths = x.shape[0], fn.options[2]  # options: (bias, initial_state, lengths, reverse)
    dhs = g[:steps] if lengths is None else g[:steps] * fn.mask
    need = fn.needs_input_grad
    return (np.ascontiguousarray(dhs), np.empty_like(x) if need[0] else None, np.empty_like(w_ih) if need[1] else None,
            np.empty_like(w_hh) if need[2] else None)


def _lengths_array(lengths, batch, steps):
    if lengths is None:
        return None
    arr = np.ascontiguousarray(np.asarray(lengths._data if hasattr(lengths, "_data") else lengths, dtype=np.int64))
    if arr.shape != (batch,):
        raise RuntimeError(f"rnn: expected {batch} lengths (one per sequence), got shape {arr.shape}")
    if batch and (arr.min() < 0 or arr.max() > steps):
        raise RuntimeError(f"rnn: lengths must be in [0, {steps}], got values in [{arr.min()}, {arr.max()}]")
    return arr


def lstm_layer(x, w_ih, w_hh, b_ih=None, b_hh=None, h0=None, c0=None, lengths=None, reverse=False):
    """One LSTM layer and direction through the fused kernel: x (T, B, I) -> (output (T, B, H), h_n, c_n (B, H))."""
    steps, batch = x.shape[0], x.shape[1]
    bias = b_ih is not None
    initial = h0 is not None
    if initial != (c0 is not None):
        raise RuntimeError("lstm: pass both h0 and c0 or neither")
    inputs = (x, w_ih, w_hh) + ((b_ih, b_hh) if bias else ()) + ((h0, c0) if initial else ())
    out = LSTMLayer.apply(*inputs, bias=bias, initial_state=initial,
                          lengths=_lengths_array(lengths, batch, steps), reverse=reverse)
    return out[:steps], out[steps], out[steps + 1]


def gru_layer(x, w_ih, w_hh, b_ih=None, b_hh=None, h0=None, lengths=None, reverse=False):
    """One GRU layer and direction through the fused kernel: x (T, B, I) -> (output (T, B, H), h_n (B, H))."""
    steps, batch = x.shape[0], x.shape[1]
    bias = b_ih is not None
    inputs = (x, w_ih, w_hh) + ((b_ih, b_hh) if bias else ()) + ((h0,) if h0 is not None else ())
    out = GRULayer.apply(*inputs, bias=bias, initial_state=h0 is not None,
                         lengths=_lengths_array(lengths, batch, steps), reverse=reverse)
    return out[:steps], out[steps]


# ---- cells and layers composed of primitive ops ----


def rnn_tanh_cell(x, h, w_ih, w_hh, b_ih=None, b_hh=None):
    """h' = tanh(x W_ih^T + b_ih + h W_hh^T + b_hh)."""
    return ew.tanh(la.linear(x, w_ih, b_ih) + la.linear(h, w_hh, b_hh))


def rnn_relu_cell(x, h, w_ih, w_hh, b_ih=None, b_hh=None):
    """h' = relu(x W_ih^T + b_ih + h W_hh^T + b_hh)."""
    return ew.relu(la.linear(x, w_ih, b_ih) + la.linear(h, w_hh, b_hh))


def _lstm_gates(gi, gh, c):
    i, f, g, o = sh.chunk(gi + gh, 4, dim=-1)
    c = ew.sigmoid(f) * c + ew.sigmoid(i) * ew.tanh(g)
    return ew.sigmoid(o) * ew.tanh(c), c


def lstm_cell(x, h, c, w_ih, w_hh, b_ih=None, b_hh=None):
    """(h', c') of one LSTM step from primitive ops; gates i, f, g, o as in PyTorch (see lstm.h)."""
    return _lstm_gates(la.linear(x, w_ih, b_ih), la.linear(h, w_hh, b_hh), c)


def _gru_update(gi, gh, h):
    ir, iz, in_ = sh.chunk(gi, 3, dim=-1)
    hr, hz, hn = sh.chunk(gh, 3, dim=-1)
    r = ew.sigmoid(ir + hr)
    z = ew.sigmoid(iz + hz)
    n = ew.tanh(in_ + r * hn)
    return n + z * (h - n)  # (1 - z) * n + z * h


def gru_cell(x, h, w_ih, w_hh, b_ih=None, b_hh=None):
    """One GRU step, PyTorch's equations (gates r, z, n):
    r = sigmoid(W_ir x + b_ir + W_hr h + b_hr), z = sigmoid(W_iz x + b_iz + W_hz h + b_hz),
    n = tanh(W_in x + b_in + r * (W_hn h + b_hn)), h' = (1 - z) * n + z * h."""
    return _gru_update(la.linear(x, w_ih, b_ih), la.linear(h, w_hh, b_hh), h)


class RecurrentLayer(Function):
    """One RNN layer (tanh or relu) and direction as one Function: NumPy forward over the time loop, hand-written
    BPTT backward; the input projection of all steps is one matmul each way.

    Inputs: x (T, B, I), h0 (B, H), w_ih (H, I), w_hh (H, H), then b_ih, b_hh (H,) when bias. Output: one array
    (T + 1, B, H) = [h_1 .. h_T (outputs), h_n].
    """

    def forward(self, x, h0, w_ih, w_hh, *biases, mode="RNN_TANH", lengths=None, reverse=False):
        b_ih, b_hh = biases if biases else (None, None)
        steps, batch, _ = x.shape
        hidden = w_hh.shape[1]
        gi = la.matmul_arrays(np.ascontiguousarray(x).reshape(steps * batch, -1), np.ascontiguousarray(w_ih.T))
        gi = gi.reshape(steps, batch, -1)
        if b_ih is not None:
            gi += b_ih
        out = np.empty((steps + 1, batch, hidden), dtype=x.dtype)
        hs = np.empty((steps, batch, hidden), dtype=x.dtype)
        h = h0
        for s in range(steps):
            t = steps - 1 - s if reverse else s
            gh = h @ w_hh.T
            if b_hh is not None:
                gh += b_hh
            a = gi[t] + gh
            h_new = np.tanh(a) if mode == "RNN_TANH" else np.maximum(a, 0)
            h = h_new if lengths is None else np.where((t < lengths)[:, None], h_new, h)
            hs[t] = h
        out[:steps] = hs if lengths is None else hs * _mask(lengths, steps)
        out[steps] = h
        self.options = (mode, lengths, reverse)
        self.save_for_backward(x, h0, w_ih, w_hh, hs)
        return out

    def backward(self, g):
        x, h0, w_ih, w_hh, hs = self.saved_tensors
        mode, lengths, reverse = self.options
        steps, batch, _ = x.shape
        dy = g[:steps] if lengths is None else g[:steps] * _mask(lengths, steps)
        dh = g[steps].copy()
        dgi = np.zeros((steps, batch, w_ih.shape[0]), dtype=g.dtype)
        hprev = np.empty_like(hs)
        for s in range(steps - 1, -1, -1):
            t = steps - 1 - s if reverse else s
            h_prev = h0 if s == 0 else hs[t + 1 if reverse else t - 1]
            hprev[t] = h_prev
            dht = dh + dy[t]
            h = hs[t]
            da = dht * (1 - h * h) if mode == "RNN_TANH" else dht * (h > 0)
            if lengths is not None:
                live = (t < lengths)[:, None]
                da *= live
                dh = np.where(live, da @ w_hh, dht)
            else:
                dh = da @ w_hh
            dgi[t] = da
        need = self.needs_input_grad
        flat = dgi.reshape(steps * batch, -1)
        dx = (flat @ w_ih).reshape(x.shape) if need[0] else None
        dw_ih = la.matmul_arrays(np.ascontiguousarray(flat.T), np.ascontiguousarray(x).reshape(steps * batch, -1))
        dw_hh = la.matmul_arrays(np.ascontiguousarray(flat.T), hprev.reshape(steps * batch, -1))
        grads = (dx, dh if need[1] else None, dw_ih, dw_hh)
        if len(need) > 4:
            db = flat.sum(0)
            grads += (db, db.copy())
        return grads


def _mask(lengths, steps):
    return (np.arange(steps)[:, None] < lengths[None, :])[:, :, None]


def recurrent_layer(mode, x, h0, w_ih, w_hh, b_ih=None, b_hh=None, lengths=None, reverse=False):
    """An RNN ('RNN_TANH', 'RNN_RELU') or GRU layer and direction: x (T, B, I), h0 (B, H) or None (zeros) ->
    (output (T, B, H), h_n (B, H)). The GRU runs in the fused kernel (gru_layer)."""
    if mode == "GRU":
        return gru_layer(x, w_ih, w_hh, b_ih, b_hh, h0=h0, lengths=lengths, reverse=reverse)
    steps, batch = x.shape[0], x.shape[1]
    inputs = (x, h0, w_ih, w_hh) + ((b_ih, b_hh) if b_ih is not None else ())
    out = RecurrentLayer.apply(*inputs, mode=mode, lengths=_lengths_array(lengths, batch, steps), reverse=reverse)
    return out[:steps], out[steps]
