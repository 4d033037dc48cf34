"""pendulum: soft actor-critic with a tanh-squashed Gaussian policy on gymnasium's Pendulum-v1 (continuous
torque in [-2, 2]).

Bar: average reward >= -200 over 100 evaluation episodes (the policy's mean action) within 50,000 environment
steps. The defaults (the Stable-Baselines3 zoo's SAC settings with smaller 64-64 networks, which cost a quarter
of the time here) train for 20,000 steps.
"""
import numpy as np

from .. import random, rl
from .common import linear_out_features, load_checkpoint, positive_int

ENV_ID = "Pendulum-v1"


def add_arguments(parser):
    parser.add_argument("--steps", type=positive_int, default=20_000,
                        help="environment steps (default 20000; the bar allows 50000)")
    parser.add_argument("--lr", type=float, default=1e-3, help="Adam learning rate of all three parts (default 1e-3)")
    parser.add_argument("--batch-size", type=positive_int, default=256, help="replayed batch size (default 256)")
    parser.add_argument("--hidden", type=lambda s: tuple(positive_int(x) for x in s.split(",")), default=(64, 64),
                        help="hidden layer sizes of the actor and the critics, comma separated (default 64,64)")
    parser.add_argument("--gamma", type=float, default=0.99, help="discount (default 0.99)")
    parser.add_argument("--tau", type=float, default=0.005, help="target-critic soft-update rate (default 0.005)")
    parser.add_argument("--learning-starts", type=int, default=1000,
                        help="uniformly random actions for this many steps before learning (default 1000)")
    rl.add_tracking_arguments(parser, "pendulum", "step", eval_every=2000, stop_at=-150.0)


def build_actor(env, hidden):
    """The tanh-Gaussian actor for `env`'s observation and action sizes, its actions scaled to the action bound."""
    obs_dim, act_dim = env.observation_space.shape[0], env.action_space.shape[0]
    return rl.GaussianActor(obs_dim, act_dim, hidden, action_scale=float(env.action_space.high[0]))


def load_policy(path, env):
    """The mean-action policy act(obs) -> action (a NumPy array) of a checkpoint written by run(), for `env` (a
    Pendulum-v1 environment); `deepgrad play` uses it."""
    state = load_checkpoint(path, "pendulum", ["actor"])["actor"]
    actor = build_actor(env, tuple(linear_out_features(state, "trunk.")))
    actor.load_state_dict(state)
    return rl.mean_action(actor)


def run(args, log=print):
    random.manual_seed(args.seed)
    env = rl.make_env(ENV_ID, seed=args.seed)
    obs_dim, act_dim = env.observation_space.shape[0], env.action_space.shape[0]
    actor = build_actor(env, args.hidden)
    bound = actor.action_scale
    q1, q2 = rl.QNetwork(obs_dim, act_dim, args.hidden), rl.QNetwork(obs_dim, act_dim, args.hidden)
    agent = rl.SAC(actor, q1, q2, lr=args.lr, gamma=args.gamma, tau=args.tau, act_dim=act_dim)
    buffer = rl.ReplayBuffer(args.steps, (obs_dim,), np.float32, (act_dim,), np.float32)

    def explore(step, obs):
        return env.action_space.sample() if step <= args.learning_starts else agent.act(obs)

    mean_action = rl.mean_action(actor)  # what the evaluations and `deepgrad play` run

    hidden = "-".join(map(str, args.hidden))
    log(f"pendulum: SAC, actor {obs_dim}-{hidden}-2x{act_dim} (tanh-Gaussian, scale {bound}), twin critics "
        f"{obs_dim + act_dim}-{hidden}-1, Adam lr {args.lr}, batch {args.batch_size}, {args.steps} steps")
    tracker = rl.Tracker(args.steps, "step", [actor, q1, q2], mean_action,
                         rl.make_env(ENV_ID, seed=args.seed + 1000), args.eval_every, args.eval_episodes,
                         stop_at=args.stop_at or None, progress=args.progress, desc="pendulum")
    history = rl.off_policy_loop(env, agent, buffer, args.steps, explore, batch_size=args.batch_size,
                                 learning_starts=args.learning_starts, on_step=tracker.step,
                                 on_episode=tracker.episode, seed=args.seed)
    if history and history[-1][0] < args.steps:
        log(f"stopping after {history[-1][0]} steps: an evaluation reached {args.stop_at}")
    checkpoint = {"actor": actor.state_dict(), "q1": q1.state_dict(), "q2": q2.state_dict(),
                  "log_alpha": agent.log_alpha, "seed": args.seed}
    return tracker.finish("pendulum", args.out, checkpoint, mean_action,
                          rl.make_env(ENV_ID, seed=args.seed + 10_000), args.final_episodes, log=log)
