"""Independent: reinterpret batch dimensions of a distribution as event dimensions (log-probs summed over them)."""
from ..tensor import Size
from .distribution import Distribution
from .utils import sum_rightmost


class Independent(Distribution):
    """Independent(base_distribution, reinterpreted_batch_ndims): the rightmost `reinterpreted_batch_ndims`
    batch dimensions of the base become event dimensions, so log_prob and entropy sum over them.

    Independent(Normal(mu, sigma), 1) with mu of shape (B, A) is a diagonal Gaussian over A-vectors:
    batch_shape (B,), event_shape (A,), log_prob(a) of shape (B,).
    """

    arg_constraints = {}

    def __init__(self, base_distribution, reinterpreted_batch_ndims, validate_args=None):
        n = int(reinterpreted_batch_ndims)
        batch = tuple(base_distribution.batch_shape)
        if not 0 <= n <= len(batch):
            raise ValueError(f"Independent: reinterpreted_batch_ndims must be between 0 and "
                             f"len(base batch_shape) = {len(batch)}, got {reinterpreted_batch_ndims}")
        self.base_dist = base_distribution
        self.reinterpreted_batch_ndims = n
        split = len(batch) - n
        super().__init__(batch_shape=Size(batch[:split]),
                         event_shape=Size(batch[split:] + tuple(base_distribution.event_shape)),
                         validate_args=False if validate_args is None else validate_args)

    @property
    def has_rsample(self):
        return self.base_dist.has_rsample

    @property
    def mean(self):
        return self.base_dist.mean

    @property
    def mode(self):
        return self.base_dist.mode

    @property
    def variance(self):
        return self.base_dist.variance

    @property
    def stddev(self):
        return self.base_dist.stddev

    def sample(self, sample_shape=Size()):
        return self.base_dist.sample(sample_shape)

    def rsample(self, sample_shape=Size()):
        return self.base_dist.rsample(sample_shape)

    def log_prob(self, value):
        return sum_rightmost(self.base_dist.log_prob(value), self.reinterpreted_batch_ndims)

    def entropy(self):
        return sum_rightmost(self.base_dist.entropy(), self.reinterpreted_batch_ndims)

    def __repr__(self):
        return f"Independent({self.base_dist!r}, {self.reinterpreted_batch_ndims})"
