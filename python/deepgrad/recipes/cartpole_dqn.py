"""cartpole-dqn: DQN (replay buffer, target network, Huber loss, epsilon-greedy) on gymnasium's CartPole-v1.

Bar: average reward >= 475 over 100 greedy evaluation episodes within 50,000 environment steps.
The defaults are the Stable-Baselines3 zoo's tuned CartPole settings: a 256-256 Q-network, Adam lr 2.3e-3,
batch 64, 128 gradient steps every 256 environment steps (the target network synced after each burst),
epsilon 1 -> 0.04 over the first 16% of the steps.
"""
import numpy as np

from .. import optim, random, rl
from ..models import MLP
from .common import linear_out_features, load_checkpoint, positive_int

ENV_ID = "CartPole-v1"


def add_arguments(parser):
    parser.add_argument("--steps", type=positive_int, default=50_000, help="environment steps (default 50000)")
    parser.add_argument("--lr", type=float, default=2.3e-3, help="Adam learning rate (default 2.3e-3)")
    parser.add_argument("--batch-size", type=positive_int, default=64, help="replayed batch size (default 64)")
    parser.add_argument("--hidden", type=lambda s: [positive_int(x) for x in s.split(",")], default=[256, 256],
                        help="hidden layer sizes of the Q-network, comma separated (default 256,256)")
    parser.add_argument("--gamma", type=float, default=0.99, help="discount (default 0.99)")
    parser.add_argument("--buffer-size", type=positive_int, default=100_000, help="replay capacity (default 100000)")
    parser.add_argument("--learning-starts", type=int, default=1000, help="steps before learning (default 1000)")
    parser.add_argument("--train-freq", type=positive_int, default=256, help="steps between bursts of updates")
    parser.add_argument("--gradient-steps", type=positive_int, default=128, help="updates per burst (default 128)")
    parser.add_argument("--target-update", type=positive_int, default=128,
                        help="updates between target-network updates (default 128)")
    parser.add_argument("--tau", type=float, default=1.0, help="target update: 1 = hard copy, < 1 = soft (default 1)")
    parser.add_argument("--double", action="store_true", help="Double DQN targets")
    parser.add_argument("--mse", action="store_true", help="squared-error loss instead of Huber")
    parser.add_argument("--exploration-fraction", type=float, default=0.16,
                        help="fraction of the steps over which epsilon falls (default 0.16)")
    parser.add_argument("--final-epsilon", type=float, default=0.04, help="final epsilon (default 0.04)")
    rl.add_tracking_arguments(parser, "cartpole-dqn", "step", eval_every=2500, stop_at=500.0)


def build_q_net(hidden):
    """The Q-network: observation (4) -> hidden sizes, each Linear + ReLU -> one value per action (2)."""
    return MLP(4, hidden, 2)


def load_policy(path, env=None):
    """The greedy policy act(obs) -> argmax_a Q(obs, a) of a checkpoint written by run(); `deepgrad play` uses it."""
    state = load_checkpoint(path, "cartpole-dqn", ["q_net"])["q_net"]
    q_net = build_q_net(linear_out_features(state)[:-1])
    q_net.load_state_dict(state)
    return rl.greedy(q_net)


def run(args, log=print):
    random.manual_seed(args.seed)
    env = rl.make_env(ENV_ID, seed=args.seed)
    q_net = build_q_net(args.hidden)
    agent = rl.DQN(q_net, optim.Adam(q_net.parameters(), lr=args.lr), n_actions=2, gamma=args.gamma,
                   target_update_interval=args.target_update, tau=args.tau, double=args.double, huber=not args.mse,
                   generator=random.Generator().manual_seed(args.seed))
    buffer = rl.ReplayBuffer(args.buffer_size, (4,), np.float32)
    epsilon = rl.LinearSchedule(1.0, args.final_epsilon, max(1, int(args.exploration_fraction * args.steps)))
    log(f"cartpole-dqn: Q-network 4-{'-'.join(map(str, args.hidden))}-2, {'Double ' if args.double else ''}DQN, "
        f"{'MSE' if args.mse else 'Huber'} loss, Adam lr {args.lr}, batch {args.batch_size}, "
        f"{args.gradient_steps} updates every {args.train_freq} steps, {args.steps} steps")
    tracker = rl.Tracker(args.steps, "step", [q_net], agent.greedy, rl.make_env(ENV_ID, seed=args.seed + 1000),
                         args.eval_every, args.eval_episodes, stop_at=args.stop_at or None, progress=args.progress,
                         desc="cartpole-dqn")
    history = rl.off_policy_loop(
        env, agent, buffer, args.steps, explore=lambda step, obs: agent.act(obs, epsilon(step)),
        batch_size=args.batch_size, learning_starts=args.learning_starts, train_freq=args.train_freq,
        gradient_steps=args.gradient_steps, on_step=tracker.step, on_episode=tracker.episode,
        seed=args.seed)
    if history and history[-1][0] < args.steps:
        log(f"stopping after {history[-1][0]} steps: a greedy evaluation reached {args.stop_at}")
    checkpoint = {"q_net": q_net.state_dict(), "seed": args.seed}
    return tracker.finish("cartpole-dqn", args.out, checkpoint, agent.greedy,
                          rl.make_env(ENV_ID, seed=args.seed + 10_000), args.final_episodes, log=log)
