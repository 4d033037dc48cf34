"""Advantage actor-critic (A2C): a shared body with a policy head and a value head, updated every n steps
from bootstrapped advantage estimates, with an entropy bonus that keeps the policy exploring."""
import numpy as np

from .. import nn
from ..autograd.grad_mode import no_grad
from ..distributions import Categorical
from ..nn import functional as F
from ..nn.utils import clip_grad_norm_
from .loop import obs_tensor
from .returns import gae


class ActorCritic(nn.Module):
    """obs -> body (two tanh layers of `hidden` units) -> (action logits, state value)."""

    def __init__(self, obs_dim, n_actions, hidden=64):
        super().__init__()
        self.body = nn.Sequential(nn.Linear(obs_dim, hidden), nn.Tanh(), nn.Linear(hidden, hidden), nn.Tanh())
        self.policy_head = nn.Linear(hidden, n_actions)
        self.value_head = nn.Linear(hidden, 1)

    def forward(self, obs):
        h = self.body(obs)
        return self.policy_head(h), self.value_head(h).squeeze(-1)


class A2C:
    """Synchronous advantage actor-critic on one environment.

    Every n_steps steps: advantages A_t by GAE(gamma, lam) (lam=1: n-step returns bootstrapped from V(s_{t+n}),
    standardised over the rollout if normalize_advantage),
        loss = -mean(log pi(a_t|s_t) A_t) + value_coef * mean((V(s_t) - R_t)^2) - entropy_coef * mean(H[pi(.|s_t)])
    """

    def __init__(self, model, optimizer, gamma=0.99, lam=1.0, n_steps=5, value_coef=0.5, entropy_coef=0.01,
                 max_grad_norm=0.5, normalize_advantage=False):
        self.model, self.optimizer = model, optimizer
        self.normalize_advantage = normalize_advantage
        self.gamma, self.lam, self.n_steps = gamma, lam, n_steps
        self.value_coef, self.entropy_coef, self.max_grad_norm = value_coef, entropy_coef, max_grad_norm

    def act(self, obs):
        with no_grad():
            logits, _ = self.model(obs_tensor(obs))
            return int(Categorical(logits=logits).sample())

    def greedy(self, obs):
        with no_grad():
            return int(self.model(obs_tensor(obs))[0].argmax())

    def value(self, obs):
        with no_grad():
            return float(self.model(obs_tensor(obs))[1])

    def update(self, obs, actions, rewards, terminated, truncated, final_values, last_value):
        """One gradient step on a rollout (lists of length n); returns the loss."""
        logits, values = self.model(obs_tensor(np.stack(obs)))
        advantages, returns = gae(rewards, values.detach().numpy(), terminated, last_value, self.gamma, self.lam,
                                  truncated=truncated, final_values=final_values)
        if self.normalize_advantage and len(advantages) > 1:
            advantages = (advantages - advantages.mean()) / (advantages.std() + 1e-8)
        dist = Categorical(logits=logits)
        policy_loss = -(dist.log_prob(obs_tensor(actions).long()) * obs_tensor(advantages)).mean()
        value_loss = F.mse_loss(values, obs_tensor(returns))
        loss = policy_loss + self.value_coef * value_loss - self.entropy_coef * dist.entropy().mean()
        self.optimizer.zero_grad()
        loss.backward()
        if self.max_grad_norm:
            clip_grad_norm_(self.model.parameters(), self.max_grad_norm)
        self.optimizer.step()
        return loss.item()

    def learn(self, env, total_steps, on_episode=None, seed=None):
        """Train for total_steps environment steps; on_episode(step, episode_return) may return True to stop.
        Returns the list of (step, episode_return)."""
        obs, _ = env.reset(seed=seed)
        episode_return, history, step = 0.0, [], 0
        while step < total_steps:
            rollout = {k: [] for k in ("obs", "actions", "rewards", "terminated", "truncated", "final_values")}
            stop = False
            for _ in range(self.n_steps):
                action = self.act(obs)
                next_obs, reward, terminated, truncated, _ = env.step(action)
                step += 1
                episode_return += reward
                for k, v in zip(rollout, (obs, action, reward, terminated, truncated,
                                          self.value(next_obs) if truncated and not terminated else 0.0)):
                    rollout[k].append(v)
                obs = next_obs
                if terminated or truncated:
                    history.append((step, episode_return))
                    stop = on_episode is not None and bool(on_episode(step, episode_return))
                    obs, _ = env.reset()
                    episode_return = 0.0
                    if stop:
                        break
            last_value = rollout["final_values"][-1] if rollout["truncated"][-1] else self.value(obs)
            self.update(**rollout, last_value=last_value)
            if stop:
                break
        return history
