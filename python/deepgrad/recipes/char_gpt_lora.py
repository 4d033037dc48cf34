"""char-gpt-lora: fine-tune a trained char-gpt on a new text with LoRA adapters, the base weights frozen.

    deepgrad train char-gpt-lora --base runs/char-gpt/char_gpt.safetensors --data STYLE.txt [--r 8 --alpha 16]

Adapters (deepgrad.nn.lora) wrap the Linear layers whose names match --targets (default: the attention and MLP
projections c_attn, c_proj, c_fc); everything else is frozen. Prints the share of trainable parameters, the
validation loss on the new text before and after, and checks that the base weights are bit-identical; writes only
the adapters (lora.safetensors) and a loss PNG. Characters of the new text outside the base vocabulary are dropped.
"""
import hashlib
import os
import time

import numpy as np

from .. import io, optim, random
from ..nn import lora
from .char_gpt import evaluate, load_model, plot_losses, read_text, split_ids, train
from .common import positive_int, prepare_out

DEFAULTS = {"r": 8, "alpha": 16.0, "lora_dropout": 0.0, "batch_size": 32, "steps": 300, "lr": 2e-3, "warmup": 30}


def add_arguments(parser):
    parser.add_argument("--base", required=True, metavar="CHECKPOINT", help="a checkpoint of `deepgrad train char-gpt`")
    parser.add_argument("--data", required=True, metavar="FILE", help="the new text (UTF-8)")
    parser.add_argument("--targets", default="c_attn,c_proj,c_fc",
                        help="comma-separated Linear names or globs to adapt (default c_attn,c_proj,c_fc)")
    for key, value in DEFAULTS.items():
        kind = float if isinstance(value, float) else positive_int
        parser.add_argument("--" + key.replace("_", "-"), type=kind, default=value, help=f"(default {value})")
    parser.add_argument("--clip", type=float, default=1.0, help="gradient-norm clipping threshold (default 1.0)")
    parser.add_argument("--val-fraction", type=float, default=0.1, help="share of the text held out (default 0.1)")
    parser.add_argument("--eval-interval", type=positive_int, default=100, help="steps between val losses (100)")
    parser.add_argument("--time-limit", type=float, default=0.0, help="stop after this many minutes (0: no limit)")
    parser.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    parser.add_argument("--out", default="runs/char-gpt-lora", metavar="DIR", help="output folder")
    parser.add_argument("--no-progress", dest="progress", action="store_false", help="no progress bar")


def _fingerprint(model):
    """A hash of every frozen parameter's bytes."""
    h = hashlib.sha256()
    for name, p in model.named_parameters():
        if not p.requires_grad:
            h.update(name.encode())
            h.update(np.ascontiguousarray(p.detach().numpy()).tobytes())
    return h.hexdigest()


def run(args, log=print):
    random.manual_seed(args.seed)
    model, vocab = load_model(args.base)
    args.block_size = model.block_size
    text = read_text(args.data)
    kept = "".join(c for c in text if c in vocab.index)
    if len(kept) < len(text):
        log(f"char-gpt-lora: dropped {len(text) - len(kept)} characters not in the base vocabulary")
    ids = np.asarray(vocab.encode(kept), dtype=np.int64)
    train_ids, val_ids = split_ids(ids, args.val_fraction, args.block_size)
    wrapped = lora.apply_lora(model, [t for t in args.targets.split(",") if t], args.r, args.alpha, args.lora_dropout)
    trainable, total = lora.trainable_parameters(model)
    log(f"char-gpt-lora: {len(wrapped)} Linear layers adapted (rank {args.r}, alpha {args.alpha}); trainable "
        f"parameters: {trainable} of {total} ({100 * trainable / total:.2f}%)")
    before_hash = _fingerprint(model)
    before = evaluate(model, val_ids, args.block_size)
    log(f"val loss before: {before:.4f}")
    params = [p for p in model.parameters() if p.requires_grad]
    opt = optim.AdamW(params, lr=args.lr, weight_decay=0.0)
    warmup = min(args.warmup, max(args.steps - 1, 1))
    sched = optim.lr_scheduler.SequentialLR(opt, [
        optim.lr_scheduler.LinearLR(opt, start_factor=1.0 / warmup, total_iters=warmup),
        optim.lr_scheduler.CosineAnnealingLR(opt, T_max=max(args.steps - warmup, 1), eta_min=args.lr / 10),
    ], milestones=[warmup])
    start = time.perf_counter()
    steps, losses, val_points = train(model, opt, sched, train_ids, val_ids, args, log, "char-gpt-lora")
    after = val_points[-1][1] if val_points else evaluate(model, val_ids, args.block_size)
    unchanged = _fingerprint(model) == before_hash
    out = prepare_out(args.out)
    path = os.path.join(out, "lora.safetensors")
    io.save({"adapters": lora.lora_state_dict(model), "config": {"r": args.r, "alpha": args.alpha,
             "targets": args.targets, "base": os.path.abspath(args.base)}}, path)
    plot_losses(steps, losses, val_points, os.path.join(out, "loss.png"), log, title="char-gpt-lora")
    log(f"{len(steps)} steps in {(time.perf_counter() - start) / 60:.1f} min; wrote the adapters to {path}")
    log(f"base weights unchanged: {'yes' if unchanged else 'NO'}")
    log(f"val loss before: {before:.4f}")
    log(f"val loss: {after:.4f}")
    return {"val loss before": before, "val loss": after, "trainable": trainable, "total": total,
            "base unchanged": unchanged}
