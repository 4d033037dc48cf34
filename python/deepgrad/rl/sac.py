"""Soft actor-critic (SAC) for continuous actions: a Gaussian policy squashed by tanh, twin Q critics with
target copies, and an entropy temperature tuned to a target entropy."""
import copy
import math

from .. import nn
from ..autograd.grad_mode import no_grad
from ..distributions import Independent, Normal
from ..nn import functional as F
from ..ops import elementwise as _ew
from ..ops.shape import cat
from ..optim import Adam
from ..tensor import tensor
from .dqn import soft_update
from .loop import obs_tensor


def mlp(in_features, hidden, out_features):
    layers, width = [], in_features
    for h in hidden:
        layers += [nn.Linear(width, h), nn.ReLU()]
        width = h
    return nn.Sequential(*layers, nn.Linear(width, out_features))


class GaussianActor(nn.Module):
    """obs -> MLP -> (mean, log std) of a diagonal Gaussian over pre-squash actions u; the action is
    action_scale * tanh(u), and its log-probability includes the tanh change of variables:

        log pi(a|s) = sum_i [log N(u_i; mean_i, std_i) - log(1 - tanh(u_i)^2)]
    """

    LOG_STD_MIN, LOG_STD_MAX = -5.0, 2.0

    def __init__(self, obs_dim, act_dim, hidden=(256, 256), action_scale=1.0):
        super().__init__()
        self.trunk = mlp(obs_dim, hidden[:-1], hidden[-1]) if len(hidden) > 1 else nn.Linear(obs_dim, hidden[0])
        self.mean = nn.Linear(hidden[-1], act_dim)
        self.log_std = nn.Linear(hidden[-1], act_dim)
        self.action_scale = float(action_scale)

    def distribution(self, obs):
        h = F.relu(self.trunk(obs))
        log_std = _ew.clamp(self.log_std(h), self.LOG_STD_MIN, self.LOG_STD_MAX)
        return Independent(Normal(self.mean(h), _ew.exp(log_std), validate_args=False), 1)

    def forward(self, obs, deterministic=False):
        """(action, log_prob): a reparameterised draw (or the squashed mean, with log_prob None)."""
        dist = self.distribution(obs)
        if deterministic:
            return _ew.tanh(dist.mean) * self.action_scale, None
        u = dist.rsample()
        # log(1 - tanh(u)^2) = 2 (log 2 - u - softplus(-2u)), stable for large |u|
        log_det = (2 * (math.log(2) - u - F.softplus(-2 * u))).sum(-1)
        return _ew.tanh(u) * self.action_scale, dist.log_prob(u) - log_det


class QNetwork(nn.Module):
    """(obs, action) -> Q(s, a), one number per row."""

    def __init__(self, obs_dim, act_dim, hidden=(256, 256)):
        super().__init__()
        self.net = mlp(obs_dim + act_dim, hidden, 1)

    def forward(self, obs, action):
        return self.net(cat([obs, action], dim=-1)).squeeze(-1)


class SAC:
    """Soft actor-critic (Haarnoja et al. 2018, with automatic temperature).

        y = r + gamma (1 - terminated) [min_j Q'_j(s', a') - alpha log pi(a'|s')],  a' ~ pi(.|s')
        critics: mean (Q_j(s, a) - y)^2 for j = 1, 2
        actor:   mean [alpha log pi(a~|s) - min_j Q_j(s, a~)],  a~ ~ pi(.|s) reparameterised
        alpha:   -mean [log alpha (log pi(a~|s) + target_entropy)],  target_entropy = -act_dim
        targets: Q'_j <- tau Q_j + (1 - tau) Q'_j after every update
    """

    def __init__(self, actor, q1, q2, lr=3e-4, gamma=0.99, tau=0.005, init_alpha=1.0, target_entropy=None,
                 act_dim=1):
        self.actor, self.q1, self.q2 = actor, q1, q2
        self.q1_target, self.q2_target = copy.deepcopy(q1), copy.deepcopy(q2)
        for p in list(self.q1_target.parameters()) + list(self.q2_target.parameters()):
            p.requires_grad_(False)
        self.gamma, self.tau = gamma, tau
        self.log_alpha = tensor([math.log(init_alpha)], requires_grad=True)
        self.target_entropy = -float(act_dim) if target_entropy is None else target_entropy
        self.actor_optimizer = Adam(actor.parameters(), lr=lr)
        self.critic_optimizer = Adam(list(q1.parameters()) + list(q2.parameters()), lr=lr)
        self.alpha_optimizer = Adam([self.log_alpha], lr=lr)

    @property
    def alpha(self):
        return float(self.log_alpha.exp())

    def act(self, obs, deterministic=False):
        with no_grad():
            action, _ = self.actor(obs_tensor(obs), deterministic=deterministic)
            return action.numpy()

    def update(self, batch):
        alpha = self.alpha
        with no_grad():
            next_action, next_log_prob = self.actor(batch.next_obs)
            next_q = _ew.minimum(self.q1_target(batch.next_obs, next_action),
                                 self.q2_target(batch.next_obs, next_action))
            y = batch.rewards + self.gamma * (1 - batch.terminated) * (next_q - alpha * next_log_prob)
        critic_loss = (F.mse_loss(self.q1(batch.obs, batch.actions), y)
                       + F.mse_loss(self.q2(batch.obs, batch.actions), y))
        self.critic_optimizer.zero_grad()
        critic_loss.backward()
        self.critic_optimizer.step()

        action, log_prob = self.actor(batch.obs)
        q = _ew.minimum(self.q1(batch.obs, action), self.q2(batch.obs, action))
        actor_loss = (alpha * log_prob - q).mean()
        self.actor_optimizer.zero_grad()
        actor_loss.backward()
        self.actor_optimizer.step()

        alpha_loss = -(self.log_alpha * (log_prob.detach() + self.target_entropy)).mean()
        self.alpha_optimizer.zero_grad()
        alpha_loss.backward()
        self.alpha_optimizer.step()

        soft_update(self.q1_target, self.q1, self.tau)
        soft_update(self.q2_target, self.q2, self.tau)
        return critic_loss
