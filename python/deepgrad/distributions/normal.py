"""Normal: the Gaussian N(loc, scale^2), elementwise over a batch, with reparameterised sampling."""
import math

import numpy as np

from .. import random
from ..ops import elementwise as _ew
from ..ops import special as _sp
from ..tensor import Size, Tensor
from .distribution import Distribution
from .utils import as_float_tensor, broadcast_all

_LOG_SQRT_2PI = 0.5 * math.log(2 * math.pi)
_SQRT_2 = math.sqrt(2)


class Normal(Distribution):
    """Normal(loc, scale): batch_shape is the broadcast shape of loc and scale; event_shape is ().

    rsample draws loc + scale * eps with eps ~ N(0, 1), so gradients flow into loc and scale.
    log_prob(x) = -(x - loc)^2 / (2 scale^2) - log scale - log sqrt(2 pi);
    cdf(x) = (1 + erf((x - loc) / (scale sqrt 2))) / 2;  icdf(p) = loc + scale sqrt(2) erfinv(2p - 1);
    entropy = 1/2 + log sqrt(2 pi) + log scale.
    """

    arg_constraints = {"loc": "real", "scale": "positive"}
    has_rsample = True

    def __init__(self, loc, scale, validate_args=None):
        self.loc, self.scale = broadcast_all(loc, scale)
        super().__init__(batch_shape=self.loc.shape, validate_args=validate_args)

    def _check_parameters(self):
        if np.any(np.isnan(self.loc._data)):
            raise ValueError("Normal: loc contains NaN")
        if not np.all(self.scale._data > 0):
            raise ValueError(f"Normal: scale must be positive, got {self.scale}")

    @property
    def mean(self):
        return self.loc

    @property
    def mode(self):
        return self.loc

    @property
    def stddev(self):
        return self.scale

    @property
    def variance(self):
        return self.scale * self.scale

    def rsample(self, sample_shape=Size()):
        shape = self._extended_shape(sample_shape)
        eps = Tensor._wrap(random.normal(0.0, 1.0, tuple(shape)).astype(self.loc.dtype))
        return self.loc + eps * self.scale

    def log_prob(self, value):
        value = as_float_tensor(value, self.loc)
        if self._validate_args and np.any(np.isnan(value._data)):
            raise ValueError("Normal.log_prob: value contains NaN")
        var = self.scale * self.scale
        return -((value - self.loc) ** 2) / (2 * var) - _ew.log(self.scale) - _LOG_SQRT_2PI

    def cdf(self, value):
        value = as_float_tensor(value, self.loc)
        if self._validate_args and np.any(np.isnan(value._data)):
            raise ValueError("Normal.cdf: value contains NaN")
        return 0.5 * (1 + _sp.erf((value - self.loc) / (self.scale * _SQRT_2)))

    def icdf(self, value):
        """The quantile function; as in PyTorch, values outside [0, 1] give NaN (no validation)."""
        value = as_float_tensor(value, self.loc)
        return self.loc + self.scale * _sp.erfinv(2 * value - 1) * _SQRT_2

    def entropy(self):
        return 0.5 + _LOG_SQRT_2PI + _ew.log(self.scale)
