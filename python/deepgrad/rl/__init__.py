"""Reinforcement learning: gymnasium environments (the `rl` extra), a replay buffer, discounted returns and
GAE, exploration schedules, and the algorithms the lecture teaches: REINFORCE, DQN, A2C, and SAC for
continuous actions; playing a trained policy and recording it as a GIF (the `render` extra). gymnasium is
imported only when an environment is made."""
from .a2c import A2C, ActorCritic
from .buffer import Batch, ReplayBuffer
from .dqn import DQN, soft_update
from .env import make_env
from .loop import evaluate, obs_tensor, off_policy_loop, run_episode
from .play import greedy, make_render_env, mean_action, play_checkpoint, play_episodes, save_gif
from .plots import save_reward_curve
from .reinforce import REINFORCE
from .returns import discounted_returns, gae
from .sac import SAC, GaussianActor, QNetwork
from .tracker import Tracker, add_tracking_arguments
from .schedules import ExponentialSchedule, LinearSchedule

__all__ = [
    "A2C", "ActorCritic", "Batch", "DQN", "ExponentialSchedule", "GaussianActor", "LinearSchedule", "QNetwork",
    "REINFORCE", "ReplayBuffer", "SAC", "Tracker", "add_tracking_arguments", "discounted_returns", "evaluate", "gae",
    "make_env", "obs_tensor", "off_policy_loop", "run_episode", "save_reward_curve", "soft_update",
    "greedy", "make_render_env", "mean_action", "play_checkpoint", "play_episodes", "save_gif",
]
