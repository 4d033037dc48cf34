"""Random numbers: one global NumPy generator seeded by manual_seed, and torch-style Generator objects."""
import numpy as np


class Generator:
    """A seedable source of random numbers, as torch.Generator (pass as generator=...)."""

    def __init__(self, device="cpu"):
        self._seed = int(np.random.SeedSequence().entropy % (2**63))
        self.rng = np.random.default_rng(self._seed)

    def manual_seed(self, seed):
        self._seed = int(seed)
        self.rng = np.random.default_rng(self._seed)
        return self

    def initial_seed(self):
        return self._seed

    def seed(self):
        return self.manual_seed(int(np.random.SeedSequence().entropy % (2**63)))._seed

    def get_state(self):
        return self.rng.bit_generator.state

    def set_state(self, state):
        self.rng.bit_generator.state = state


default_generator = Generator()


def manual_seed(seed):
    """Seed every random draw deepgrad makes: initialisation, dropout, shuffling, sampling."""
    return default_generator.manual_seed(seed)


def seed():
    return default_generator.seed()


def initial_seed():
    return default_generator.initial_seed()


def get_rng_state():
    return default_generator.get_state()


def set_rng_state(state):
    default_generator.set_state(state)


def _rng(generator):
    return (generator or default_generator).rng


def uniform(low, high, shape, generator=None):
    return _rng(generator).uniform(low, high, size=shape)


def random(shape, dtype=np.float64, generator=None):
    """Uniform draws in [0, 1) of `dtype` (float32 draws take half the time and memory of float64 ones)."""
    return _rng(generator).random(size=shape, dtype=dtype)


def normal(mean, std, shape, generator=None):
    return _rng(generator).normal(mean, std, size=shape)


def integers(low, high, shape, generator=None):
    return _rng(generator).integers(low, high, size=shape)


def permutation(n, generator=None):
    return _rng(generator).permutation(n)
