"""translate-dates: encoder-decoder translation of human-readable dates into ISO form, with additive attention.

deepgrad train translate-dates
"tuesday 3 march 1998", "03/03/98", "March 3, 1998", ... -> "1998-03-03". A bidirectional LSTM encoder, an LSTM
decoder attending over all encoder states (Bahdanau), teacher forcing in training, greedy decoding for the test:
exact-match accuracy on dates held out from training (bar: >= 0.95). Writes the checkpoint, a loss curve and a
PNG of the attention weights for a few test dates into --out.
"""
import os
import sys

import numpy as np
from tqdm import tqdm

from .. import io, nn, random
from ..datasets.dates import TARGET_LENGTH, date_pairs, source_vocab, target_vocab
from ..models.seq2seq import Seq2Seq
from ..nn import functional as F
from ..optim.lr_scheduler import CosineAnnealingLR
from ..tensor import tensor
from ..training.plots import _figure, _missing, save_learning_curves
from .common import make_optimizer, positive_int, prepare_out

CONFIG = {"embedding_dim": 32, "encoder_hidden": 64, "decoder_hidden": 128, "attention_size": 64}


def add_arguments(parser):
    parser.add_argument("--steps", type=positive_int, default=1000, help="training steps (default 1000)")
    parser.add_argument("--batch-size", type=positive_int, default=64, help="batch size (default 64)")
    parser.add_argument("--lr", type=float, default=3e-3, help="learning rate (default 3e-3)")
    parser.add_argument("--optimizer", default="adam", help="optimizer (default adam)")
    parser.add_argument("--clip", type=float, default=1.0, help="gradient-norm clipping threshold (default 1.0)")
    parser.add_argument("--train-size", type=positive_int, default=50000, help="training pairs (default 50000)")
    parser.add_argument("--test-size", type=positive_int, default=2000, help="held-out test pairs (default 2000)")
    for key, value in CONFIG.items():
        parser.add_argument("--" + key.replace("_", "-"), type=positive_int, default=value, help=f"(default {value})")
    parser.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    parser.add_argument("--out", default="runs/translate-dates", metavar="DIR", help="output folder")
    parser.add_argument("--no-progress", dest="progress", action="store_false", help="no progress bar")


def encode_pairs(pairs, src_vocab, tgt_vocab):
    """(source ids (N, S), source lengths (N,), decoder input <sos> y (N, T), decoder target y <eos> (N, T))."""
    source, lengths = src_vocab.pad_batch([s for s, _ in pairs])
    target_in, _ = tgt_vocab.pad_batch([t for _, t in pairs], prefix=[tgt_vocab.index["<sos>"]])
    target_out, _ = tgt_vocab.pad_batch([t for _, t in pairs], suffix=[tgt_vocab.index["<eos>"]])
    return source, lengths, target_in, target_out


def _trim(source, lengths):
    """Drop the padding columns no row in this batch needs."""
    return source[:, :lengths.max()], lengths


def translate(model, sources, src_vocab, tgt_vocab, batch=500):
    """Greedy translations of `sources` (strings) and their attention weights (list of (T_i, S_i) arrays)."""
    model.eval()
    texts, weights = [], []
    for i in range(0, len(sources), batch):
        ids, lengths = _trim(*src_vocab.pad_batch(sources[i:i + batch]))
        out, attention = model.greedy_decode(tensor(ids), lengths, TARGET_LENGTH + 1)
        for row, att, n in zip(out, attention, lengths):
            end = int(np.argmax(row == model.eos_id)) if (row == model.eos_id).any() else len(row)
            texts.append(tgt_vocab.decode(row[:end]))
            weights.append(att[:end + 1, :n])
    model.train()
    return texts, weights


def exact_match(model, pairs, src_vocab, tgt_vocab):
    predictions, _ = translate(model, [s for s, _ in pairs], src_vocab, tgt_vocab)
    return float(np.mean([p == t for p, (_, t) in zip(predictions, pairs)]))


def save_attention_plot(examples, path, log=print):
    """examples: (source, prediction, weights (len(prediction) + 1, len(source))) -> a grid of heat maps."""
    fig = _figure((4.5 * len(examples), 4.2))
    if fig is None:
        return _missing(path, log)
    axes = fig.subplots(1, len(examples), squeeze=False)[0]
    for ax, (source, prediction, weights) in zip(axes, examples):
        ax.imshow(weights, cmap="viridis", aspect="auto", vmin=0, vmax=1)
        ax.set_xticks(range(len(source)), list(source), fontsize=7)
        rows = list(prediction) + ["<eos>"]
        ax.set_yticks(range(len(rows)), rows[:len(weights)], fontsize=7)
        ax.set_title(f"{source!r}\n-> {prediction}", fontsize=8)
        ax.set_xlabel("source character")
    axes[0].set_ylabel("output character")
    fig.suptitle("additive attention: weight on each source character per output character")
    fig.tight_layout()
    fig.savefig(path)
    return path


def run(args, log=print):
    random.manual_seed(args.seed)
    src_vocab, tgt_vocab = source_vocab(), target_vocab()
    train = date_pairs(args.train_size, seed=args.seed, split="train")
    test = date_pairs(args.test_size, seed=args.seed + 1, split="test")
    source, lengths, target_in, target_out = encode_pairs(train, src_vocab, tgt_vocab)
    cfg = {k: getattr(args, k) for k in CONFIG}
    model = Seq2Seq(len(src_vocab), len(tgt_vocab), **cfg, sos_id=tgt_vocab.index["<sos>"],
                    eos_id=tgt_vocab.index["<eos>"], pad_id=tgt_vocab.pad)
    optimizer = make_optimizer(args.optimizer, model.parameters(), args.lr)
    # annealing the rate to 5% damps the late loss spikes Adam shows once the loss is near zero
    schedule = CosineAnnealingLR(optimizer, T_max=args.steps, eta_min=0.05 * args.lr)
    params = list(model.parameters())
    log(f"translate-dates: {len(train)} train / {len(test)} test pairs (test days unseen), source vocabulary "
        f"{len(src_vocab)}, target {len(tgt_vocab)}; BiLSTM({cfg['encoder_hidden']}) encoder, LSTM("
        f"{cfg['decoder_hidden']}) decoder, additive attention {cfg['attention_size']}; {args.steps} steps of batch "
        f"{args.batch_size}, {args.optimizer} lr {args.lr} (cosine to {0.05 * args.lr:g}), clip {args.clip}")
    rng = np.random.default_rng(args.seed)
    history = {"train_loss": [], "test_exact": []}
    every = max(1, args.steps // 10)
    running = []
    bar = tqdm(range(1, args.steps + 1), desc="translate-dates", disable=not (args.progress and sys.stderr.isatty()),
               file=sys.stderr, dynamic_ncols=True)
    for step in bar:
        idx = rng.integers(0, len(train), args.batch_size)
        src, src_lengths = _trim(source[idx], lengths[idx])
        logits = model(tensor(src), src_lengths, tensor(target_in[idx]))
        loss = F.cross_entropy(logits.reshape(-1, logits.shape[-1]), tensor(target_out[idx].reshape(-1)),
                               ignore_index=tgt_vocab.pad)
        optimizer.zero_grad()
        loss.backward()
        nn.utils.clip_grad_norm_(params, args.clip)
        optimizer.step()
        schedule.step()
        running.append(loss.item())
        bar.set_postfix(loss=f"{np.mean(running[-50:]):.3f}", refresh=False)
        if step % every == 0 or step == args.steps:
            history["train_loss"].append(float(np.mean(running)))
            history["test_exact"].append(exact_match(model, test[:500], src_vocab, tgt_vocab))
            log(f"step {step}: train loss {history['train_loss'][-1]:.4f}, exact match on "
                f"{min(500, len(test))} test dates {history['test_exact'][-1]:.4f}")
            running = []
    bar.close()
    out = prepare_out(args.out)
    io.save({"model": model.state_dict(), "source_vocab": "".join(src_vocab.tokens[1:]),
             "config": cfg}, os.path.join(out, "translate_dates.safetensors"))
    save_learning_curves(history, os.path.join(out, "curves.png"), title="translate-dates (x: evaluation round)",
                         log=log)
    predictions, weights = translate(model, [s for s, _ in test], src_vocab, tgt_vocab)
    accuracy = float(np.mean([p == t for p, (_, t) in zip(predictions, test)]))
    shown = [0, 1, 2, 3]
    save_attention_plot([(test[i][0], predictions[i], weights[i]) for i in shown],
                        os.path.join(out, "attention.png"), log)
    for i in shown:
        log(f"  {test[i][0]!r} -> {predictions[i]} (true {test[i][1]})")
    log(f"exact match: {accuracy:.4f}")
    return {"exact match": accuracy}
