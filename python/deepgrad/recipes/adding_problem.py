"""adding-problem: can a recurrent cell carry a value across T steps? (vanishing gradients, made visible)

deepgrad train adding-problem --cell {rnn,lstm,gru} --length 100
A cell reads T steps of (value, marker) and a Linear layer on its last hidden state predicts the sum of the two
marked values. Always predicting 1.0 scores an MSE of about 0.167; at T=100 the LSTM and GRU get below 0.01,
while a plain tanh RNN with default initialisation stays near the baseline. --cell all trains the three in turn.
"""
import os
import sys

import numpy as np
from tqdm import tqdm

from .. import io, nn, random
from ..autograd.grad_mode import no_grad
from ..datasets.adding import BASELINE_MSE, adding_problem
from ..nn import functional as F
from ..tensor import tensor
from ..training.plots import save_learning_curves
from .common import make_optimizer, positive_int, prepare_out

CELLS = {"rnn": nn.RNN, "lstm": nn.LSTM, "gru": nn.GRU}


class AddingModel(nn.Module):
    """cell(2 -> hidden) over the sequence, Linear(hidden, 1) on the last hidden state."""

    def __init__(self, cell, hidden):
        super().__init__()
        self.rnn = CELLS[cell](2, hidden, batch_first=True)
        self.head = nn.Linear(hidden, 1)

    def forward(self, x):
        out, _ = self.rnn(x)
        return self.head(out[:, -1])


def add_arguments(parser):
    parser.add_argument("--cell", choices=sorted(CELLS) + ["all"], default="lstm", help="recurrent cell (default lstm)")
    parser.add_argument("--length", type=positive_int, default=100, help="sequence length T (default 100)")
    parser.add_argument("--hidden", type=positive_int, default=128, help="hidden size (default 128)")
    parser.add_argument("--steps", type=positive_int, default=3000, help="training steps (default 3000)")
    parser.add_argument("--batch-size", type=positive_int, default=64, help="batch size (default 64)")
    parser.add_argument("--lr", type=float, default=2e-3, help="learning rate (default 2e-3)")
    parser.add_argument("--optimizer", default="adam", help="optimizer (default adam)")
    parser.add_argument("--clip", type=float, default=1.0, help="gradient-norm clipping threshold (default 1.0)")
    parser.add_argument("--test-size", type=positive_int, default=1000, help="test sequences (default 1000)")
    parser.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    parser.add_argument("--out", default="runs/adding-problem", metavar="DIR", help="output folder")
    parser.add_argument("--no-progress", dest="progress", action="store_false", help="no progress bar")


def mse(model, x, y, batch=500):
    model.eval()
    with no_grad():
        total = sum(F.mse_loss(model(tensor(x[i:i + batch])), tensor(y[i:i + batch]), reduction="sum").item()
                    for i in range(0, len(x), batch))
    model.train()
    return total / len(x)


def train_cell(cell, args, log=print):
    """Train one cell; returns (model, test mse, history)."""
    random.manual_seed(args.seed)
    rng = np.random.default_rng(args.seed)
    x_test, y_test = adding_problem(args.test_size, args.length, np.random.default_rng(args.seed + 10_000))
    model = AddingModel(cell, args.hidden)
    optimizer = make_optimizer(args.optimizer, model.parameters(), args.lr)
    params = list(model.parameters())
    history = {"train_mse": [], "test_mse": []}
    every = max(1, args.steps // 20)
    running = []
    bar = tqdm(range(1, args.steps + 1), desc=cell, disable=not (args.progress and sys.stderr.isatty()),
               file=sys.stderr, dynamic_ncols=True)
    for step in bar:
        x, y = adding_problem(args.batch_size, args.length, rng)
        loss = F.mse_loss(model(tensor(x)), tensor(y))
        optimizer.zero_grad()
        loss.backward()
        nn.utils.clip_grad_norm_(params, args.clip)
        optimizer.step()
        running.append(loss.item())
        bar.set_postfix(mse=f"{np.mean(running[-50:]):.4f}", refresh=False)
        if step % every == 0 or step == args.steps:
            history["train_mse"].append(float(np.mean(running)))
            history["test_mse"].append(mse(model, x_test, y_test))
            running = []
    bar.close()
    return model, history["test_mse"][-1], history


def run(args, log=print):
    cells = sorted(CELLS) if args.cell == "all" else [args.cell]
    out = prepare_out(args.out)
    log(f"adding-problem: T={args.length}, hidden {args.hidden}, {args.steps} steps of batch {args.batch_size}, "
        f"{args.optimizer} lr {args.lr}, clip {args.clip}; baseline (always predict 1.0) mse {BASELINE_MSE:.4f}")
    results = {}
    for cell in cells:
        model, test_mse, history = train_cell(cell, args, log)
        io.save(model.state_dict(), os.path.join(out, f"{cell}.safetensors"))
        save_learning_curves(history, os.path.join(out, f"{cell}_curves.png"),
                             title=f"adding problem, {cell}, T={args.length} (x: evaluation round)", log=log)
        verdict = "solved (< 0.01)" if test_mse < 0.01 else "not solved"
        log(f"{cell}: test mse {test_mse:.4f} vs baseline {BASELINE_MSE:.4f}: {verdict}")
        results[cell] = test_mse
    log(f"baseline mse: {BASELINE_MSE:.4f}")
    for cell in cells:
        log(f"{cell} test mse: {results[cell]:.4f}")
    log(f"test mse: {results[cells[-1]]:.4f}")
    return {"test mse": results[cells[-1]], **{f"{c} test mse": v for c, v in results.items()}}
