"""Recurrent layers RNN, LSTM, GRU and their cells, with PyTorch's arguments, parameter names, shapes, gate orders
(LSTM i, f, g, o; GRU r, z, n) and initialisation U(-1/sqrt(hidden_size), 1/sqrt(hidden_size)), so PyTorch's
state dicts load and give the same outputs.

Input (T, B, input_size), or (B, T, input_size) with batch_first, or unbatched (T, input_size), or a
PackedSequence for variable lengths (each sequence stops at its own length; see nn.utils.rnn). LSTM and GRU run
each layer and direction in a fused C++ kernel; RNN runs one NumPy Function per layer and direction.
"""
import math
import numbers
import warnings

from .. import dtypes
from ..ops import rnn as ops
from ..ops import shape as sh
from ..tensor import Tensor, _check_device, empty, zeros
from . import functional as F
from . import init
from .module import Module
from .parameter import Parameter
from .utils.rnn import PackedSequence, _ints, _pack, pad_packed_sequence

_GATES = {"LSTM": 4, "GRU": 3, "RNN_TANH": 1, "RNN_RELU": 1}


class RNNBase(Module):
    def __init__(self, mode, input_size, hidden_size, num_layers=1, bias=True, batch_first=False, dropout=0.0,
                 bidirectional=False, proj_size=0, device=None, dtype=None):
        super().__init__()
        _check_device(device)
        dtype = dtypes.to_dtype(dtype) or dtypes.get_default_dtype()
        if not isinstance(dropout, numbers.Number) or not 0 <= dropout <= 1 or isinstance(dropout, bool):
            raise ValueError("dropout should be a number in range [0, 1] representing the probability of an "
                             "element being zeroed")
        if dropout > 0 and num_layers == 1:
            warnings.warn("dropout option adds dropout after all but last recurrent layer, so non-zero dropout "
                          f"expects num_layers greater than 1, but got dropout={dropout} and num_layers={num_layers}",
                          UserWarning, stacklevel=3)
        if not isinstance(hidden_size, int) or hidden_size <= 0:
            raise ValueError(f"hidden_size must be a positive integer, got {hidden_size!r}")
        if not isinstance(num_layers, int) or num_layers <= 0:
            raise ValueError(f"num_layers must be a positive integer, got {num_layers!r}")
        if proj_size != 0:
            raise NotImplementedError("LSTM: proj_size is not supported by deepgrad")
        self.mode, self.input_size, self.hidden_size = mode, input_size, hidden_size
        self.num_layers, self.bias, self.batch_first = num_layers, bias, batch_first
        self.dropout, self.bidirectional, self.proj_size = float(dropout), bidirectional, proj_size
        gate_size = _GATES[mode] * hidden_size
        directions = 2 if bidirectional else 1
        self._flat_weights_names = []
        self._all_weights = []
        for layer in range(num_layers):
            for direction in range(directions):
                layer_input = input_size if layer == 0 else hidden_size * directions
                suffix = "_reverse" if direction == 1 else ""
                shapes = [("weight_ih", (gate_size, layer_input)), ("weight_hh", (gate_size, hidden_size))]
                if bias:
                    shapes += [("bias_ih", (gate_size,)), ("bias_hh", (gate_size,))]
                names = []
                for kind, shape in shapes:
                    name = f"{kind}_l{layer}{suffix}"
                    setattr(self, name, Parameter(empty(shape, dtype=dtype)))
                    names.append(name)
                self._flat_weights_names.extend(names)
                self._all_weights.append(names)
        self.reset_parameters()

    def reset_parameters(self):
        stdv = 1.0 / math.sqrt(self.hidden_size)
        for weight in self.parameters():
            init.uniform_(weight, -stdv, stdv)

    @property
    def all_weights(self):
        return [[getattr(self, name) for name in names] for names in self._all_weights]

    def _layer_weights(self, layer, direction):
        return [getattr(self, n) for n in self._all_weights[layer * (2 if self.bidirectional else 1) + direction]]

    def _state_shape(self, batch):
        return ((2 if self.bidirectional else 1) * self.num_layers, batch, self.hidden_size)

    def _check_state(self, h, batch, what="hidden"):
        expected = self._state_shape(batch)
        if tuple(h.shape) != expected:
            raise RuntimeError(f"{type(self).__name__}: Expected {what} size {expected}, got {tuple(h.shape)}")

    def forward(self, input, hx=None):
        packed = isinstance(input, PackedSequence)
        lengths = None
        if packed:
            sorted_indices = input.sorted_indices
            input, lengths = pad_packed_sequence(input)
            lengths = _ints(lengths)
            batched = True
        else:
            if input.ndim not in (2, 3):
                raise ValueError(f"{type(self).__name__}: Expected input to be 2D or 3D, got {input.ndim}D tensor")
            batched = input.ndim == 3
            if not batched:
                input = input.unsqueeze(1)
            elif self.batch_first:
                input = input.transpose(0, 1)
        if input.shape[-1] != self.input_size:
            raise RuntimeError(f"{type(self).__name__}: input.size(-1) must be equal to input_size. Expected "
                               f"{self.input_size}, got {input.shape[-1]} (input shape {tuple(input.shape)})")
        states = None if hx is None else (tuple(hx) if self.mode == "LSTM" else (hx,))
        if states is not None and not batched:
            states = tuple(s.unsqueeze(1) for s in states)
        if states is not None:
            for s, what in zip(states, ("hidden", "cell")):
                self._check_state(s, input.shape[1], what)
        output, finals = self._run(input, states, lengths)
        if packed:
            output = _pack(output, lengths, sorted_indices)
        elif not batched:
            output = output.squeeze(1)
            finals = [f.squeeze(1) for f in finals]
        elif self.batch_first:
            output = output.transpose(0, 1)
        return output, (tuple(finals) if self.mode == "LSTM" else finals[0])

    def _run(self, x, states, lengths):
        """x (T, B, I) time-major -> (output (T, B, D*H), [h_n] or [h_n, c_n] each (L*D, B, H))."""
        directions = 2 if self.bidirectional else 1
        if states is None and self.mode not in ("LSTM", "GRU"):  # the fused layers start from zeros themselves
            states = (zeros(self._state_shape(x.shape[1]), dtype=x.dtype),)
        finals = [[] for _ in range(2 if self.mode == "LSTM" else 1)]
        for layer in range(self.num_layers):
            outs = []
            for d in range(directions):
                k = layer * directions + d
                weights = self._layer_weights(layer, d)
                if self.mode == "LSTM":
                    h0, c0 = (None, None) if states is None else (states[0][k], states[1][k])
                    y, h, c = ops.lstm_layer(x, *weights, h0=h0, c0=c0, lengths=lengths, reverse=d == 1)
                    finals[1].append(c)
                else:
                    h0 = None if states is None else states[0][k]
                    y, h = ops.recurrent_layer(self.mode, x, h0, *weights, lengths=lengths, reverse=d == 1)
                finals[0].append(h)
                outs.append(y)
            x = outs[0] if directions == 1 else sh.cat(outs, -1)
            if self.dropout and self.training and layer < self.num_layers - 1:
                x = F.dropout(x, self.dropout, True)
        # one layer and direction: a view of the final state (stack would copy it through two more ops)
        return x, [sh.unsqueeze(f[0], 0) if len(f) == 1 else sh.stack(f, 0) for f in finals]

    def extra_repr(self):
        s = f"{self.input_size}, {self.hidden_size}"
        if self.mode == "RNN_RELU":
            s += ", nonlinearity='relu'"
        if self.num_layers != 1:
            s += f", num_layers={self.num_layers}"
        if self.bias is not True:
            s += f", bias={self.bias}"
        if self.batch_first is not False:
            s += f", batch_first={self.batch_first}"
        if self.dropout != 0:
            s += f", dropout={self.dropout}"
        if self.bidirectional is not False:
            s += f", bidirectional={self.bidirectional}"
        return s


class RNN(RNNBase):
    """Elman RNN: h_t = tanh(x_t W_ih^T + b_ih + h_{t-1} W_hh^T + b_hh) (nonlinearity='tanh' or 'relu')."""

    def __init__(self, *args, nonlinearity="tanh", **kwargs):
        if len(args) > 3:  # PyTorch's positional order: input_size, hidden_size, num_layers, nonlinearity, ...
            nonlinearity, args = args[3], args[:3] + args[4:]
        if nonlinearity not in ("tanh", "relu"):
            raise ValueError(f"Unknown nonlinearity '{nonlinearity}'. Select from 'tanh' or 'relu'.")
        super().__init__("RNN_TANH" if nonlinearity == "tanh" else "RNN_RELU", *args, **kwargs)
        self.nonlinearity = nonlinearity


class LSTM(RNNBase):
    """LSTM (gates i, f, g, o): returns (output, (h_n, c_n)); see ops/rnn.py and csrc/include/deepgrad/lstm.h."""

    def __init__(self, *args, **kwargs):
        super().__init__("LSTM", *args, **kwargs)


class GRU(RNNBase):
    """GRU (gates r, z, n): n = tanh(W_in x + b_in + r * (W_hn h + b_hn)), h' = (1 - z) * n + z * h."""

    def __init__(self, *args, **kwargs):
        super().__init__("GRU", *args, **kwargs)


class RNNCellBase(Module):
    def __init__(self, input_size, hidden_size, bias, num_chunks, device=None, dtype=None):
        super().__init__()
        _check_device(device)
        dtype = dtypes.to_dtype(dtype) or dtypes.get_default_dtype()
        self.input_size, self.hidden_size, self.bias = input_size, hidden_size, bias
        self.weight_ih = Parameter(empty((num_chunks * hidden_size, input_size), dtype=dtype))
        self.weight_hh = Parameter(empty((num_chunks * hidden_size, hidden_size), dtype=dtype))
        if bias:
            self.bias_ih = Parameter(empty(num_chunks * hidden_size, dtype=dtype))
            self.bias_hh = Parameter(empty(num_chunks * hidden_size, dtype=dtype))
        else:
            self.register_parameter("bias_ih", None)
            self.register_parameter("bias_hh", None)
        self.reset_parameters()

    def reset_parameters(self):
        stdv = 1.0 / math.sqrt(self.hidden_size) if self.hidden_size > 0 else 0
        for weight in self.parameters():
            init.uniform_(weight, -stdv, stdv)

    def _prepare(self, input, hx):
        """(input as (1, B, I), hx list as (B, H) each or None, batched)."""
        if input.ndim not in (1, 2):
            raise ValueError(f"{type(self).__name__}: Expected input to be 1D or 2D, got {input.ndim}D instead")
        if input.shape[-1] != self.input_size:
            raise RuntimeError(f"{type(self).__name__}: input has inconsistent input_size: got {input.shape[-1]} "
                               f"expected {self.input_size}")
        batched = input.ndim == 2
        x = input if batched else input.unsqueeze(0)
        if hx is not None:
            hx = [h if batched else h.unsqueeze(0) for h in hx]
            for h in hx:
                if tuple(h.shape) != (x.shape[0], self.hidden_size):
                    raise RuntimeError(f"{type(self).__name__}: hidden state has shape {tuple(h.shape)}, expected "
                                       f"{(x.shape[0], self.hidden_size)}")
        return x.unsqueeze(0), hx, batched

    def _weights(self):
        w = [self.weight_ih, self.weight_hh]
        return w + [self.bias_ih, self.bias_hh] if self.bias else w

    def extra_repr(self):
        s = f"{self.input_size}, {self.hidden_size}"
        if self.bias is not True:
            s += f", bias={self.bias}"
        if getattr(self, "nonlinearity", "tanh") != "tanh":
            s += f", nonlinearity={self.nonlinearity}"
        return s


class _SimpleCell(RNNCellBase):
    mode = None

    def forward(self, input, hx=None):
        x, hx, batched = self._prepare(input, None if hx is None else [hx])
        h0 = hx[0] if hx is not None else zeros((x.shape[1], self.hidden_size), dtype=x.dtype)
        _, h = ops.recurrent_layer(self.mode, x, h0, *self._weights())
        return h if batched else h.squeeze(0)


class RNNCell(_SimpleCell):
    """h' = tanh(x W_ih^T + b_ih + h W_hh^T + b_hh) (or relu)."""

    def __init__(self, input_size, hidden_size, bias=True, nonlinearity="tanh", device=None, dtype=None):
        if nonlinearity not in ("tanh", "relu"):
            raise ValueError(f"Unknown nonlinearity: {nonlinearity}")
        super().__init__(input_size, hidden_size, bias, 1, device, dtype)
        self.nonlinearity = nonlinearity
        self.mode = "RNN_TANH" if nonlinearity == "tanh" else "RNN_RELU"


class GRUCell(_SimpleCell):
    """One GRU step (gates r, z, n), PyTorch's equations."""

    mode = "GRU"

    def __init__(self, input_size, hidden_size, bias=True, device=None, dtype=None):
        super().__init__(input_size, hidden_size, bias, 3, device, dtype)


class LSTMCell(RNNCellBase):
    """One LSTM step (gates i, f, g, o): returns (h', c')."""

    def __init__(self, input_size, hidden_size, bias=True, device=None, dtype=None):
        super().__init__(input_size, hidden_size, bias, 4, device, dtype)

    def forward(self, input, hx=None):
        x, hx, batched = self._prepare(input, None if hx is None else list(hx))
        h0, c0 = (None, None) if hx is None else hx
        _, h, c = ops.lstm_layer(x, *self._weights(), h0=h0, c0=c0)
        return (h, c) if batched else (h.squeeze(0), c.squeeze(0))
