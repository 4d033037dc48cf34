"""Optimizers and learning-rate schedulers, as torch.optim (dg.optim.lr_scheduler mirrors its schedulers)."""
from . import lr_scheduler
from .adadelta import Adadelta, adadelta_update
from .adagrad import Adagrad, adagrad_update
from .adam import Adam, AdamW, adam_update
from .optimizer import Optimizer
from .rmsprop import RMSprop, rmsprop_update
from .sgd import SGD, sgd_update

__all__ = [
    "Optimizer", "SGD", "Adam", "AdamW", "RMSprop", "Adagrad", "Adadelta", "lr_scheduler",
    "sgd_update", "adam_update", "rmsprop_update", "adagrad_update", "adadelta_update",
]
