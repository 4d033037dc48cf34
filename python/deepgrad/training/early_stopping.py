"""EarlyStopping: stop training once a validation metric stops improving, and keep the best weights."""
import math

import numpy as np


class EarlyStopping:
    """Call step(metric, model) once per epoch; it returns True when training should stop.

    An epoch improves when metric < best - min_delta ('min') or metric > best + min_delta ('max'). Training stops
    after `patience` epochs in a row without improvement. With restore_best, a copy of the best
    model.state_dict() is kept (as NumPy arrays) and restore(model) loads it back.
    """

    def __init__(self, patience=5, min_delta=0.0, mode="min", restore_best=True):
        if mode not in ("min", "max"):
            raise ValueError(f"EarlyStopping: mode must be 'min' or 'max', got {mode!r}")
        if patience < 0:
            raise ValueError(f"EarlyStopping: patience must be >= 0, got {patience}")
        if min_delta < 0:
            raise ValueError(f"EarlyStopping: min_delta must be >= 0, got {min_delta}")
        self.patience = patience
        self.min_delta = min_delta
        self.mode = mode
        self.restore_best = restore_best
        self.best = math.inf if mode == "min" else -math.inf
        self.best_epoch = -1
        self.best_state = None
        self.epoch = -1
        self.num_bad_epochs = 0
        self.should_stop = False

    def is_better(self, metric):
        if self.mode == "min":
            return metric < self.best - self.min_delta
        return metric > self.best + self.min_delta

    def step(self, metric, model=None):
        """Record this epoch's metric; returns True once `patience` epochs have passed without improvement."""
        metric = float(metric)
        self.epoch += 1
        if self.is_better(metric):
            self.best = metric
            self.best_epoch = self.epoch
            self.num_bad_epochs = 0
            if self.restore_best and model is not None:
                self.best_state = {k: np.array(_array(v), copy=True) for k, v in model.state_dict().items()}
        else:
            self.num_bad_epochs += 1
        if self.num_bad_epochs >= self.patience and self.num_bad_epochs > 0:
            self.should_stop = True
        return self.should_stop

    def restore(self, model):
        """Load the best weights seen so far into model (no-op if none were kept)."""
        if self.best_state is not None:
            model.load_state_dict(self.best_state)
        return model

    def state_dict(self):
        return {k: v for k, v in self.__dict__.items()}

    def load_state_dict(self, state_dict):
        self.__dict__.update(state_dict)


def _array(value):
    return value._data if hasattr(value, "_data") else np.asarray(value)
