"""Bernoulli: a 0/1 outcome with probability probs (or sigmoid(logits)) of 1, elementwise over a batch."""
import numpy as np

from .. import random
from ..ops import elementwise as _ew
from ..ops.loss import binary_cross_entropy_with_logits
from ..tensor import Size, Tensor
from .distribution import Distribution
from .utils import as_float_tensor, lazy_property, logits_to_probs, probs_to_logits


class Bernoulli(Distribution):
    """Bernoulli(probs=None, logits=None): exactly one of them; batch_shape is its shape.

    log_prob(x) = x log p + (1 - x) log(1 - p), computed from the logits as -BCEWithLogits(logits, x);
    entropy = -p log p - (1 - p) log(1 - p). sample() returns 0./1. in the parameter's dtype.
    """

    arg_constraints = {"probs": "unit_interval", "logits": "real"}

    def __init__(self, probs=None, logits=None, validate_args=None):
        if (probs is None) == (logits is None):
            raise ValueError("Bernoulli: either `probs` or `logits` must be specified, but not both")
        if probs is not None:
            self.probs = as_float_tensor(probs)
            param = self.probs
        else:
            self.logits = as_float_tensor(logits)
            param = self.logits
        self._param = param
        super().__init__(batch_shape=param.shape, validate_args=validate_args)

    def _check_parameters(self):
        if "probs" in self.__dict__:
            p = self.probs._data
            if not np.all((p >= 0) & (p <= 1)):
                raise ValueError(f"Bernoulli: probs must be in [0, 1], got {self.probs}")
        elif np.any(np.isnan(self.logits._data)):
            raise ValueError("Bernoulli: logits contain NaN")

    @lazy_property
    def logits(self):
        return probs_to_logits(self.probs, is_binary=True)

    @lazy_property
    def probs(self):
        return logits_to_probs(self.logits, is_binary=True)

    @property
    def param_shape(self):
        return self._param.shape

    @property
    def mean(self):
        return self.probs

    @property
    def mode(self):
        return Tensor._wrap((self.probs._data > 0.5).astype(self._param.dtype))

    @property
    def variance(self):
        return self.probs * (1 - self.probs)

    def sample(self, sample_shape=Size()):
        shape = tuple(self._extended_shape(sample_shape))
        u = random.uniform(0.0, 1.0, shape)
        return Tensor._wrap((u < self.probs._data).astype(self._param.dtype))

    def log_prob(self, value):
        value = as_float_tensor(value, self._param)
        if self._validate_args and not np.all((value._data == 0) | (value._data == 1)):
            raise ValueError("Bernoulli.log_prob: values must be 0 or 1")
        logits = self.logits
        shape = np.broadcast_shapes(tuple(logits.shape), tuple(value.shape))
        if tuple(logits.shape) != shape:
            logits = logits.expand(shape)
        if tuple(value.shape) != shape:
            value = value.expand(shape)
        return -binary_cross_entropy_with_logits(logits, value, reduction="none")

    def entropy(self):
        return binary_cross_entropy_with_logits(self.logits, self.probs, reduction="none")

    def enumerate_support(self, expand=True):
        values = np.arange(2, dtype=self._param.dtype).reshape((-1,) + (1,) * len(self.batch_shape))
        if expand:
            values = np.broadcast_to(values, (2,) + tuple(self.batch_shape)).copy()
        return Tensor._wrap(values)
