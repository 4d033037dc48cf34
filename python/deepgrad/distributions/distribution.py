"""Distribution: the base class (batch_shape, event_shape, sample/rsample, argument validation), as torch's."""
from ..autograd.grad_mode import no_grad
from ..tensor import Size

_default_validate_args = True


class Distribution:
    """A family of probability distributions over a batch of independent parameter sets.

    batch_shape: the shape of the parameter batch; event_shape: the shape of one draw. sample(sample_shape)
    returns a Tensor of shape sample_shape + batch_shape + event_shape; log_prob(value) one of
    sample_shape + batch_shape. has_rsample says whether rsample (reparameterised, differentiable) exists.
    """

    has_rsample = False
    arg_constraints = {}

    @staticmethod
    def set_default_validate_args(value):
        global _default_validate_args
        if value not in (True, False):
            raise ValueError(f"set_default_validate_args: expected True or False, got {value!r}")
        _default_validate_args = value

    def __init__(self, batch_shape=Size(), event_shape=Size(), validate_args=None):
        self._batch_shape = Size(batch_shape)
        self._event_shape = Size(event_shape)
        self._validate_args = _default_validate_args if validate_args is None else validate_args
        if self._validate_args:
            self._check_parameters()

    @property
    def batch_shape(self):
        return self._batch_shape

    @property
    def event_shape(self):
        return self._event_shape

    def _check_parameters(self):
        """Raise ValueError if a parameter is outside its constraint (subclasses say how)."""

    def _validate_sample(self, value):
        """Raise ValueError if `value` is outside the support (subclasses say how)."""

    def _extended_shape(self, sample_shape=Size()):
        return Size(tuple(sample_shape) + tuple(self._batch_shape) + tuple(self._event_shape))

    def sample(self, sample_shape=Size()):
        """A draw of shape sample_shape + batch_shape + event_shape, outside the graph."""
        with no_grad():
            return self.rsample(sample_shape)

    def rsample(self, sample_shape=Size()):
        raise NotImplementedError(f"{type(self).__name__} has no rsample (it is not reparameterisable)")

    def sample_n(self, n):
        return self.sample(Size((n,)))

    def log_prob(self, value):
        raise NotImplementedError

    def cdf(self, value):
        """P(X <= value), elementwise over the batch."""
        raise NotImplementedError(f"{type(self).__name__} does not implement cdf")

    def icdf(self, value):
        """The inverse of cdf: the value with cdf(value) == p."""
        raise NotImplementedError(f"{type(self).__name__} does not implement icdf")

    def entropy(self):
        raise NotImplementedError

    def perplexity(self):
        return self.entropy().exp()

    @property
    def mean(self):
        raise NotImplementedError(f"{type(self).__name__} does not implement mean")

    @property
    def mode(self):
        raise NotImplementedError(f"{type(self).__name__} does not implement mode")

    @property
    def variance(self):
        raise NotImplementedError(f"{type(self).__name__} does not implement variance")

    @property
    def stddev(self):
        return self.variance.sqrt()

    def __repr__(self):
        params = ", ".join(f"{k}: {tuple(getattr(self, k).shape) if getattr(self, k).ndim else getattr(self, k).item()}"
                           for k in self.arg_constraints if k in self.__dict__)
        return f"{type(self).__name__}({params})"
