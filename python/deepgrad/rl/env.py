"""Environments through gymnasium 1.x (the `rl` extra), with the 5-tuple step API.

step(action) returns (obs, reward, terminated, truncated, info): `terminated` means the episode reached a
terminal state (its value is 0, so no bootstrapping), `truncated` that it was cut off by a time limit (the next
state still has a value, so targets bootstrap from it).
"""


def gymnasium():
    """The gymnasium module, or an ImportError that says how to install it."""
    try:
        import gymnasium as gym
    except ImportError:
        raise ImportError('deepgrad.rl needs gymnasium: pip install "deepgrad[rl]"') from None
    return gym


def make_env(name, seed=None, **kwargs):
    """gymnasium.make(name, **kwargs), seeded: its first reset uses `seed`, and so does its action space
    (for random exploration), so one seed reproduces the same sequence of episodes."""
    env = gymnasium().make(name, **kwargs)
    if seed is not None:
        env.action_space.seed(seed)
        env = _SeedFirstReset(env, seed)
    return env


def _seed_first_reset_class():
    gym = gymnasium()

    class SeedFirstReset(gym.Wrapper):
        """Passes `seed` to the first reset() that does not give one itself (later resets continue its RNG)."""

        def __init__(self, env, seed):
            super().__init__(env)
            self._pending_seed = seed

        def reset(self, *, seed=None, options=None):
            if seed is None:
                seed, self._pending_seed = self._pending_seed, None
            else:
                self._pending_seed = None
            return self.env.reset(seed=seed, options=options)

    return SeedFirstReset


def _SeedFirstReset(env, seed):
    return _seed_first_reset_class()(env, seed)
