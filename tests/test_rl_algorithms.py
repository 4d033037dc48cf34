"""The algorithms' pieces (policy-gradient loss, SAC's squashed log-probability) and short learning runs."""
import math

import numpy as np
import pytest

import deepgrad as dg
from deepgrad import nn, optim, rl
from deepgrad.distributions import Normal


def test_reinforce_gradient_matches_the_formula():
    dg.manual_seed(0)
    policy = nn.Linear(3, 2)
    agent = rl.REINFORCE(policy, optim.SGD(policy.parameters(), lr=1.0), gamma=0.5, normalize=False)
    obs = [np.array([1.0, 0.0, -1.0], np.float32), np.array([0.5, 2.0, 0.0], np.float32)]
    actions, rewards = [1, 0], [1.0, 2.0]
    w, b = policy.weight.detach().numpy().copy(), policy.bias.detach().numpy().copy()
    agent.update(obs, actions, rewards)
    # -mean_t G_t d log softmax(W s_t + b)[a_t]; G = [1 + 0.5 * 2, 2]
    x, g = np.stack(obs), np.array([2.0, 2.0])
    logits = x @ w.T + b
    p = np.exp(logits - logits.max(1, keepdims=True))
    p /= p.sum(1, keepdims=True)
    dlogits = -(np.eye(2)[actions] - p) * g[:, None] / 2
    np.testing.assert_allclose(policy.weight.detach().numpy(), w - dlogits.T @ x, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(policy.bias.detach().numpy(), b - dlogits.sum(0), rtol=1e-5, atol=1e-6)


def test_squashed_gaussian_log_prob_is_the_change_of_variables():
    dg.manual_seed(0)
    actor = rl.GaussianActor(3, 2, hidden=(8,), action_scale=2.0)
    obs = dg.randn(5, 3)
    dg.manual_seed(1)
    action, log_prob = actor(obs)
    dg.manual_seed(1)
    dist = actor.distribution(obs)
    u = dist.rsample()
    expected = dist.log_prob(u).detach().numpy() - np.log(1 - np.tanh(u.detach().numpy()) ** 2).sum(-1)
    np.testing.assert_allclose(log_prob.detach().numpy(), expected, rtol=1e-4, atol=1e-4)
    np.testing.assert_allclose(action.detach().numpy(), 2 * np.tanh(u.detach().numpy()), rtol=1e-6)
    assert np.abs(actor(obs, deterministic=True)[0].detach().numpy()).max() <= 2.0


def test_sac_update_runs_and_moves_the_targets_slowly():
    dg.manual_seed(0)
    actor, q1, q2 = rl.GaussianActor(3, 1, (16, 16), 2.0), rl.QNetwork(3, 1, (16, 16)), rl.QNetwork(3, 1, (16, 16))
    agent = rl.SAC(actor, q1, q2, lr=1e-3, tau=0.01, act_dim=1)
    buf = rl.ReplayBuffer(64, (3,), np.float32, (1,), np.float32)
    rng = np.random.default_rng(0)
    for _ in range(64):
        buf.add(rng.normal(size=3), rng.uniform(-2, 2, size=1), -1.0, rng.normal(size=3), False)
    before = [p.detach().numpy().copy() for p in agent.q1_target.parameters()]
    alpha = agent.alpha
    agent.update(buf.sample(32))
    for b, t, s in zip(before, agent.q1_target.parameters(), q1.parameters()):
        np.testing.assert_allclose(t.detach().numpy(), 0.99 * b + 0.01 * s.detach().numpy(), rtol=1e-5, atol=1e-7)
    assert agent.alpha != alpha and agent.act(np.zeros(3, np.float32)).shape == (1,)


def test_normal_log_prob_used_by_the_actor_matches_closed_form():
    d = Normal(dg.tensor([0.0]), dg.tensor([2.0]))
    assert d.log_prob(dg.tensor([1.0])).item() == pytest.approx(-1 / 8 - math.log(2) - 0.5 * math.log(2 * math.pi))


def test_a2c_learns_cartpole_above_random():
    pytest.importorskip("gymnasium")
    dg.manual_seed(0)
    model = rl.ActorCritic(4, 2, hidden=64)
    agent = rl.A2C(model, optim.Adam(model.parameters(), lr=3e-3), n_steps=32, lam=0.95, value_coef=0.05,
                   entropy_coef=0.0, normalize_advantage=True)
    history = agent.learn(rl.make_env("CartPole-v1", seed=0), 15_000, seed=0)
    returns = [r for _, r in history]
    early, late = np.mean(returns[:40]), np.mean(returns[-40:])
    assert late > 50 and late > 2 * early, f"A2C: mean return {early:.1f} -> {late:.1f} (random policy: ~22)"


def test_reinforce_with_baseline_learns_above_random():
    pytest.importorskip("gymnasium")
    dg.manual_seed(0)
    policy, baseline = nn.Sequential(nn.Linear(4, 32), nn.ReLU(), nn.Linear(32, 2)), nn.Sequential(
        nn.Linear(4, 32), nn.ReLU(), nn.Linear(32, 1))
    agent = rl.REINFORCE(policy, optim.Adam(policy.parameters(), lr=1e-2), gamma=0.99, normalize=False,
                         baseline=baseline, baseline_optimizer=optim.Adam(baseline.parameters(), lr=1e-2))
    env = rl.make_env("CartPole-v1", seed=0)
    returns = [agent.train_episode(env) for _ in range(150)]
    assert np.mean(returns[-20:]) > 60, f"REINFORCE+baseline: last 20 episodes {np.mean(returns[-20:]):.1f}"
