"""Environments through gymnasium: seeding reproduces episodes; terminated vs truncated reach the buffer and
the DQN targets correctly."""
import numpy as np
import pytest

gym = pytest.importorskip("gymnasium")

import deepgrad as dg  # noqa: E402
from deepgrad import nn, optim, rl  # noqa: E402
from deepgrad.rl import Batch  # noqa: E402


def episodes(seed, n=3):
    env = rl.make_env("CartPole-v1", seed=seed)
    return [rl.run_episode(env, lambda obs: env.action_space.sample(), record=True) for _ in range(n)]


def test_a_fixed_seed_reproduces_the_episode_sequence():
    a, b, c = episodes(7), episodes(7), episodes(8)
    for x, y in zip(a, b):
        np.testing.assert_array_equal(np.stack(x["obs"]), np.stack(y["obs"]))
        assert x["actions"] == y["actions"] and x["rewards"] == y["rewards"]
    assert not all(np.array_equal(np.stack(x["obs"][:3]), np.stack(z["obs"][:3])) for x, z in zip(a, c))
    # the three episodes differ from each other: later resets continue the seeded stream
    assert not np.array_equal(a[0]["obs"][0], a[1]["obs"][0])


def test_evaluate_is_reproducible_with_a_seed():
    env = rl.make_env("CartPole-v1")
    always_left = lambda obs: 0  # noqa: E731
    np.testing.assert_array_equal(rl.evaluate(env, always_left, 5, seed=3), rl.evaluate(env, always_left, 5, seed=3))


def test_time_limit_is_truncation_not_termination():
    balanced = rl.run_episode(rl.make_env("CartPole-v1", seed=0, max_episode_steps=5),
                              lambda obs: int(obs[2] + obs[3] > 0), record=True)
    assert len(balanced["rewards"]) == 5 and balanced["truncated"]
    falls = rl.run_episode(rl.make_env("CartPole-v1", seed=0), lambda obs: 0, record=True)
    assert len(falls["rewards"]) < 50 and not falls["truncated"]


class _Recorder:
    def update(self, batch):
        pass


def test_off_policy_loop_stores_terminated_only():
    env = rl.make_env("CartPole-v1", seed=0, max_episode_steps=20)
    buf = rl.ReplayBuffer(1000, (4,))
    history = rl.off_policy_loop(env, _Recorder(), buf, 300, explore=lambda step, obs: int(obs[2] + obs[3] > 0),
                                 learning_starts=10**9, seed=0)
    lengths = np.diff([0] + [s for s, _ in history])
    assert (lengths == 20).all()  # the balancing policy is always cut off by the time limit ...
    assert buf.terminated[: len(buf)].sum() == 0  # ... and those transitions keep bootstrapping
    falls = rl.ReplayBuffer(1000, (4,))
    history = rl.off_policy_loop(rl.make_env("CartPole-v1", seed=0), _Recorder(), falls, 200,
                                 explore=lambda step, obs: 0, learning_starts=10**9, seed=0)
    ends = np.array([s for s, _ in history]) - 1
    np.testing.assert_array_equal(np.flatnonzero(falls.terminated[: len(falls)]), ends)  # pole fell: terminal


def test_dqn_targets_bootstrap_unless_terminated():
    dg.manual_seed(0)
    q = nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 2))
    agent = rl.DQN(q, optim.SGD(q.parameters(), lr=0.1), n_actions=2, gamma=0.9)
    rng = np.random.default_rng(0)
    next_obs = rng.normal(size=(3, 4)).astype(np.float32)
    batch = Batch(dg.tensor(rng.normal(size=(3, 4)).astype(np.float32)), dg.tensor([0, 1, 0]),
                  dg.tensor([1.0, 2.0, 3.0]), dg.tensor(next_obs), dg.tensor([0.0, 1.0, 0.0]))
    with dg.no_grad():
        next_q = q(dg.tensor(next_obs)).numpy()
    expected = np.array([1.0, 2.0, 3.0]) + 0.9 * np.array([1, 0, 1]) * next_q.max(1)
    np.testing.assert_allclose(agent.targets(batch).numpy(), expected, rtol=1e-6)
    # Double DQN: the online net picks a', the target net rates it; make them differ first
    agent.double = True
    with dg.no_grad():
        for p in agent.target_net.parameters():
            p.mul_(-1.0)
        target_q = agent.target_net(dg.tensor(next_obs)).numpy()
    pick = next_q.argmax(1)
    expected = np.array([1.0, 2.0, 3.0]) + 0.9 * np.array([1, 0, 1]) * target_q[np.arange(3), pick]
    np.testing.assert_allclose(agent.targets(batch).numpy(), expected, rtol=1e-6)


def test_target_network_hard_and_soft_updates():
    dg.manual_seed(0)
    q = nn.Linear(2, 2)
    agent = rl.DQN(q, optim.SGD(q.parameters(), lr=0.1), n_actions=2, target_update_interval=2, tau=1.0)
    before = q.weight.detach().numpy().copy()
    batch = Batch(dg.randn(4, 2), dg.tensor([0, 1, 1, 0]), dg.ones(4), dg.randn(4, 2), dg.zeros(4))
    agent.update(batch)
    np.testing.assert_array_equal(agent.target_net.weight.detach().numpy(), before)  # not yet
    agent.update(batch)
    # a hard copy after 2 updates
    np.testing.assert_array_equal(agent.target_net.weight.detach().numpy(), q.weight.detach().numpy())
    target, source = nn.Linear(2, 2), nn.Linear(2, 2)
    t0, s0 = target.weight.detach().numpy().copy(), source.weight.detach().numpy().copy()
    rl.soft_update(target, source, 0.1)
    np.testing.assert_allclose(target.weight.detach().numpy(), 0.9 * t0 + 0.1 * s0, rtol=1e-6)
