"""digits-cnn: the course's CNN (conv24-pool-conv36-pool-dense128-dense10) on scikit-learn's 8x8 digits; bar: test
accuracy >= 0.97. Also plots the confusion matrix, the first layer's filters and one test image's feature maps.

train_cnn is shared with mnist-cnn (the same network at 28x28).
"""
import os
import time

import numpy as np

from .. import datasets, io, random
from ..autograd.grad_mode import no_grad
from ..models import CNN
from ..training import EarlyStopping, evaluate, fit_classifier, save_learning_curves
from ..training.plots import confusion_matrix, save_confusion_matrix, save_feature_maps, save_filters
from .common import add_common_arguments, make_loaders, make_optimizer, prepare_out


def add_cnn_arguments(parser, *, epochs, batch_size, lr, out, patience):
    add_common_arguments(parser, epochs=epochs, batch_size=batch_size, lr=lr, optimizer="adam", out=out)
    parser.add_argument("--batchnorm", action="store_true",
                        help="batch normalisation after each convolution and the dense layer")
    parser.add_argument("--dropout", type=float, default=0.0, help="dropout before the output layer (default 0)")
    parser.add_argument("--patience", type=int, default=patience,
                        help=f"early-stopping patience in epochs (default {patience})")


def add_arguments(parser):
    add_cnn_arguments(parser, epochs=40, batch_size=32, lr=1e-3, out="runs/digits-cnn", patience=6)


def predict(model, loader):
    """(predicted classes, targets) as NumPy arrays over `loader`, in eval mode: argmax over dim 1, so (N,) for
    classifiers and (N, H, W) for per-pixel logits."""
    was_training = model.training
    model.eval()
    predicted, targets = [], []
    with no_grad():
        for x, y in loader:
            predicted.append(model(x).argmax(dim=1).numpy())
            targets.append(y.numpy())
    model.train(was_training)
    return np.concatenate(predicted), np.concatenate(targets)


def fit_and_save(args, model, optimizer, train_loader, val_loader, title, log=print):
    """fit_classifier with early stopping (args.patience) for up to args.epochs, then the checkpoint and the
    learning curves in args.out. Returns (history, seconds of training, output folder, checkpoint path)."""
    start = time.perf_counter()
    history = fit_classifier(model, optimizer, train_loader, val_loader, args.epochs,
                             early_stopping=EarlyStopping(patience=args.patience), progress=args.progress, log=log)
    seconds = time.perf_counter() - start
    out = prepare_out(args.out)
    checkpoint = os.path.join(out, "model.safetensors")
    io.save(model.state_dict(), checkpoint)
    save_learning_curves(history, os.path.join(out, "learning_curves.png"), title=title, log=log)
    return history, seconds, out, checkpoint


def train_cnn(args, name, train, val, test, image_size, padding, log=print):
    """Train the course's CNN on (N, 1, image_size, image_size) data sets, write the checkpoint and plots into
    args.out, and log the test metrics (last line: 'test accuracy: ...')."""
    train_loader, val_loader, test_loader = make_loaders(train, val, test, args.batch_size, args.seed)
    model = CNN(1, image_size, 10, padding=padding, batchnorm=args.batchnorm, dropout=args.dropout)
    optimizer = make_optimizer(args.optimizer, model.parameters(), args.lr)
    log(f"{name}: {len(train)} train / {len(val)} val / {len(test)} test images ({image_size}x{image_size}), "
        f"CNN conv24-pool-conv36-pool-dense128-dense10{' with batch norm' if args.batchnorm else ''}, "
        f"{args.optimizer} lr {args.lr}, batch size {args.batch_size}")
    history, seconds, out, checkpoint = fit_and_save(args, model, optimizer, train_loader, val_loader, name, log)
    predicted, targets = predict(model, test_loader)
    save_confusion_matrix(confusion_matrix(targets, predicted, 10), os.path.join(out, "confusion_matrix.png"),
                          title=f"{name}: test confusion matrix", log=log)
    save_filters(model[0].weight, os.path.join(out, "filters.png"), title=f"{name}: first-layer filters", log=log)
    image = test[0][0]
    model.eval()
    with no_grad():
        maps = [m[0] for m in model.feature_maps(image.unsqueeze(0))]
    save_feature_maps(image.numpy(), maps, os.path.join(out, "feature_maps.png"),
                      names=[f"conv {i + 1} + ReLU" for i in range(len(maps))],
                      title=f"{name}: feature maps of a test image (label {int(test[0][1].item())})", log=log)
    result = evaluate(model, test_loader)
    log(f"best epoch {history['best_epoch']} of {history['epochs']} ({seconds:.1f}s of training); wrote {checkpoint} "
        f"and plots in {out}")
    log(f"test loss: {result['loss']:.4f}")
    log(f"test accuracy: {result['acc']:.4f}")
    return {"test loss": result["loss"], "test accuracy": result["acc"], "best epoch": history["best_epoch"],
            "seconds": seconds}


def run(args, log=print):
    random.manual_seed(args.seed)
    train, val, test = datasets.digits(seed=args.seed, flat=False)
    return train_cnn(args, "digits-cnn", train, val, test, image_size=8, padding=1, log=log)
