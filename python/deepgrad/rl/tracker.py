"""What the RL recipes share while training: a progress bar with the running episode return, periodic greedy
evaluations that keep the best weights, and the end of a run (reward curve, checkpoint, final evaluation)."""
import copy
import os
import sys
import time

import numpy as np
from tqdm import tqdm

from .. import io
from .loop import evaluate
from .plots import save_reward_curve


class Tracker:
    """Follows a training run.

    episode(step, episode_return) records a finished episode (call it from the training loop's on_episode)
    and, every `eval_every` steps or episodes, evaluates `act` greedily on `eval_episodes` episodes of
    `eval_env`; the weights of `modules` with the best evaluation so far are kept, and it returns True (stop)
    once an evaluation reaches `stop_at`. unit: 'episode' (the bar counts episodes) or 'step'.
    """

    def __init__(self, total, unit, modules, act, eval_env, eval_every, eval_episodes=10, stop_at=None,
                 progress=True, desc=None):
        self.unit, self.modules, self.act, self.eval_env = unit, modules, act, eval_env
        self.eval_every, self.eval_episodes, self.stop_at = eval_every, eval_episodes, stop_at
        self.returns, self.steps, self.evaluations = [], [], []
        self.best, self.best_state, self.next_eval = -np.inf, None, eval_every
        self.start = time.perf_counter()
        self.bar = tqdm(total=total, unit=unit, desc=desc, file=sys.stderr, dynamic_ncols=True, leave=False,
                        disable=not (progress and sys.stderr.isatty()), mininterval=0.5)

    def step(self, n=1):
        if self.unit == "step":
            self.bar.update(n)

    def episode(self, step, episode_return):
        self.returns.append(float(episode_return))
        self.steps.append(step)
        if self.unit == "episode":
            self.bar.update(1)
        self.bar.set_postfix(ret=f"{np.mean(self.returns[-20:]):.1f}", best_eval=f"{self.best:.1f}", refresh=False)
        count = len(self.returns) if self.unit == "episode" else step
        if count < self.next_eval:
            return False
        self.next_eval = count + self.eval_every
        score = float(evaluate(self.eval_env, self.act, self.eval_episodes).mean())
        self.evaluations.append((count, score))
        if score > self.best:
            self.best = score
            self.best_state = [copy.deepcopy(m.state_dict()) for m in self.modules]
        return self.stop_at is not None and score >= self.stop_at

    def restore_best(self):
        """Load the best evaluated weights back (if any evaluation ran)."""
        if self.best_state is not None:
            for m, state in zip(self.modules, self.best_state):
                m.load_state_dict(state)

    def finish(self, name, out, checkpoint, act, env, episodes=100, log=print):
        """Close the bar, keep the best weights, write the reward curve and `checkpoint` (a dict of state dicts
        and plain values) into `out`, and log the average reward of `act` over `episodes` episodes of `env`."""
        self.bar.close()
        self.restore_best()
        os.makedirs(out, exist_ok=True)
        path = os.path.join(out, "checkpoint.safetensors")
        io.save(checkpoint, path)
        x = np.arange(1, len(self.returns) + 1) if self.unit == "episode" else np.array(self.steps)
        save_reward_curve(self.returns, os.path.join(out, "reward_curve.png"), title=name, x=x, xlabel=self.unit,
                          evaluations=self.evaluations, log=log)
        train_time = time.perf_counter() - self.start
        returns = evaluate(env, act, episodes)
        log(f"{name}: trained {len(self.returns)} episodes / {self.steps[-1] if self.steps else 0} steps in "
            f"{train_time:.1f}s; best {self.eval_episodes}-episode evaluation {self.best:.1f}; wrote {path}")
        log(f"evaluation over {episodes} episodes: min {returns.min():.1f}, max {returns.max():.1f}")
        log(f"average reward: {returns.mean():.2f}")
        return {"average reward": float(returns.mean()), "episodes": len(self.returns),
                "steps": self.steps[-1] if self.steps else 0, "train time": train_time}


def add_tracking_arguments(parser, name, unit, eval_every, stop_at):
    """The options every RL recipe shares: periodic evaluation, early stop, final evaluation, seed, out."""
    parser.add_argument("--eval-every", type=int, default=eval_every,
                        help=f"greedy evaluation every N {unit}s (default {eval_every})")
    parser.add_argument("--eval-episodes", type=int, default=10, help="episodes per periodic evaluation (default 10)")
    parser.add_argument("--stop-at", type=float, default=stop_at,
                        help=f"stop once a periodic evaluation averages this much (default {stop_at:g}; 0 never stops)")
    parser.add_argument("--final-episodes", type=int, default=100, help="final evaluation episodes (default 100)")
    parser.add_argument("--seed", type=int, default=0, help="seed for the networks, sampling and the environments")
    parser.add_argument("--out", default=f"runs/{name}", metavar="DIR", help=f"output folder (default runs/{name})")
    parser.add_argument("--no-progress", dest="progress", action="store_false", help="no progress bar")
