"""char-gpt: a decoder-only transformer language model over the characters of any text file.

Train:    deepgrad train char-gpt --data FILE [--steps N --n-layer L --n-embd C ...]
Generate: deepgrad generate char-gpt --checkpoint runs/char-gpt/char_gpt.safetensors --prompt "X:" --length 500
          --temperature 0.8 --top-k 40
The model is GPT-2 shaped (deepgrad.models.gpt): token + position embeddings, pre-norm blocks with causal
self-attention (the fused attention kernel) and a GELU MLP. Training: random windows of the first 90% of the text,
AdamW (weight decay on matrices only) with linear warm-up then cosine decay to lr / 10, gradient clipping; the
validation loss is the mean cross entropy (nats per character) over the held-out last 10%, in windows of
block_size + 1 characters. Sampling keeps a key/value cache, so each new character costs one position.
"""
import os
import sys
import time

import numpy as np
from tqdm import tqdm

from .. import io, nn, optim, random
from ..autograd.grad_mode import no_grad
from ..datasets.abc import CharVocab
from ..models.gpt import GPT, generate as gpt_generate
from ..nn import functional as F
from ..random import Generator
from ..tensor import Tensor
from ..training.plots import _figure
from .common import positive_int, prepare_out

DEFAULTS = {"block_size": 128, "n_layer": 4, "n_head": 4, "n_embd": 128, "dropout": 0.1, "batch_size": 32,
            "steps": 1200, "lr": 2e-3, "warmup": 100, "weight_decay": 0.1}


def add_arguments(parser):
    parser.add_argument("--data", required=True, metavar="FILE", help="a UTF-8 text file to model")
    for key, value in DEFAULTS.items():
        kind = float if isinstance(value, float) else positive_int
        parser.add_argument("--" + key.replace("_", "-"), type=kind, default=value, help=f"(default {value})")
    parser.add_argument("--tie-weights", action="store_true", help="share the token embedding with the output layer")
    parser.add_argument("--clip", type=float, default=1.0, help="gradient-norm clipping threshold (default 1.0)")
    parser.add_argument("--val-fraction", type=float, default=0.1, help="share of the text held out (default 0.1)")
    parser.add_argument("--eval-interval", type=positive_int, default=250, help="steps between val losses (250)")
    parser.add_argument("--time-limit", type=float, default=0.0,
                        help="stop training after this many minutes (default 0: no limit)")
    parser.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    parser.add_argument("--out", default="runs/char-gpt", metavar="DIR", help="output folder (default runs/char-gpt)")
    parser.add_argument("--no-progress", dest="progress", action="store_false", help="no progress bar")


def read_text(path):
    try:
        with open(path, encoding="utf-8") as f:
            text = f.read()
    except UnicodeDecodeError as e:
        raise ValueError(f"char-gpt: {path} is not UTF-8 text ({e.reason} at byte {e.start})") from None
    if len(text) < 2:
        raise ValueError(f"char-gpt: {path} has {len(text)} characters; need a text to learn from")
    return text


def split_ids(ids, val_fraction, block_size):
    n_val = int(len(ids) * val_fraction)
    train, val = ids[: len(ids) - n_val], ids[len(ids) - n_val:]
    if len(train) <= block_size + 1:
        raise ValueError(f"char-gpt: the training text has {len(train)} characters, not more than one window of "
                         f"{block_size + 1}; use a longer text or a smaller --block-size")
    return train, val


def batch(ids, batch_size, block_size, rng):
    """x, y (batch_size, block_size) int64: random windows and the same windows shifted by one character."""
    starts = rng.integers(0, len(ids) - block_size - 1, size=batch_size)
    window = starts[:, None] + np.arange(block_size + 1)
    chunk = ids[window]
    return Tensor._wrap(chunk[:, :-1]), Tensor._wrap(chunk[:, 1:])


def loss_of(model, x, y):
    logits = model(x)
    return F.cross_entropy(logits.reshape(-1, logits.shape[-1]), y.reshape(-1))


def evaluate(model, ids, block_size, batch_size=32):
    """Mean cross entropy (nats per character) over every character of `ids` after the first of each window of
    block_size + 1 (the windows tile the text; a shorter last window is included)."""
    windows = [ids[i:i + block_size + 1] for i in range(0, len(ids) - 1, block_size)]
    windows = [w for w in windows if len(w) > 1]
    total, count = 0.0, 0
    was_training = model.training
    model.eval()
    with no_grad():
        full = [w for w in windows if len(w) == block_size + 1]  # batched; the ragged last one alone
        rest = [w for w in windows if len(w) != block_size + 1]
        for i in range(0, len(full), batch_size):
            chunk = np.stack(full[i:i + batch_size])
            n = chunk[:, 1:].size
            total += loss_of(model, Tensor._wrap(chunk[:, :-1]), Tensor._wrap(chunk[:, 1:])).item() * n
            count += n
        for w in rest:
            n = len(w) - 1
            total += loss_of(model, Tensor._wrap(w[None, :-1]), Tensor._wrap(w[None, 1:])).item() * n
            count += n
    model.train(was_training)
    return total / max(count, 1)


def make_optimizer(model, lr, weight_decay, warmup, steps):
    """AdamW with two parameter groups (decay on matrices, none on biases and LayerNorm gains), and a schedule of
    linear warm-up over `warmup` steps then cosine decay to lr / 10 at `steps`."""
    decay = [p for p in model.parameters() if p.dim() >= 2]
    no_decay = [p for p in model.parameters() if p.dim() < 2]
    opt = optim.AdamW([{"params": decay, "weight_decay": weight_decay}, {"params": no_decay, "weight_decay": 0.0}],
                      lr=lr, betas=(0.9, 0.99))
    warmup = min(warmup, max(steps - 1, 1))
    sched = optim.lr_scheduler.SequentialLR(opt, [
        optim.lr_scheduler.LinearLR(opt, start_factor=1.0 / warmup, end_factor=1.0, total_iters=warmup),
        optim.lr_scheduler.CosineAnnealingLR(opt, T_max=max(steps - warmup, 1), eta_min=lr / 10),
    ], milestones=[warmup])
    return opt, sched


def plot_losses(steps, losses, val_points, path, log, title="char-gpt"):
    fig = _figure()
    if fig is None:
        log(f'note: matplotlib is not installed, so {path} was not written (pip install "deepgrad[plot]")')
        return
    ax = fig.subplots()
    ax.plot(steps, losses, lw=0.8, label="train (batch)")
    if val_points:
        ax.plot(*zip(*val_points), marker="o", label="val")
    ax.set_xlabel("step")
    ax.set_ylabel("cross entropy (nats / character)")
    ax.set_title(f"{title}: loss")
    ax.grid(alpha=0.3)
    ax.legend()
    fig.tight_layout()
    fig.savefig(path)


def train(model, opt, sched, train_ids, val_ids, args, log, desc):
    """The training loop shared with char-gpt-lora: returns (steps, losses, val points)."""
    rng = np.random.default_rng(args.seed)
    params = [p for p in model.parameters() if p.requires_grad]
    steps, losses, val_points = [], [], []
    bar = tqdm(range(args.steps), desc=desc, disable=not (args.progress and sys.stderr.isatty()), file=sys.stderr,
               dynamic_ncols=True)
    start = time.perf_counter()
    tokens = 0
    model.train()
    for step in bar:
        x, y = batch(train_ids, args.batch_size, args.block_size, rng)
        loss = loss_of(model, x, y)
        opt.zero_grad()
        loss.backward()
        if args.clip > 0:
            nn.utils.clip_grad_norm_(params, args.clip)
        opt.step()
        sched.step()
        tokens += x.numel()
        steps.append(step + 1)
        losses.append(loss.item())
        elapsed = time.perf_counter() - start
        bar.set_postfix(loss=f"{losses[-1]:.3f}", tok_s=f"{tokens / elapsed:.0f}", refresh=False)
        last = step + 1 == args.steps or (args.time_limit > 0 and elapsed > args.time_limit * 60)
        if len(val_ids) > 1 and ((step + 1) % args.eval_interval == 0 or last):
            val_points.append((step + 1, evaluate(model, val_ids, args.block_size)))
            if not bar.disable:
                bar.write(f"step {step + 1}: val loss {val_points[-1][1]:.4f}")
            else:
                log(f"step {step + 1}: train loss {np.mean(losses[-20:]):.4f}, val loss {val_points[-1][1]:.4f}, "
                    f"{tokens / elapsed:.0f} tokens/s, {elapsed:.0f} s ({time.process_time():.0f} s CPU)")
        if last:
            break
    bar.close()
    return steps, losses, val_points


def run(args, log=print):
    random.manual_seed(args.seed)
    text = read_text(args.data)
    vocab = CharVocab(text)
    ids = np.asarray(vocab.encode(text), dtype=np.int64)
    train_ids, val_ids = split_ids(ids, args.val_fraction, args.block_size)
    model = GPT(len(vocab), args.block_size, args.n_layer, args.n_head, args.n_embd, args.dropout, args.tie_weights)
    opt, sched = make_optimizer(model, args.lr, args.weight_decay, args.warmup, args.steps)
    n_params = sum(p.numel() for p in model.parameters())
    log(f"char-gpt: {len(train_ids)} train / {len(val_ids)} val characters, vocabulary {len(vocab)}; GPT "
        f"{args.n_layer} layers x {args.n_head} heads, width {args.n_embd}, context {args.block_size}, "
        f"{n_params / 1e6:.2f}M parameters; {args.steps} steps of {args.batch_size} x {args.block_size}, AdamW lr "
        f"{args.lr} (warm-up {args.warmup}, cosine), clip {args.clip}")
    start = time.perf_counter()
    steps, losses, val_points = train(model, opt, sched, train_ids, val_ids, args, log, "char-gpt")
    minutes = (time.perf_counter() - start) / 60
    out = prepare_out(args.out)
    checkpoint = os.path.join(out, "char_gpt.safetensors")
    state = {k: v for k, v in model.state_dict().items() if not (args.tie_weights and k == "lm_head.weight")}
    io.save({"model": state, "vocab": vocab.chars, "config": model.config}, checkpoint)
    plot_losses(steps, losses, val_points, os.path.join(out, "loss.png"), log)
    window = max(1, len(losses) // 10)
    result = {"train loss": float(np.mean(losses[-window:])), "steps": len(steps), "minutes": minutes}
    log(f"{len(steps)} steps in {minutes:.1f} min; wrote {checkpoint}; unigram baseline "
        f"{_unigram_loss(train_ids, val_ids, len(vocab)):.4f}")
    log(f"train loss: {result['train loss']:.4f}")
    if val_points:
        result["val loss"] = val_points[-1][1]
        log(f"val loss: {result['val loss']:.4f}")
    return result


def _unigram_loss(train_ids, val_ids, vocab_size):
    """Cross entropy of the val text under the train text's character frequencies (add-one smoothed)."""
    counts = np.bincount(train_ids, minlength=vocab_size) + 1.0
    p = counts / counts.sum()
    return float(-np.log(p[val_ids]).mean()) if len(val_ids) else float("nan")


def load_model(path):
    """(GPT, CharVocab) from a char-gpt checkpoint."""
    ckpt = io.load(path)
    if not isinstance(ckpt, dict) or not {"model", "vocab", "config"} <= set(ckpt):
        raise ValueError(f"char-gpt: {path} is not a char-gpt checkpoint (expected model, vocab and config entries)")
    model = GPT(**ckpt["config"])
    model.load_state_dict(ckpt["model"], strict=not ckpt["config"].get("tie_weights"))
    return model, CharVocab(ckpt["vocab"])


# ---- generation ----


def add_generate_arguments(parser):
    parser.add_argument("--checkpoint", required=True, help="a checkpoint written by `deepgrad train char-gpt`")
    parser.add_argument("--prompt", default="X:", help='text to start from (default "X:")')
    parser.add_argument("--length", type=positive_int, default=500, help="characters to generate (default 500)")
    parser.add_argument("--temperature", type=float, default=0.8, help="softmax temperature (default 0.8)")
    parser.add_argument("--top-k", type=positive_int, default=40, help="sample among the k likeliest (default 40)")
    parser.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    parser.add_argument("--no-cache", dest="cache", action="store_false",
                        help="recompute the whole context for every character (same text, slower)")
    parser.add_argument("--out", default=None, metavar="DIR",
                        help="where to write generated.txt and attention.png (default: the checkpoint's folder)")


def sample_text(model, vocab, prompt, length, temperature=0.8, top_k=40, seed=0, use_cache=True):
    if temperature <= 0:
        raise ValueError(f"char-gpt: temperature must be positive, got {temperature}")
    if not prompt:
        raise ValueError("char-gpt: --prompt must have at least one character")
    ids = gpt_generate(model, list(vocab.encode(prompt)), length, temperature, top_k,
                       Generator().manual_seed(seed), use_cache)
    return vocab.decode(ids)


def attention_maps(model, vocab, text):
    """The attention weights of every layer and head for `text` (at most block_size characters):
    a list (per layer) of (n_head, T, T) arrays."""
    ids = np.asarray(vocab.encode(text[: model.block_size]))[None]
    for block in model.h:
        block.attn.record = []
    model.eval()
    with no_grad():
        model(Tensor._wrap(ids))
    maps = [block.attn.record[0][0] for block in model.h]
    for block in model.h:
        block.attn.record = None
    return maps


def plot_attention(maps, text, path, log):
    fig = _figure(figsize=(2.6 * maps[0].shape[0], 2.6 * len(maps)))
    if fig is None:
        log(f'note: matplotlib is not installed, so {path} was not written (pip install "deepgrad[plot]")')
        return None
    axes = fig.subplots(len(maps), maps[0].shape[0], squeeze=False)
    labels = [c if c.strip() else repr(c)[1:-1] for c in text]
    for layer, heads in enumerate(maps):
        for h, w in enumerate(heads):
            ax = axes[layer][h]
            ax.imshow(w, cmap="viridis", vmin=0, vmax=1)
            ax.set_title(f"layer {layer} head {h}", fontsize=8)
            if len(labels) <= 40:
                ax.set_xticks(range(len(labels)), labels, fontsize=5)
                ax.set_yticks(range(len(labels)), labels, fontsize=5)
            else:
                ax.set_xticks([])
                ax.set_yticks([])
    fig.suptitle("attention weights (rows: query position, columns: key position)")
    fig.tight_layout()
    fig.savefig(path)
    return path


def generate(args, log=print):
    model, vocab = load_model(args.checkpoint)
    start = time.perf_counter()
    text = sample_text(model, vocab, args.prompt, args.length, args.temperature, args.top_k, args.seed, args.cache)
    seconds = time.perf_counter() - start
    out = args.out or os.path.dirname(os.path.abspath(args.checkpoint))
    prepare_out(out)
    path = os.path.join(out, "generated.txt")
    with open(path, "w", encoding="utf-8") as f:
        f.write(text)
    print(text)
    head = text[: min(len(text), 32)]
    png = plot_attention(attention_maps(model, vocab, head), head, os.path.join(out, "attention.png"), log)
    log(f"wrote {len(text)} characters to {path} ({args.length / seconds:.0f} characters/s, "
        f"{'key/value cache' if args.cache else 'no cache'})" + (f" and the attention maps to {png}" if png else ""))
    return text
