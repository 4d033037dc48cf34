"""Encoder-decoder with additive (Bahdanau) attention over all encoder states (Bahdanau, Cho & Bengio 2015).

Encoder: Embedding -> bidirectional LSTM over the source (variable lengths, packed), states h_1 .. h_S (2*H_enc).
Decoder: an LSTMCell; at step t it attends from its previous state s_{t-1} over h_1 .. h_S,
    e_tj = v^T tanh(W s_{t-1} + U h_j),   a_t = softmax_j(e_t) (padding masked),   c_t = sum_j a_tj h_j,
reads [embed(y_{t-1}); c_t], and predicts y_t from [s_t; c_t]. Training feeds the true y_{t-1} (teacher forcing);
`greedy_decode` feeds back its own argmax.
"""
import numpy as np

from .. import nn
from ..autograd.grad_mode import no_grad
from ..nn import functional as F
from ..nn.utils.rnn import pack_padded_sequence, pad_packed_sequence
from ..ops import shape as sh
from ..tensor import Tensor, tensor


class AdditiveAttention(nn.Module):
    """score(q, k_j) = v^T tanh(W q + U k_j); returns (context (B, key_size), weights (B, S)).

    query (B, query_size), keys (B, S, key_size), mask (B, S) bool, True where a key is padding (ignored).
    `project_keys(keys)` computes U k_j once for a whole decoding; pass it as `projected_keys` on every step.
    """

    def __init__(self, query_size, key_size, attention_size, device=None, dtype=None):
        super().__init__()
        self.query_proj = nn.Linear(query_size, attention_size, bias=False, device=device, dtype=dtype)
        self.key_proj = nn.Linear(key_size, attention_size, bias=True, device=device, dtype=dtype)
        self.v = nn.Linear(attention_size, 1, bias=False, device=device, dtype=dtype)

    def project_keys(self, keys):
        return self.key_proj(keys)

    def forward(self, query, keys, mask=None, projected_keys=None):
        if keys.ndim != 3 or query.ndim != 2 or query.shape[0] != keys.shape[0]:
            raise ValueError(f"AdditiveAttention: expected query (B, Q) and keys (B, S, K), got shapes "
                             f"{tuple(query.shape)} and {tuple(keys.shape)}")
        if projected_keys is None:
            projected_keys = self.project_keys(keys)
        scores = self.v((projected_keys + self.query_proj(query).unsqueeze(1)).tanh()).squeeze(-1)  # (B, S)
        if mask is not None:
            scores = scores.masked_fill(mask, float("-inf"))
        weights = F.softmax(scores, dim=-1)
        context = (weights.unsqueeze(1) @ keys).squeeze(1)
        return context, weights


class Seq2Seq(nn.Module):
    """Source ids (B, S) with lengths (B,) -> target logits; see the module docstring for the equations."""

    def __init__(self, source_vocab_size, target_vocab_size, embedding_dim=32, encoder_hidden=64, decoder_hidden=128,
                 attention_size=64, sos_id=1, eos_id=2, pad_id=0):
        super().__init__()
        self.sos_id, self.eos_id, self.pad_id = sos_id, eos_id, pad_id
        keys = 2 * encoder_hidden
        self.source_embedding = nn.Embedding(source_vocab_size, embedding_dim, padding_idx=pad_id)
        self.encoder = nn.LSTM(embedding_dim, encoder_hidden, batch_first=True, bidirectional=True)
        self.bridge = nn.Linear(keys, decoder_hidden)
        self.target_embedding = nn.Embedding(target_vocab_size, embedding_dim, padding_idx=pad_id)
        self.attention = AdditiveAttention(decoder_hidden, keys, attention_size)
        self.decoder = nn.LSTMCell(embedding_dim + keys, decoder_hidden)
        self.out = nn.Linear(decoder_hidden + keys, target_vocab_size)

    def encode(self, source, lengths):
        """-> (states (B, S, 2*H_enc), padding mask (B, S), decoder's initial (h, c))."""
        packed = pack_padded_sequence(self.source_embedding(source), lengths, batch_first=True, enforce_sorted=False)
        output, (h_n, _) = self.encoder(packed)
        states, _ = pad_packed_sequence(output, batch_first=True, total_length=source.shape[1])
        states = states.contiguous()  # attention reads it on every decoder step, forward and backward
        mask = tensor(np.arange(source.shape[1])[None, :] >= np.asarray(lengths)[:, None])
        h0 = self.bridge(sh.cat([h_n[0], h_n[1]], -1)).tanh()
        return states, mask, (h0, h0 * 0)

    def _step(self, token_embedding, state, keys, mask, projected):
        context, weights = self.attention(state[0], keys, mask, projected)
        state = self.decoder(sh.cat([token_embedding, context], -1), state)
        return self.out(sh.cat([state[0], context], -1)), state, weights

    def forward(self, source, lengths, target_in):
        """Teacher forcing: target_in (B, T) = <sos> y_1 .. y_{T-1} -> logits (B, T, target vocab)."""
        keys, mask, state = self.encode(source, lengths)
        projected = self.attention.project_keys(keys)
        embedded = self.target_embedding(target_in)
        logits = []
        for t in range(target_in.shape[1]):
            step_logits, state, _ = self._step(embedded[:, t], state, keys, mask, projected)
            logits.append(step_logits)
        return sh.stack(logits, 1)

    def greedy_decode(self, source, lengths, max_length):
        """(ids (B, max_length) int64 ending in <eos> then padding, attention weights (B, max_length, S) float)."""
        with no_grad():
            keys, mask, state = self.encode(source, lengths)
            projected = self.attention.project_keys(keys)
            batch = source.shape[0]
            token = np.full(batch, self.sos_id, dtype=np.int64)
            done = np.zeros(batch, dtype=bool)
            ids = np.full((batch, max_length), self.pad_id, dtype=np.int64)
            attention = np.zeros((batch, max_length, source.shape[1]), dtype=np.float32)
            for t in range(max_length):
                logits, state, weights = self._step(self.target_embedding(Tensor._wrap(token)), state, keys, mask,
                                                    projected)
                token = logits.numpy().argmax(-1)
                ids[~done, t] = token[~done]
                attention[~done, t] = weights.numpy()[~done]
                done |= token == self.eos_id
                if done.all():
                    break
        return ids, attention
