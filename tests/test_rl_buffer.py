"""ReplayBuffer: storage, wrap-around, uniform sampling, save/load."""
import numpy as np
import pytest

import deepgrad as dg
from deepgrad.rl import ReplayBuffer


def filled(capacity, n):
    buf = ReplayBuffer(capacity, (2,), np.float32)
    for i in range(n):
        buf.add([i, -i], i % 2, float(i), [i + 1, -i - 1], i % 3 == 0)
    return buf


def test_add_and_len():
    buf = filled(10, 4)
    assert len(buf) == 4 and buf.pos == 4
    np.testing.assert_array_equal(buf.obs[:4, 0], [0, 1, 2, 3])
    np.testing.assert_array_equal(buf.terminated[:4], [1, 0, 0, 1])
    assert buf.actions.dtype == np.int64 and buf.obs.dtype == np.float32


def test_wrap_around_overwrites_the_oldest():
    buf = filled(5, 7)  # transitions 0..6; 5 and 6 overwrote 0 and 1
    assert len(buf) == 5 and buf.pos == 2
    np.testing.assert_array_equal(buf.rewards, [5, 6, 2, 3, 4])
    np.testing.assert_array_equal(buf.next_obs[:, 0], [6, 7, 3, 4, 5])


def test_sample_is_uniform_and_consistent():
    buf = filled(8, 8)
    batch = buf.sample(4000, generator=dg.Generator().manual_seed(0))
    assert batch.obs.shape == (4000, 2) and batch.actions.shape == (4000,) and batch.rewards.dtype == np.float32
    r = batch.rewards.numpy()
    np.testing.assert_array_equal(batch.obs.numpy()[:, 0], r)  # fields of one transition stay together
    np.testing.assert_array_equal(batch.next_obs.numpy()[:, 0], r + 1)
    counts = np.bincount(r.astype(int), minlength=8)
    assert counts.min() > 400 and counts.max() < 600  # expected 500 each
    # only stored transitions are drawn
    assert set(filled(10, 3).sample(200).rewards.numpy()) <= {0.0, 1.0, 2.0}
    a = buf.sample(16, generator=dg.Generator().manual_seed(3)).rewards.numpy()
    np.testing.assert_array_equal(a, buf.sample(16, generator=dg.Generator().manual_seed(3)).rewards.numpy())
    with pytest.raises(ValueError, match="empty"):
        ReplayBuffer(3, (1,)).sample(1)


def test_save_load_round_trip(tmp_path):
    for n in (3, 9):  # partly filled, and wrapped
        buf = filled(6, n)
        path = tmp_path / f"buf{n}.safetensors"
        buf.save(path)
        other = ReplayBuffer(6, (2,), np.float32).load(path)
        assert len(other) == len(buf) and other.pos == buf.pos
        for f in ("obs", "actions", "rewards", "next_obs", "terminated"):
            np.testing.assert_array_equal(getattr(other, f)[: len(buf)], getattr(buf, f)[: len(buf)])
    with pytest.raises(ValueError, match="capacity"):
        ReplayBuffer(7, (2,), np.float32).load(path)


def test_continuous_actions():
    buf = ReplayBuffer(4, (3,), np.float32, (2,), np.float32)
    buf.add(np.ones(3), np.array([0.5, -0.5]), 1.0, np.zeros(3), False)
    np.testing.assert_array_equal(buf.sample(2).actions.numpy(), [[0.5, -0.5]] * 2)
