"""A decoder-only transformer language model (GPT-2 layout, as nanoGPT), with a key/value cache for sampling.

ids (B, T) -> token + position embeddings -> n_layer pre-norm blocks [x + attn(ln_1(x)), x + mlp(ln_2(x))] with
causal self-attention -> ln_f -> lm_head -> logits (B, T, vocab).
"""
import math

import numpy as np

from .. import nn
from ..nn import functional as F
from ..ops.attention import attention_weights
from ..ops.shape import cat
from ..tensor import Tensor, arange


class KVCache:
    """The keys and values (B, n_head, T_seen, head_dim) one attention layer has seen so far."""

    def __init__(self):
        self.k = self.v = None

    def extend(self, k, v):
        """Append the new positions' keys and values; returns all of them."""
        if self.k is not None:
            k, v = cat([self.k, k], dim=2), cat([self.v, v], dim=2)
        self.k, self.v = k.detach(), v.detach()
        return self.k, self.v


class CausalSelfAttention(nn.Module):
    def __init__(self, n_embd, n_head, dropout=0.0):
        super().__init__()
        if n_embd % n_head:
            raise ValueError(f"CausalSelfAttention: n_embd ({n_embd}) must be divisible by n_head ({n_head})")
        self.n_head = n_head
        self.c_attn = nn.Linear(n_embd, 3 * n_embd)
        self.c_proj = nn.Linear(n_embd, n_embd)
        self.resid_dropout = nn.Dropout(dropout)
        self.record = None  # set to a list to collect the attention weights (B, n_head, T, S) of each call

    def forward(self, x, cache=None):
        B, T, C = x.shape
        q, k, v = (t.reshape(B, T, self.n_head, C // self.n_head).transpose(1, 2)
                   for t in self.c_attn(x).split(C, dim=2))
        past = 0
        if cache is not None:
            past = 0 if cache.k is None else cache.k.shape[2]
            k, v = cache.extend(k, v)
        if past and T > 1:  # new queries see the cache and the new keys up to themselves
            mask = Tensor._wrap(np.tril(np.ones((T, past + T), dtype=np.bool_), past))
            y = F.scaled_dot_product_attention(q, k, v, attn_mask=mask)
        else:
            y = F.scaled_dot_product_attention(q, k, v, is_causal=past == 0)
        if self.record is not None:
            causal = past == 0
            mask = None if causal or T == 1 else Tensor._wrap(np.tril(np.ones((T, past + T), np.bool_), past))
            self.record.append(attention_weights(q, k, mask, 1.0 / math.sqrt(C // self.n_head), causal).numpy())
        return self.resid_dropout(self.c_proj(y.transpose(1, 2).reshape(B, T, C)))


class MLP(nn.Module):
    def __init__(self, n_embd, dropout=0.0):
        super().__init__()
        self.c_fc = nn.Linear(n_embd, 4 * n_embd)
        self.gelu = nn.GELU()
        self.c_proj = nn.Linear(4 * n_embd, n_embd)
        self.dropout = nn.Dropout(dropout)

    def forward(self, x):
        return self.dropout(self.c_proj(self.gelu(self.c_fc(x))))


class Block(nn.Module):
    def __init__(self, n_embd, n_head, dropout=0.0):
        super().__init__()
        self.ln_1 = nn.LayerNorm(n_embd)
        self.attn = CausalSelfAttention(n_embd, n_head, dropout)
        self.ln_2 = nn.LayerNorm(n_embd)
        self.mlp = MLP(n_embd, dropout)

    def forward(self, x, cache=None):
        x = x + self.attn(self.ln_1(x), cache)
        return x + self.mlp(self.ln_2(x))


class GPT(nn.Module):
    """GPT(vocab_size, block_size, n_layer, n_head, n_embd, dropout, tie_weights): forward(ids (B, T), caches=None,
    start_pos=0) -> logits (B, T, vocab_size). Weights ~ N(0, 0.02), residual projections N(0, 0.02 / sqrt(2 L))."""

    def __init__(self, vocab_size, block_size=128, n_layer=4, n_head=4, n_embd=128, dropout=0.0, tie_weights=False):
        super().__init__()
        self.config = dict(vocab_size=vocab_size, block_size=block_size, n_layer=n_layer, n_head=n_head,
                           n_embd=n_embd, dropout=dropout, tie_weights=tie_weights)
        self.block_size = block_size
        self.wte = nn.Embedding(vocab_size, n_embd)
        self.wpe = nn.Embedding(block_size, n_embd)
        self.drop = nn.Dropout(dropout)
        self.h = nn.ModuleList([Block(n_embd, n_head, dropout) for _ in range(n_layer)])
        self.ln_f = nn.LayerNorm(n_embd)
        self.lm_head = nn.Linear(n_embd, vocab_size, bias=False)
        for name, p in self.named_parameters():
            if name.endswith("c_proj.weight"):
                nn.init.normal_(p, 0.0, 0.02 / math.sqrt(2 * n_layer))
            elif name.endswith("bias"):
                nn.init.zeros_(p)
            elif p.dim() == 2:
                nn.init.normal_(p, 0.0, 0.02)
        if tie_weights:
            self.lm_head.weight = self.wte.weight

    def forward(self, ids, caches=None, start_pos=0):
        T = ids.shape[1]
        if start_pos + T > self.block_size:
            raise ValueError(f"GPT: positions {start_pos}..{start_pos + T - 1} exceed block_size {self.block_size}")
        x = self.drop(self.wte(ids) + self.wpe(arange(start_pos, start_pos + T)))
        for i, block in enumerate(self.h):
            x = block(x, None if caches is None else caches[i])
        return self.lm_head(self.ln_f(x))

    def new_caches(self):
        return [KVCache() for _ in self.h]


def sample_next(logits, temperature, top_k, generator):
    """One token id from the logits (vocab,): divided by temperature, cut to the top_k largest, softmax, draw."""
    from ..ops.reduce import softmax
    from ..ops.sampling import multinomial

    logits = logits / max(temperature, 1e-8)
    if top_k is not None and top_k < logits.shape[-1]:
        kth = logits.topk(top_k).values[-1]
        logits = logits.masked_fill(logits < kth, float("-inf"))
    return int(multinomial(softmax(logits.to(np.float64), -1), 1, generator=generator).item())


def generate(model, prompt_ids, length, temperature=1.0, top_k=None, generator=None, use_cache=True):
    """prompt_ids followed by `length` sampled ids (a list). The model sees at most block_size positions: when the
    context would outgrow it, it restarts from the most recent block_size // 2 tokens. With use_cache, each step
    runs the new token only (its keys and values are appended to the cache); without, the whole context again;
    both give the same tokens under the same generator."""
    from ..autograd.grad_mode import no_grad

    tokens = list(prompt_ids)
    if not tokens:
        raise ValueError("generate: the prompt must have at least one token")
    block = model.block_size
    start, caches = 0, None
    was_training = model.training
    model.eval()
    with no_grad():
        for _ in range(length):
            if len(tokens) - start > block:
                start, caches = len(tokens) - block // 2, None
            if use_cache and caches is not None:
                logits = model(Tensor._wrap(np.array([tokens[-1:]])), caches, start_pos=len(tokens) - 1 - start)
            else:
                if use_cache:
                    caches = model.new_caches()
                logits = model(Tensor._wrap(np.array([tokens[start:]])), caches)
            tokens.append(sample_next(logits[0, -1], temperature, top_k, generator))
    model.train(was_training)
    return tokens
