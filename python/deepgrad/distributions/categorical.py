"""Categorical: a distribution over {0, ..., K-1} given by probs or logits along the last dimension."""
import numpy as np

from .. import random
from ..dtypes import int64
from ..ops import elementwise as _ew
from ..ops import reduce as _rd
from ..ops import shape as _sh
from ..tensor import Size, Tensor
from .distribution import Distribution
from .utils import as_float_tensor, lazy_property, logits_to_probs, probs_to_logits


class Categorical(Distribution):
    """Categorical(probs=None, logits=None): exactly one of them, shape batch_shape + (K,).

    probs are normalised to sum to 1 along the last dimension; logits are normalised as log-probabilities
    (logits - logsumexp(logits)). sample() returns int64 indices of shape sample_shape + batch_shape.
    log_prob(k) = log p_k; entropy = -sum_k p_k log p_k.
    """

    arg_constraints = {"probs": "simplex", "logits": "real_vector"}

    def __init__(self, probs=None, logits=None, validate_args=None):
        if (probs is None) == (logits is None):
            raise ValueError("Categorical: either `probs` or `logits` must be specified, but not both")
        if probs is not None:
            probs = as_float_tensor(probs)
            if probs.ndim < 1:
                raise ValueError("Categorical: `probs` must be at least one-dimensional")
            self.probs = probs / _rd.sum(probs, dim=-1, keepdim=True)
            param = self.probs
        else:
            logits = as_float_tensor(logits)
            if logits.ndim < 1:
                raise ValueError("Categorical: `logits` must be at least one-dimensional")
            self.logits = logits - _rd.logsumexp(logits, dim=-1, keepdim=True)
            param = self.logits
        self._param = param
        self._num_events = param.shape[-1]
        super().__init__(batch_shape=param.shape[:-1], validate_args=validate_args)

    def _check_parameters(self):
        if "probs" in self.__dict__:
            p = self.probs._data
            if not (np.all(p >= 0) and np.all(np.isfinite(p))):
                raise ValueError(f"Categorical: probs must be non-negative and finite, got {self.probs}")
        elif np.any(np.isnan(self.logits._data)):
            raise ValueError("Categorical: logits contain NaN")

    @lazy_property
    def logits(self):
        """Normalised log-probabilities, shape batch_shape + (K,)."""
        return probs_to_logits(self.probs)

    @lazy_property
    def probs(self):
        """Probabilities summing to 1 along the last dimension."""
        return logits_to_probs(self.logits)

    @property
    def param_shape(self):
        return self._param.shape

    @property
    def num_events(self):
        return self._num_events

    @property
    def mean(self):
        return Tensor(np.full(self.batch_shape, np.nan, dtype=self._param.dtype))

    @property
    def mode(self):
        return _rd.argmax(self.probs, dim=-1)

    @property
    def variance(self):
        return Tensor(np.full(self.batch_shape, np.nan, dtype=self._param.dtype))

    def sample(self, sample_shape=Size()):
        """Indices drawn by inverting the cumulative distribution with one uniform per draw."""
        shape = tuple(sample_shape) + tuple(self.batch_shape)
        cdf = np.cumsum(self.probs._data, axis=-1)
        u = random.uniform(0.0, 1.0, shape + (1,)) * cdf[..., -1:]  # rescaled: immune to rounding in the sum
        index = (cdf < u).sum(axis=-1)
        return Tensor._wrap(np.minimum(index, self._num_events - 1).astype(int64))

    def _validate_sample(self, value):
        v = value._data
        if not (np.all(v == np.floor(v)) and np.all(v >= 0) and np.all(v < self._num_events)):
            raise ValueError(f"Categorical.log_prob: values must be integers in [0, {self._num_events - 1}]")

    def log_prob(self, value):
        """log p_value, for integer `value` broadcastable with batch_shape."""
        value = value if isinstance(value, Tensor) else Tensor(np.asarray(value))
        if self._validate_args:
            self._validate_sample(value)
        shape = np.broadcast_shapes(tuple(value.shape), tuple(self.batch_shape))
        logits = self.logits
        if tuple(logits.shape[:-1]) != shape:
            logits = _sh.broadcast_to(logits, shape + (self._num_events,))
        index = np.broadcast_to(value._data.astype(int64), shape)[..., None]
        return _sh.squeeze(logits.gather(-1, Tensor._wrap(np.ascontiguousarray(index))), -1)

    def entropy(self):
        """-sum_k p_k log p_k (logits clamped at the dtype's lowest value so that 0 * -inf gives 0)."""
        logits = _ew.clamp(self.logits, min=float(np.finfo(self.logits.dtype).min))
        return -_rd.sum(logits * self.probs, dim=-1)

    def enumerate_support(self, expand=True):
        values = np.arange(self._num_events, dtype=int64).reshape((-1,) + (1,) * len(self.batch_shape))
        if expand:
            values = np.broadcast_to(values, (self._num_events,) + tuple(self.batch_shape)).copy()
        return Tensor._wrap(values)
