"""REINFORCE: raise the log-probability of each action in proportion to the (discounted) return it led to."""
import numpy as np

from ..autograd.grad_mode import no_grad
from ..distributions import Categorical
from ..nn import functional as F
from ..nn.utils import clip_grad_norm_
from .loop import obs_tensor, run_episode
from .returns import discounted_returns


class REINFORCE:
    """Monte-Carlo policy gradient for discrete actions, one update per episode.

        loss = -mean_t log pi(a_t | s_t) * A_t,   A_t = G_t (normalised if `normalize`)   or   G_t - b(s_t)

    policy: a Module mapping observations to action logits. baseline (optional): a Module mapping observations
    to one value each, fitted to G_t by mean squared error with its own optimizer; its prediction is
    subtracted from the return (it lowers the variance without changing the expected gradient).
    The episode is played under no_grad; the update recomputes the log-probabilities in one batched forward.
    """

    def __init__(self, policy, optimizer, gamma=0.99, normalize=True, max_grad_norm=None, baseline=None,
                 baseline_optimizer=None, entropy_coef=0.0):
        if (baseline is None) != (baseline_optimizer is None):
            raise ValueError("REINFORCE: a baseline needs its own baseline_optimizer (and vice versa)")
        self.policy, self.optimizer = policy, optimizer
        self.gamma, self.normalize, self.max_grad_norm = gamma, normalize, max_grad_norm
        self.baseline, self.baseline_optimizer = baseline, baseline_optimizer
        self.entropy_coef = entropy_coef
        self.steps = 0  # environment steps played by train_episode

    def act(self, obs):
        """A sampled action (an int) for one observation."""
        with no_grad():
            return int(Categorical(logits=self.policy(obs_tensor(obs))).sample())

    def greedy(self, obs):
        """The most probable action (for evaluation)."""
        with no_grad():
            return int(self.policy(obs_tensor(obs)).argmax())

    def update(self, observations, actions, rewards):
        """One gradient step on one finished episode; returns the policy loss."""
        obs = obs_tensor(np.stack(observations))
        actions = obs_tensor(actions).long()
        returns = discounted_returns(rewards, self.gamma, normalize=self.normalize)
        advantages = returns
        if self.baseline is not None:
            values = self.baseline(obs).reshape(-1)
            advantages = returns - values.detach().numpy()
            self.baseline_optimizer.zero_grad()
            F.mse_loss(values, obs_tensor(returns)).backward()
            self.baseline_optimizer.step()
        dist = Categorical(logits=self.policy(obs))
        loss = -(dist.log_prob(actions) * obs_tensor(advantages)).mean()
        if self.entropy_coef:
            loss = loss - self.entropy_coef * dist.entropy().mean()
        self.optimizer.zero_grad()
        loss.backward()
        if self.max_grad_norm:
            clip_grad_norm_(self.policy.parameters(), self.max_grad_norm)
        self.optimizer.step()
        return loss.item()

    def train_episode(self, env):
        """Play one episode with the sampled policy, update on it, and return its total reward."""
        trace = run_episode(env, self.act, record=True)
        self.update(trace["obs"], trace["actions"], trace["rewards"])
        self.steps += len(trace["rewards"])
        return trace["return"]
