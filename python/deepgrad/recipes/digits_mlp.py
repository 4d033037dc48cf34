"""digits-mlp: an MLP (64-128-64-10) classifying scikit-learn's 8x8 digits; bar: test accuracy >= 0.95."""
import os

from .. import datasets, io, random
from ..models import MLP
from ..training import EarlyStopping, evaluate, fit_classifier, save_learning_curves
from .common import add_common_arguments, make_loaders, make_optimizer, positive_int, prepare_out


def add_arguments(parser):
    add_common_arguments(parser, epochs=60, batch_size=32, lr=1e-3, optimizer="adam", out="runs/digits-mlp")
    parser.add_argument("--hidden", type=lambda s: [positive_int(x) for x in s.split(",")], default=[128, 64],
                        help="hidden layer sizes, comma separated (default 128,64)")
    parser.add_argument("--dropout", type=float, default=0.1, help="dropout after each hidden layer (default 0.1)")
    parser.add_argument("--patience", type=int, default=8, help="early-stopping patience in epochs (default 8)")


def run(args, log=print):
    random.manual_seed(args.seed)
    train, val, test = datasets.digits(seed=args.seed)
    train_loader, val_loader, test_loader = make_loaders(train, val, test, args.batch_size, args.seed)
    model = MLP(64, args.hidden, 10, dropout=args.dropout)
    optimizer = make_optimizer(args.optimizer, model.parameters(), args.lr)
    log(f"digits-mlp: {len(train)} train / {len(val)} val / {len(test)} test images, MLP 64-"
        f"{'-'.join(map(str, args.hidden))}-10 (dropout {args.dropout}), {args.optimizer} lr {args.lr}, batch size {args.batch_size}")
    history = fit_classifier(model, optimizer, train_loader, val_loader, args.epochs,
                             early_stopping=EarlyStopping(patience=args.patience), progress=args.progress, log=log)
    out = prepare_out(args.out)
    checkpoint = os.path.join(out, "model.safetensors")
    io.save(model.state_dict(), checkpoint)
    save_learning_curves(history, os.path.join(out, "learning_curves.png"), title="digits-mlp", log=log)
    result = evaluate(model, test_loader)
    log(f"best epoch {history['best_epoch']} of {history['epochs']}; wrote {checkpoint}")
    log(f"test loss: {result['loss']:.4f}")
    log(f"test accuracy: {result['acc']:.4f}")
    return {"test loss": result["loss"], "test accuracy": result["acc"], "best epoch": history["best_epoch"]}
