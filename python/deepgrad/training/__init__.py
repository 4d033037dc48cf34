"""Training helpers that sit beside the optimizers: early stopping, a classifier training loop, learning curves."""
from .early_stopping import EarlyStopping
from .loop import evaluate, fit_classifier, train_epoch
from .plots import save_learning_curves

__all__ = ["EarlyStopping", "evaluate", "fit_classifier", "save_learning_curves", "train_epoch"]
