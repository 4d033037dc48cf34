"""Running episodes: one episode with a policy, evaluation over many, and the off-policy training loop."""
import numpy as np

from ..autograd.grad_mode import no_grad
from ..tensor import Tensor


def obs_tensor(obs):
    """An observation (or a batch) as a float32 Tensor without copying when it already is float32."""
    return Tensor._wrap(np.asarray(obs, dtype=np.float32))


def run_episode(env, act, seed=None, record=False):
    """Play one episode with `act(obs) -> action`. Returns the total reward, or with record=True a dict of
    obs, actions, rewards (lists, one entry per step), 'return' and 'truncated'."""
    obs, _ = env.reset(seed=seed)
    total, trace = 0.0, {"obs": [], "actions": [], "rewards": []}
    while True:
        action = act(obs)
        next_obs, reward, terminated, truncated, _ = env.step(action)
        total += reward
        if record:
            trace["obs"].append(obs)
            trace["actions"].append(action)
            trace["rewards"].append(reward)
        obs = next_obs
        if terminated or truncated:
            break
    if record:
        trace["return"], trace["truncated"] = total, bool(truncated and not terminated)
        return trace
    return total


def evaluate(env, act, episodes=100, seed=None):
    """Returns of `episodes` episodes with `act` (the greedy or mean policy, usually), as a NumPy array.
    With a seed, the first reset is seeded and later ones continue its random stream (reproducible)."""
    with no_grad():
        return np.array([run_episode(env, act, seed=seed if i == 0 else None) for i in range(episodes)])


def off_policy_loop(env, agent, buffer, total_steps, explore, batch_size=64, learning_starts=1000, train_freq=1,
                    gradient_steps=1, on_step=None, on_episode=None, seed=None):
    """The loop DQN and SAC share: act, store the transition, and every `train_freq` steps (once the buffer
    holds `learning_starts` transitions) make `gradient_steps` updates `agent.update(buffer.sample(batch_size))`.

    explore(step, obs) -> action is the behaviour policy (epsilon-greedy, a sampled Gaussian, random at first).
    The transition stores `terminated` only, so a time-limit cut-off still bootstraps from next_obs.
    on_step(step) is called after every step; on_episode(step, episode_return) after every episode, and may
    return True to stop. Returns the list of (step, episode_return) of the finished episodes.
    """
    obs, _ = env.reset(seed=seed)
    episode_return, history = 0.0, []
    for step in range(1, total_steps + 1):
        with no_grad():
            action = explore(step, obs)
        next_obs, reward, terminated, truncated, _ = env.step(action)
        buffer.add(obs, action, reward, next_obs, terminated)
        episode_return += reward
        obs = next_obs
        if step >= learning_starts and step % train_freq == 0:
            for _ in range(gradient_steps):
                agent.update(buffer.sample(batch_size))
        if on_step is not None:
            on_step(step)
        if terminated or truncated:
            history.append((step, episode_return))
            stop = on_episode is not None and on_episode(step, episode_return)
            obs, _ = env.reset()
            episode_return = 0.0
            if stop:
                break
    return history
