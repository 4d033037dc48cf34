"""cartpole-reinforce: REINFORCE on gymnasium's CartPole-v1 with a 4-32-2 policy.

Bar: average reward >= 475 over 100 greedy evaluation episodes after at most 1000 training episodes.
"""
import argparse

from .. import nn, optim, random, rl
from ..models import MLP
from .common import linear_out_features, load_checkpoint

ENV_ID = "CartPole-v1"

PRESETS = {
    # the course lab: discount 0.95, normalised returns, Adam lr 1e-3, gradient norm clipped at 2
    "lab": dict(gamma=0.95, lr=1e-3, hidden=32, normalize=True, max_grad_norm=2.0),
    # the defaults: a longer horizon and a larger step learn CartPole within a few hundred episodes
    "default": dict(gamma=0.99, lr=1e-2, hidden=32, normalize=True, max_grad_norm=2.0),
}

HELP = """\
Settings and what they reach (average reward over 100 greedy evaluation episodes, measured with this code):
  default (discount 0.99, Adam lr 1e-2, normalised returns, clip 2): 500.0 on seeds 0, 1 and 2, stopping
      after 200, 100 and 180 episodes (a few seconds); a greedy evaluation (10 episodes) runs every 20
      episodes, the best weights are kept, and training stops once one averages --stop-at.
  --preset lab (discount 0.95, lr 1e-3, the course lab's settings): learns far more slowly; seed 0 ends at
      453.9 after 1000 episodes (best weights kept), short of 475.
  --baseline adds a learned state-value baseline (REINFORCE with baseline)."""


def add_arguments(parser):
    parser.formatter_class = argparse.RawDescriptionHelpFormatter
    parser.epilog = HELP
    parser.add_argument("--preset", choices=sorted(PRESETS), default="default",
                        help="hyperparameter set (default: default); the options below override it")
    parser.add_argument("--episodes", type=int, default=1000, help="maximum training episodes (default 1000)")
    parser.add_argument("--gamma", type=float, help="discount (default 0.99; lab 0.95)")
    parser.add_argument("--lr", type=float, help="Adam learning rate (default 1e-2; lab 1e-3)")
    parser.add_argument("--hidden", type=int, help="hidden units of the policy (default 32)")
    parser.add_argument("--no-normalize", dest="normalize", action="store_false", default=None,
                        help="do not standardise the discounted returns of each episode")
    parser.add_argument("--max-grad-norm", type=float, help="gradient-norm clip (default 2; 0 turns it off)")
    parser.add_argument("--baseline", action="store_true", help="subtract a learned value baseline")
    rl.add_tracking_arguments(parser, "cartpole-reinforce", "episode", eval_every=20, stop_at=500.0)


def build_policy(hidden):
    """The policy: observation (4) -> Linear(hidden) -> ReLU -> Linear -> action logits (2)."""
    return MLP(4, [hidden], 2)


def load_policy(path, env=None):
    """The greedy policy act(obs) -> action (an int) of a checkpoint written by run(); `deepgrad play` uses it."""
    state = load_checkpoint(path, "cartpole-reinforce", ["policy"])["policy"]
    policy = build_policy(linear_out_features(state)[0])
    policy.load_state_dict(state)
    return rl.greedy(policy)


def settings(args):
    config = dict(PRESETS[args.preset])
    for key in config:
        if getattr(args, key, None) is not None:
            config[key] = getattr(args, key)
    return config


def run(args, log=print):
    config = settings(args)
    random.manual_seed(args.seed)
    env = rl.make_env(ENV_ID, seed=args.seed)
    policy = build_policy(config["hidden"])
    baseline = baseline_optimizer = None
    if args.baseline:
        baseline = MLP(4, [config["hidden"]], 1)
        baseline_optimizer = optim.Adam(baseline.parameters(), lr=config["lr"])
    agent = rl.REINFORCE(policy, optim.Adam(policy.parameters(), lr=config["lr"]), gamma=config["gamma"],
                         normalize=config["normalize"], max_grad_norm=config["max_grad_norm"] or None,
                         baseline=baseline, baseline_optimizer=baseline_optimizer)
    log(f"cartpole-reinforce: preset {args.preset}, policy 4-{config['hidden']}-2, discount {config['gamma']}, "
        f"Adam lr {config['lr']}, normalised returns {config['normalize']}, clip {config['max_grad_norm']}, "
        f"baseline {args.baseline}, up to {args.episodes} episodes")
    modules = [policy] + ([baseline] if baseline is not None else [])
    tracker = rl.Tracker(args.episodes, "episode", modules, agent.greedy,
                         rl.make_env(ENV_ID, seed=args.seed + 1000), args.eval_every, args.eval_episodes,
                         stop_at=args.stop_at or None, progress=args.progress, desc="cartpole-reinforce")
    for episode in range(1, args.episodes + 1):
        if tracker.episode(agent.steps, agent.train_episode(env)):
            log(f"stopping after {episode} episodes: a greedy evaluation reached {args.stop_at}")
            break
    checkpoint = {"policy": policy.state_dict(), "config": config, "seed": args.seed}
    return tracker.finish("cartpole-reinforce", args.out, checkpoint, agent.greedy,
                          rl.make_env(ENV_ID, seed=args.seed + 10_000), args.final_episodes, log=log)
