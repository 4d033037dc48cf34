"""ReplayBuffer: transitions (s, a, r, s', terminated) in preallocated NumPy arrays, sampled uniformly."""
from collections import namedtuple

import numpy as np

from .. import io, random
from ..tensor import Tensor

Batch = namedtuple("Batch", ["obs", "actions", "rewards", "next_obs", "terminated"])
Batch.__doc__ = "A sampled minibatch of Tensors: obs, actions, rewards (float32), next_obs, terminated (float32 0/1)."

_FIELDS = ("obs", "actions", "rewards", "next_obs", "terminated")


class ReplayBuffer:
    """A ring buffer of the last `capacity` transitions.

    Arrays are allocated once: obs/next_obs (capacity, *obs_shape) of obs_dtype, actions (capacity,
    *action_shape) of action_dtype, rewards and terminated (capacity,) float32. When full, each add overwrites
    the oldest transition. Only `terminated` is stored: a time-limit truncation is not a terminal state, so its
    transition is stored with terminated=False and the target bootstraps from next_obs.
    """

    def __init__(self, capacity, obs_shape, obs_dtype=np.float32, action_shape=(), action_dtype=np.int64):
        if capacity <= 0:
            raise ValueError(f"ReplayBuffer: capacity must be positive, got {capacity}")
        self.capacity = int(capacity)
        obs_shape, action_shape = tuple(obs_shape), tuple(action_shape)
        self.obs = np.zeros((capacity,) + obs_shape, dtype=obs_dtype)
        self.next_obs = np.zeros((capacity,) + obs_shape, dtype=obs_dtype)
        self.actions = np.zeros((capacity,) + action_shape, dtype=action_dtype)
        self.rewards = np.zeros(capacity, dtype=np.float32)
        self.terminated = np.zeros(capacity, dtype=np.float32)
        self.pos = 0  # where the next transition goes
        self.size = 0

    def __len__(self):
        return self.size

    def add(self, obs, action, reward, next_obs, terminated):
        i = self.pos
        self.obs[i] = obs
        self.actions[i] = action
        self.rewards[i] = reward
        self.next_obs[i] = next_obs
        self.terminated[i] = terminated
        self.pos = (i + 1) % self.capacity
        self.size = min(self.size + 1, self.capacity)

    def sample(self, batch_size, generator=None):
        """A Batch of `batch_size` transitions drawn uniformly with replacement (deepgrad.random, or `generator`)."""
        if self.size == 0:
            raise ValueError("ReplayBuffer.sample: the buffer is empty")
        index = random.integers(0, self.size, (batch_size,), generator)
        return Batch(*(Tensor._wrap(getattr(self, f)[index]) for f in _FIELDS))

    def state_dict(self):
        n = self.size
        return {**{f: getattr(self, f)[:n] if n < self.capacity else getattr(self, f) for f in _FIELDS},
                "pos": self.pos, "size": n, "capacity": self.capacity}

    def load_state_dict(self, state):
        if state["capacity"] != self.capacity:
            raise ValueError(f"ReplayBuffer.load_state_dict: capacity {state['capacity']} != {self.capacity}")
        n = state["size"]
        for f in _FIELDS:
            value = state[f]
            value = value.numpy() if isinstance(value, Tensor) else np.asarray(value)
            target = getattr(self, f)
            if value.shape[1:] != target.shape[1:]:
                raise ValueError(f"ReplayBuffer.load_state_dict: {f} has shape {value.shape[1:]} per transition, "
                                 f"expected {target.shape[1:]}")
            target[:n] = value[:n]
        self.pos, self.size = state["pos"], n

    def save(self, path):
        """Write the stored transitions and the write position to a safetensors file (dg.save)."""
        io.save(self.state_dict(), path)

    def load(self, path):
        """Read what save() wrote into this buffer (its capacity and shapes must match)."""
        self.load_state_dict(io.load(path))
        return self
