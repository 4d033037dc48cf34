"""mnist-cnn: the course's MNIST CNN (conv24-pool-conv36-pool-dense128-dense10, no padding) on MNIST IDX files the
user already has (--data DIR holding train-images-idx3-ubyte[.gz] and the three others)."""
import numpy as np

from .. import datasets, random
from ..data import Subset
from ..datasets.digits import stratified_split
from .common import positive_int
from .digits_cnn import add_cnn_arguments, train_cnn


def add_arguments(parser):
    add_cnn_arguments(parser, epochs=10, batch_size=64, lr=1e-3, out="runs/mnist-cnn", patience=3)
    parser.add_argument("--data", required=True, metavar="DIR", help="folder with the four MNIST IDX files")
    parser.add_argument("--val-fraction", type=float, default=0.1,
                        help="fraction of the training images held out for validation (default 0.1)")
    parser.add_argument("--limit", type=positive_int, default=None,
                        help="use only the first N training images (a quick run)")


def run(args, log=print):
    random.manual_seed(args.seed)
    train, test = datasets.mnist(args.data)
    labels = train.tensors[1].numpy()
    if args.limit is not None:
        labels = labels[:args.limit]
    fit_idx, val_idx = stratified_split(labels, [1 - args.val_fraction, args.val_fraction], args.seed)
    if len(val_idx) == 0 or len(fit_idx) == 0:
        raise SystemExit(f"mnist-cnn: {len(labels)} training images are too few to hold out a validation split")
    size = train.tensors[0].shape[-1]
    return train_cnn(args, "mnist-cnn", Subset(train, np.asarray(fit_idx)), Subset(train, np.asarray(val_idx)), test,
                     image_size=size, padding=0, log=log)
