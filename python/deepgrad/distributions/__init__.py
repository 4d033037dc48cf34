"""Probability distributions with PyTorch's names and semantics (torch.distributions): sample, rsample,
log_prob, entropy; draws come from deepgrad.random, so dg.manual_seed makes them reproducible."""
from .bernoulli import Bernoulli
from .categorical import Categorical
from .distribution import Distribution
from .independent import Independent
from .normal import Normal

__all__ = ["Bernoulli", "Categorical", "Distribution", "Independent", "Normal"]
