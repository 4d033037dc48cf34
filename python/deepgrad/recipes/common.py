"""What recipes share: the standard options, optimizer choice, loaders and the output folder."""
import argparse
import os

from .. import data, io, optim
from ..random import Generator

OPTIMIZERS = {
    "sgd": optim.SGD, "adam": optim.Adam, "adamw": optim.AdamW, "rmsprop": optim.RMSprop,
    "adagrad": optim.Adagrad, "adadelta": optim.Adadelta,
}


def add_common_arguments(parser, *, epochs, batch_size, lr, optimizer, out, seed=0):
    """--epochs --batch-size --lr --optimizer --seed --out --no-progress, with the recipe's defaults."""
    parser.add_argument("--epochs", type=int, default=epochs, help=f"maximum number of epochs (default {epochs})")
    parser.add_argument("--batch-size", type=int, default=batch_size, help=f"batch size (default {batch_size})")
    parser.add_argument("--lr", type=float, default=lr, help=f"learning rate (default {lr})")
    parser.add_argument("--optimizer", choices=sorted(OPTIMIZERS), default=optimizer,
                        help=f"optimizer (default {optimizer})")
    parser.add_argument("--seed", type=int, default=seed, help=f"random seed for data split, init and shuffling "
                                                               f"(default {seed})")
    parser.add_argument("--out", default=out, metavar="DIR", help=f"output folder (default {out})")
    parser.add_argument("--no-progress", dest="progress", action="store_false", help="no progress bar")


def positive_int(text):
    value = int(text)
    if value <= 0:
        raise argparse.ArgumentTypeError(f"expected a positive integer, got {text}")
    return value


def make_optimizer(name, params, lr, **kwargs):
    """The optimizer called `name` (one of OPTIMIZERS) over `params`; SGD gets momentum 0.9 unless given."""
    if name not in OPTIMIZERS:
        raise ValueError(f"unknown optimizer {name!r}; choose one of {', '.join(sorted(OPTIMIZERS))}")
    if name == "sgd":
        kwargs.setdefault("momentum", 0.9)
    return OPTIMIZERS[name](params, lr=lr, **kwargs)


def make_loaders(train, val, test, batch_size, seed):
    """A shuffling train loader (its own generator, seeded) and sequential val/test loaders."""
    gen = Generator().manual_seed(seed)
    eval_size = max(batch_size, 256)
    return (data.DataLoader(train, batch_size=batch_size, shuffle=True, generator=gen),
            data.DataLoader(val, batch_size=eval_size),
            data.DataLoader(test, batch_size=eval_size))


def prepare_out(path):
    os.makedirs(path, exist_ok=True)
    return path


def load_checkpoint(path, recipe, keys):
    """The dict a recipe's run() saved at `path`, or a ValueError naming the recipe when an entry is missing."""
    ckpt = io.load(path)
    missing = [k for k in keys if not (isinstance(ckpt, dict) and k in ckpt)]
    if missing:
        raise ValueError(f"{recipe}: {path} is not a {recipe} checkpoint: it has no {' or '.join(map(repr, missing))} "
                         "entry")
    return ckpt


def linear_out_features(state, prefix=""):
    """The output sizes of the Linear layers under `prefix` in a state dict, in layer order. The weight shapes
    hold every size of an MLP, so a recipe rebuilds its network from them ('0.weight' (64, 4), '2.weight' (2, 64)
    -> [64, 2])."""
    def layer_index(key):
        return [int(part) for part in key[len(prefix):].split(".")[:-1] if part.isdigit()]

    keys = [k for k in state if k.startswith(prefix) and k.endswith(".weight") and len(state[k].shape) == 2]
    return [int(state[k].shape[0]) for k in sorted(keys, key=layer_index)]
