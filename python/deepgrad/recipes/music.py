"""music: a character-level LSTM on songs in ABC notation (the course's music-generation lab).

Train:    deepgrad train music --data FILE.abc [--small]
Generate: deepgrad generate music --checkpoint runs/music/music.safetensors --start "X" --length 1000
The model is Embedding(vocab, 256) -> LSTM(1024) -> Linear(vocab), trained on random windows of 100 characters,
batch 8, Adam lr 5e-3, gradient norm clipped; --small is a preset that trains in minutes.
"""
import argparse
import math
import os
import sys

import numpy as np
from tqdm import tqdm

from .. import io, nn, random
from ..autograd.grad_mode import no_grad
from ..datasets.abc import CharVocab, read_abc, songs_text
from ..nn import functional as F
from ..tensor import tensor
from ..training.plots import _figure
from .common import make_optimizer, positive_int, prepare_out

FULL = {"embedding_dim": 256, "hidden": 1024, "seq_length": 100, "batch_size": 8, "steps": 3000, "lr": 5e-3}
SMALL = {"embedding_dim": 64, "hidden": 256, "seq_length": 64, "batch_size": 16, "steps": 400, "lr": 5e-3}


class CharLSTM(nn.Module):
    """Embedding(vocab, embedding_dim) -> LSTM(hidden) -> Linear(vocab): ids (B, T) -> logits (B, T, vocab)."""

    def __init__(self, vocab_size, embedding_dim, hidden):
        super().__init__()
        self.embedding = nn.Embedding(vocab_size, embedding_dim)
        self.lstm = nn.LSTM(embedding_dim, hidden, batch_first=True)
        self.fc = nn.Linear(hidden, vocab_size)

    def forward(self, ids, state=None):
        out, state = self.lstm(self.embedding(ids), state)
        return self.fc(out), state


def add_arguments(parser):
    parser.add_argument("--data", required=True, metavar="FILE.abc", help="songs in ABC notation")
    parser.add_argument("--small", action="store_true",
                        help="small preset that trains in minutes: " + ", ".join(f"{k}={v}" for k, v in SMALL.items()))
    for key, value in FULL.items():
        kind = float if key == "lr" else positive_int
        parser.add_argument("--" + key.replace("_", "-"), type=kind, default=None,
                            help=f"(default {value}; --small: {SMALL[key]})")
    parser.add_argument("--clip", type=float, default=1.0, help="gradient-norm clipping threshold (default 1.0)")
    parser.add_argument("--max-songs", type=positive_int, default=None, help="use only the first N songs")
    parser.add_argument("--val-fraction", type=float, default=0.1, help="songs held out for the val loss (0.1)")
    parser.add_argument("--optimizer", default="adam", help="optimizer (default adam)")
    parser.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    parser.add_argument("--out", default="runs/music", metavar="DIR", help="output folder (default runs/music)")
    parser.add_argument("--no-progress", dest="progress", action="store_false", help="no progress bar")


def _config(args):
    preset = SMALL if args.small else FULL
    return {k: getattr(args, k) if getattr(args, k) is not None else v for k, v in preset.items()}


def _batch(ids, batch_size, seq_length, rng):
    starts = rng.integers(0, len(ids) - seq_length - 1, batch_size)
    chunk = ids[starts[:, None] + np.arange(seq_length + 1)]
    return tensor(chunk[:, :-1]), tensor(chunk[:, 1:])


def _loss(model, x, y):
    logits, _ = model(x)
    return F.cross_entropy(logits.reshape(-1, logits.shape[-1]), y.reshape(-1))


def _split(songs, fraction, seed):
    order = np.random.default_rng(seed).permutation(len(songs))
    n_val = int(round(len(songs) * fraction)) if len(songs) > 1 else 0
    return [songs[i] for i in sorted(order[n_val:])], [songs[i] for i in sorted(order[:n_val])]


def run(args, log=print):
    cfg = _config(args)
    random.manual_seed(args.seed)
    songs = read_abc(args.data)[: args.max_songs]
    train_songs, val_songs = _split(songs, args.val_fraction, args.seed)
    vocab = CharVocab(songs_text(songs))
    train_ids = vocab.encode(songs_text(train_songs))
    val_ids = vocab.encode(songs_text(val_songs)) if val_songs else None
    if len(train_ids) <= cfg["seq_length"] + 1:
        raise ValueError(f"music: the training text has {len(train_ids)} characters, fewer than one sequence of "
                         f"{cfg['seq_length'] + 1}; use more songs or a smaller --seq-length")
    model = CharLSTM(len(vocab), cfg["embedding_dim"], cfg["hidden"])
    optimizer = make_optimizer(args.optimizer, model.parameters(), cfg["lr"])
    log(f"music: {len(train_songs)} train / {len(val_songs)} val songs, {len(train_ids)} characters, vocabulary "
        f"{len(vocab)}; Embedding({len(vocab)}, {cfg['embedding_dim']}) -> LSTM({cfg['hidden']}) -> Linear; "
        f"{cfg['steps']} steps of batch {cfg['batch_size']} x {cfg['seq_length']} characters, {args.optimizer} lr "
        f"{cfg['lr']}, clip {args.clip}")
    rng = np.random.default_rng(args.seed)
    params = list(model.parameters())
    losses = []
    bar = tqdm(range(cfg["steps"]), desc="music", disable=not (args.progress and sys.stderr.isatty()),
               file=sys.stderr, dynamic_ncols=True)
    model.train()
    for _ in bar:
        x, y = _batch(train_ids, cfg["batch_size"], cfg["seq_length"], rng)
        loss = _loss(model, x, y)
        optimizer.zero_grad()
        loss.backward()
        nn.utils.clip_grad_norm_(params, args.clip)
        optimizer.step()
        losses.append(loss.item())
        bar.set_postfix(loss=f"{losses[-1]:.3f}", refresh=False)
    bar.close()
    out = prepare_out(args.out)
    checkpoint = os.path.join(out, "music.safetensors")
    io.save({"model": model.state_dict(), "vocab": vocab.chars,
             "config": {"embedding_dim": cfg["embedding_dim"], "hidden": cfg["hidden"]}}, checkpoint)
    _plot_losses(losses, os.path.join(out, "loss.png"), log)
    window = max(1, len(losses) // 10)
    result = {"first loss": float(np.mean(losses[:window])), "train loss": float(np.mean(losses[-window:]))}
    log(f"wrote {checkpoint}; loss {result['first loss']:.4f} (first {window} steps) -> {result['train loss']:.4f} "
        f"(last {window}); uniform guessing: {math.log(len(vocab)):.4f}")
    if val_ids is not None and len(val_ids) > cfg["seq_length"] + 1:
        result["val loss"] = evaluate(model, val_ids, cfg, np.random.default_rng(args.seed + 1))
        log(f"val loss: {result['val loss']:.4f}")
    log(f"train loss: {result['train loss']:.4f}")
    return result


def evaluate(model, ids, cfg, rng, batches=8):
    """Mean cross entropy (nats per character) over `batches` random windows of `ids`."""
    model.eval()
    with no_grad():
        total = sum(_loss(model, *_batch(ids, cfg["batch_size"], cfg["seq_length"], rng)).item()
                    for _ in range(batches))
    model.train()
    return total / batches


def _plot_losses(losses, path, log):
    fig = _figure()
    if fig is None:
        log(f'note: matplotlib is not installed, so {path} was not written (pip install "deepgrad[plot]")')
        return
    ax = fig.subplots()
    ax.plot(np.arange(1, len(losses) + 1), losses, lw=0.8)
    ax.set_xlabel("step")
    ax.set_ylabel("cross entropy (nats / character)")
    ax.set_title("music: training loss")
    ax.grid(alpha=0.3)
    fig.tight_layout()
    fig.savefig(path)


# ---- generation ----


def add_generate_arguments(parser):
    parser.add_argument("--checkpoint", required=True, help="a checkpoint written by `deepgrad train music`")
    parser.add_argument("--start", default="X", help='text to start from (default "X")')
    parser.add_argument("--length", type=positive_int, default=1000, help="characters to generate (default 1000)")
    parser.add_argument("--temperature", type=positive_float, default=1.0, help="softmax temperature (default 1.0)")
    parser.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    parser.add_argument("--out", default=None, metavar="FILE.abc",
                        help="where to write the ABC text (default: generated.abc beside the checkpoint)")


def positive_float(text):
    value = float(text)
    if not value > 0:
        raise argparse.ArgumentTypeError(f"expected a positive number, got {text}")
    return value


def load_model(path):
    """(CharLSTM, CharVocab) from a music checkpoint."""
    ckpt = io.load(path)
    if not isinstance(ckpt, dict) or not {"model", "vocab", "config"} <= set(ckpt):
        raise ValueError(f"music: {path} is not a music checkpoint (expected model, vocab and config entries)")
    vocab = CharVocab(ckpt["vocab"])
    model = CharLSTM(len(vocab), ckpt["config"]["embedding_dim"], ckpt["config"]["hidden"])
    model.load_state_dict(ckpt["model"])
    return model, vocab


def sample(model, vocab, start, length, temperature=1.0, seed=0):
    """`start` followed by `length` characters drawn one at a time from the model's softmax(logits / temperature)."""
    if temperature <= 0:
        raise ValueError(f"music: temperature must be positive, got {temperature}")
    if not start:
        raise ValueError("music: --start must have at least one character")
    rng = np.random.default_rng(seed)
    model.eval()
    ids = list(vocab.encode(start))
    with no_grad():
        logits, state = model(tensor(np.array([ids])))
        for _ in range(length):
            z = logits.numpy()[0, -1].astype(np.float64) / temperature
            p = np.exp(z - z.max())
            ids.append(int(rng.choice(len(p), p=p / p.sum())))
            logits, state = model(tensor(np.array([[ids[-1]]])), state)
    return vocab.decode(ids)


def generate(args, log=print):
    model, vocab = load_model(args.checkpoint)
    text = sample(model, vocab, args.start, args.length, args.temperature, args.seed)
    out = args.out or os.path.join(os.path.dirname(os.path.abspath(args.checkpoint)), "generated.abc")
    with open(out, "w", encoding="utf-8") as f:
        f.write(text)
    print(text)
    songs = text.count("X:")
    log(f"wrote {len(text)} characters ({songs} song header{'s' if songs != 1 else ''}) to {out}")
    return text
