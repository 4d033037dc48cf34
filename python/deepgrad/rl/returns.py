"""Discounted returns and generalised advantage estimation (GAE), on NumPy arrays."""
import numpy as np


def discounted_returns(rewards, gamma, normalize=False, eps=1e-8):
    """G_t = r_t + gamma r_{t+1} + gamma^2 r_{t+2} + ... over one finished episode, as a float32 array.

    normalize=True standardises them, (G - mean(G)) / (std(G) + eps), as the course's REINFORCE lab does.
    """
    rewards = np.asarray(rewards, dtype=np.float64)
    returns = np.empty_like(rewards)
    running = 0.0
    for t in range(len(rewards) - 1, -1, -1):
        running = rewards[t] + gamma * running
        returns[t] = running
    if normalize and len(returns):
        returns = (returns - returns.mean()) / (returns.std() + eps)
    return returns.astype(np.float32)


def gae(rewards, values, terminated, last_value, gamma=0.99, lam=0.95, truncated=None, final_values=None):
    """Generalised advantage estimates and value targets for a rollout of T steps (possibly several episodes).

    rewards, values (V(s_t)), terminated: length T; last_value: V(s_T), the observation after the rollout's last
    step. terminated[t]: s_{t+1} is terminal, so its value is 0. truncated[t]: the episode was cut off by a time
    limit after step t; the true next state s_{t+1} still has a value, final_values[t] (V of the observation
    `step` returned before the reset), which targets bootstrap from. Either way the advantage recursion stops
    at an episode's end:

        delta_t = r_t + gamma * (1 - terminated_t) * V(s_{t+1}) - V(s_t)
        A_t = delta_t + gamma * lam * (1 - terminated_t) * (1 - truncated_t) * A_{t+1}

    lam=1 gives Monte-Carlo returns bootstrapped at the end, lam=0 one-step TD. Returns (advantages, returns)
    as float32 arrays, with returns = advantages + values (the value head's targets).
    """
    rewards = np.asarray(rewards, dtype=np.float64)
    values = np.asarray(values, dtype=np.float64).reshape(-1)
    terminated = np.asarray(terminated, dtype=bool)
    T = len(rewards)
    if not len(values) == len(terminated) == T:
        raise ValueError(f"gae: rewards, values and terminated must have one length, got {T}, {len(values)}, "
                         f"{len(terminated)}")
    next_values = np.append(values[1:], float(last_value))
    ended = terminated.copy()
    if truncated is not None:
        truncated = np.asarray(truncated, dtype=bool)
        cut = np.flatnonzero(truncated[:-1] & ~terminated[:-1])
        if len(cut):
            if final_values is None:
                raise ValueError("gae: an episode is truncated inside the rollout, so final_values (V of its "
                                 "last observation) is needed to bootstrap it")
            next_values[cut] = np.asarray(final_values, dtype=np.float64).reshape(-1)[cut]
        ended |= truncated
    next_values[terminated] = 0.0
    deltas = rewards + gamma * next_values - values
    advantages = np.empty(T)
    running = 0.0
    for t in range(T - 1, -1, -1):
        running = deltas[t] + (0.0 if ended[t] else gamma * lam * running)
        advantages[t] = running
    return advantages.astype(np.float32), (advantages + values).astype(np.float32)
