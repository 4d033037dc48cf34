"""Watching a trained policy: play episodes with the greedy (or mean) action and record them as an animated GIF.

`deepgrad play NAME --checkpoint PATH --gif out.gif` runs `play_checkpoint` with the recipe's ENV_ID and load_policy.
Rendering gymnasium's classic-control environments needs pygame, and writing the GIF Pillow: the `render` extra.
"""
import os

import numpy as np

from ..autograd.grad_mode import no_grad
from .env import gymnasium, make_env
from .loop import obs_tensor

_RENDER_HINT = 'pip install "deepgrad[render]"'


def greedy(net):
    """act(obs) -> the index of the largest output of `net` (Q-values or action logits): the greedy policy."""
    return lambda obs: int(net(obs_tensor(obs)).argmax())


def mean_action(actor):
    """act(obs) -> the deterministic action of a GaussianActor (its squashed mean), as a NumPy array."""
    return lambda obs: actor(obs_tensor(obs), deterministic=True)[0].numpy()


def _image_module():
    try:
        from PIL import Image
    except ImportError:
        raise ImportError(f"writing a GIF needs Pillow: {_RENDER_HINT}") from None
    return Image


def make_render_env(name, seed=None):
    """make_env(name, seed) drawing off-screen frames (render_mode='rgb_array'), or an ImportError naming the
    `render` extra when pygame (gymnasium's renderer for classic control) or Pillow is missing."""
    gymnasium()  # the rl extra first, with its own message
    _image_module()
    os.environ.setdefault("PYGAME_HIDE_SUPPORT_PROMPT", "1")
    try:
        import pygame  # noqa: F401
    except ImportError:
        raise ImportError(f"rendering {name} needs pygame: {_RENDER_HINT}") from None
    # rgb_array frames need no window: without this SDL looks for a display (and complains on a headless machine)
    os.environ.setdefault("SDL_VIDEODRIVER", "dummy")
    return make_env(name, seed=seed, render_mode="rgb_array")


def play_episodes(env, act, episodes, seed=None, frames=None, log=print):
    """Play `episodes` episodes with `act(obs) -> action` (no gradients); log and return their returns (a NumPy
    array). With seed, the first reset is seeded and later ones continue its stream. With a list `frames`, every
    rendered frame (each reset and each step) is appended to it as a palette PIL image, ready for save_gif."""
    to_image = _frame_converter() if frames is not None else None
    returns = []
    with no_grad():
        for episode in range(1, episodes + 1):
            obs, _ = env.reset(seed=seed if episode == 1 else None)
            if frames is not None:
                frames.append(to_image(env.render()))
            total, steps = 0.0, 0
            while True:
                obs, reward, terminated, truncated, _ = env.step(act(obs))
                total, steps = total + float(reward), steps + 1
                if frames is not None:
                    frames.append(to_image(env.render()))
                if terminated or truncated:
                    break
            returns.append(total)
            log(f"episode {episode}: return {total:.2f} ({steps} steps)")
    return np.array(returns)


def _frame_converter():
    Image = _image_module()

    def to_image(frame):
        # a 256-colour palette image per frame: a third of the memory of RGB, and what a GIF stores anyway
        # (fast octree: ~2 ms a frame, colours within about one level of the original)
        return Image.fromarray(np.ascontiguousarray(frame, dtype=np.uint8)).quantize(
            256, method=Image.Quantize.FASTOCTREE, dither=Image.Dither.NONE)

    return to_image


def save_gif(frames, path, fps):
    """Write PIL images as an animated GIF at `fps` frames per second, looping forever."""
    if not frames:
        raise ValueError("save_gif: no frames to write")
    if not fps > 0:
        raise ValueError(f"save_gif: fps must be positive, got {fps}")
    folder = os.path.dirname(os.path.abspath(path))
    os.makedirs(folder, exist_ok=True)
    # GIF delays are whole hundredths of a second; Pillow rounds the milliseconds
    frames[0].save(path, format="GIF", save_all=True, append_images=frames[1:], duration=round(1000 / fps), loop=0)


def play_checkpoint(env_id, load_policy, checkpoint, episodes=3, seed=0, gif=None, fps=None, log=print):
    """Load a policy with `load_policy(checkpoint, env)` (a recipe's hook), play `episodes` episodes of `env_id`
    with it, log each return and the average, and with `gif` write every frame there (at `fps`, by default the
    environment's own render_fps). Returns the episode returns."""
    env = make_render_env(env_id, seed) if gif else make_env(env_id, seed=seed)
    try:
        act = load_policy(checkpoint, env)
        frames = [] if gif else None
        returns = play_episodes(env, act, episodes, seed=seed, frames=frames, log=log)
    finally:
        env.close()
    if gif:
        fps = fps or env.metadata.get("render_fps") or 30
        save_gif(frames, gif, fps)
        log(f"wrote {gif} ({len(frames)} frames, {fps:g} fps)")
    log(f"average reward: {returns.mean():.2f}")
    return returns
