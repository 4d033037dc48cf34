"""DQN: a network predicts Q(s, a) for every action at once; it learns from replayed transitions towards
Bellman targets computed with a slowly moving copy of itself (the target network), and acts greedily."""
import copy

import numpy as np

from ..autograd.grad_mode import no_grad
from ..nn import functional as F
from ..nn.utils import clip_grad_norm_
from .loop import obs_tensor


class DQN:
    """Deep Q-learning with a target network.

        target = r + gamma * (1 - terminated) * max_a' Q_target(s', a')
        (Double DQN: Q_target(s', argmax_a' Q(s', a')), the online network picks, the target network rates)
        loss = Huber(Q(s, a) - target)   (or squared error with huber=False)

    The target network is a copy of q_net, updated every `target_update_interval` updates: a hard copy when
    tau == 1, else a soft (Polyak) update target <- tau * online + (1 - tau) * target.
    """

    def __init__(self, q_net, optimizer, n_actions, gamma=0.99, target_update_interval=1000, tau=1.0,
                 double=False, huber=True, max_grad_norm=10.0, generator=None):
        if not 0.0 < tau <= 1.0:
            raise ValueError(f"DQN: tau must be in (0, 1], got {tau}")
        self.q_net, self.optimizer, self.n_actions = q_net, optimizer, n_actions
        self.target_net = copy.deepcopy(q_net)
        for p in self.target_net.parameters():
            p.requires_grad_(False)
        self.gamma, self.tau, self.target_update_interval = gamma, tau, target_update_interval
        self.double, self.huber, self.max_grad_norm = double, huber, max_grad_norm
        self.rng = np.random.default_rng() if generator is None else generator.rng
        self.updates = 0

    def greedy(self, obs):
        with no_grad():
            return int(self.q_net(obs_tensor(obs)).argmax())

    def act(self, obs, epsilon):
        """Epsilon-greedy: a uniformly random action with probability epsilon, else the greedy one."""
        if self.rng.random() < epsilon:
            return int(self.rng.integers(self.n_actions))
        return self.greedy(obs)

    def targets(self, batch):
        with no_grad():
            next_q = self.target_net(batch.next_obs)
            if self.double:
                best = self.q_net(batch.next_obs).argmax(dim=1, keepdim=True)
                next_value = next_q.gather(1, best).squeeze(1)
            else:
                next_value = next_q.max(dim=1).values
            return batch.rewards + self.gamma * (1 - batch.terminated) * next_value

    def update(self, batch):
        """One gradient step on a replayed Batch; returns the loss."""
        target = self.targets(batch)
        q = self.q_net(batch.obs).gather(1, batch.actions.reshape(-1, 1)).squeeze(1)
        loss = F.smooth_l1_loss(q, target) if self.huber else F.mse_loss(q, target)
        self.optimizer.zero_grad()
        loss.backward()
        if self.max_grad_norm:
            clip_grad_norm_(self.q_net.parameters(), self.max_grad_norm)
        self.optimizer.step()
        self.updates += 1
        if self.updates % self.target_update_interval == 0:
            self.update_target()
        return loss

    def update_target(self):
        soft_update(self.target_net, self.q_net, self.tau)


def soft_update(target, source, tau):
    """target <- tau * source + (1 - tau) * target, parameter by parameter (tau = 1: a hard copy)."""
    with no_grad():
        for t, s in zip(target.parameters(), source.parameters()):
            if tau == 1.0:
                t.copy_(s)
            else:
                t.lerp_(s, tau)
