"""`deepgrad play`: a recipe's checkpoint played greedily, returns printed, frames written as an animated GIF."""
import re
import sys

import numpy as np
import pytest

import deepgrad as dg
from deepgrad import cli, rl
from deepgrad.models import MLP

pytest.importorskip("gymnasium")


def play(capsys, *argv):
    status = cli.main(["play", *map(str, argv)])
    out, err = capsys.readouterr()
    return status, out.strip().splitlines(), err


def parse_returns(lines, episodes):
    """The per-episode returns and the average from play's output, checked to be numbers that agree."""
    returns = []
    for i in range(1, episodes + 1):
        match = re.fullmatch(rf"episode {i}: return (-?\d+\.\d\d) \((\d+) steps\)", lines[i - 1])
        assert match, f"line {i} was {lines[i - 1]!r}"
        returns.append(float(match.group(1)))
    match = re.fullmatch(r"average reward: (-?\d+\.\d\d)", lines[-1])
    assert match, f"last line was {lines[-1]!r}"
    assert float(match.group(1)) == pytest.approx(np.mean(returns), abs=0.006)
    return returns


def gif_frames(path):
    from PIL import Image, ImageSequence

    with Image.open(path) as im:
        return [frame.copy() for frame in ImageSequence.Iterator(im)], im.info


def test_play_a_trained_reinforce_checkpoint_with_a_gif(tmp_path, capsys):
    pytest.importorskip("pygame")
    pytest.importorskip("PIL")
    assert cli.main(["train", "cartpole-reinforce", "--episodes", "5", "--eval-every", "5", "--eval-episodes", "1",
                     "--final-episodes", "1", "--no-progress", "--out", str(tmp_path)]) == 0
    capsys.readouterr()
    ckpt, gif = tmp_path / "checkpoint.safetensors", tmp_path / "play" / "cartpole.gif"
    status, lines, err = play(capsys, "cartpole-reinforce", "--checkpoint", ckpt, "--episodes", 2, "--seed", 3,
                              "--gif", gif)
    assert status == 0, err
    returns = parse_returns(lines, 2)
    assert all(r >= 1 for r in returns)
    assert lines[2].startswith(f"wrote {gif} (") and lines[2].endswith("frames, 50 fps)")
    frames, info = gif_frames(gif)
    assert len(frames) > 1 and frames[0].size == (600, 400)
    assert info["loop"] == 0 and info["duration"] == 20  # CartPole's 50 frames a second
    # the greedy policy of the checkpoint's network, with evaluate's seeding: the same episodes, the same returns
    policy = MLP(4, [32], 2)
    policy.load_state_dict(dg.load(ckpt)["policy"])
    expected = rl.evaluate(rl.make_env("CartPole-v1", seed=3), rl.greedy(policy), 2)
    np.testing.assert_allclose(returns, expected)
    # recording does not change the episodes
    status, lines, _ = play(capsys, "cartpole-reinforce", "--checkpoint", ckpt, "--episodes", 2, "--seed", 3)
    assert status == 0 and parse_returns(lines, 2) == returns and len(lines) == 3


@pytest.mark.parametrize("hidden", [[5], [7, 3]])
def test_play_a_dqn_checkpoint(tmp_path, capsys, hidden):
    from deepgrad.recipes import cartpole_dqn

    dg.manual_seed(0)
    q_net = cartpole_dqn.build_q_net(hidden)
    dg.save({"q_net": q_net.state_dict(), "seed": 0}, tmp_path / "checkpoint.safetensors")
    act = cartpole_dqn.load_policy(tmp_path / "checkpoint.safetensors")  # rebuilt from the weight shapes
    obs = np.random.default_rng(0).normal(size=(20, 4)).astype(np.float32)
    with dg.no_grad():
        assert [act(o) for o in obs] == list(q_net(dg.tensor(obs)).argmax(1).numpy())
    status, lines, err = play(capsys, "cartpole-dqn", "--checkpoint", tmp_path / "checkpoint.safetensors",
                              "--episodes", 1)
    assert status == 0, err
    parse_returns(lines, 1)
    assert len(lines) == 2


@pytest.mark.parametrize("hidden", [(8,), (8, 6)])
def test_play_a_pendulum_checkpoint(tmp_path, capsys, hidden):
    from deepgrad.recipes import pendulum

    dg.manual_seed(0)
    actor = pendulum.build_actor(rl.make_env("Pendulum-v1"), hidden)
    dg.save({"actor": actor.state_dict(), "seed": 0}, tmp_path / "checkpoint.safetensors")
    act = pendulum.load_policy(tmp_path / "checkpoint.safetensors", rl.make_env("Pendulum-v1"))
    obs = np.random.default_rng(0).normal(size=(5, 3)).astype(np.float32)
    with dg.no_grad():
        np.testing.assert_array_equal(np.stack([act(o) for o in obs]),
                                      actor(dg.tensor(obs), deterministic=True)[0].numpy())
    status, lines, err = play(capsys, "pendulum", "--checkpoint", tmp_path / "checkpoint.safetensors", "--episodes", 1)
    assert status == 0, err
    assert -2000 < parse_returns(lines, 1)[0] < 0  # Pendulum's rewards are negative; 200 steps of at most -16.3


def test_play_pendulum_gif_at_a_chosen_fps(tmp_path, capsys):
    pytest.importorskip("pygame")
    pytest.importorskip("PIL")
    from deepgrad.recipes import pendulum

    dg.save({"actor": pendulum.build_actor(rl.make_env("Pendulum-v1"), (4,)).state_dict()}, tmp_path / "c.safetensors")
    status, lines, err = play(capsys, "pendulum", "--checkpoint", tmp_path / "c.safetensors", "--episodes", 1,
                              "--gif", tmp_path / "p.gif", "--fps", 10)
    assert status == 0, err
    assert "(201 frames, 10 fps)" in lines[1]  # the reset frame and one per step
    frames, info = gif_frames(tmp_path / "p.gif")
    assert len(frames) > 1 and frames[0].size == (500, 500) and info["duration"] == 100


def test_play_errors_name_the_problem(tmp_path, capsys):
    status, _, err = play(capsys, "no-such-recipe")
    assert status == 2 and "unknown recipe 'no-such-recipe'" in err and "cartpole-dqn" in err
    status, _, err = play(capsys, "digits-mlp")
    assert status == 2 and "recipe 'digits-mlp' has no policy to play" in err
    assert "cartpole-dqn, cartpole-reinforce, pendulum" in err
    missing = tmp_path / "nothing.safetensors"
    status, _, err = play(capsys, "cartpole-dqn", "--checkpoint", missing)
    assert status == 1 and f"no checkpoint at {missing}" in err and "deepgrad train cartpole-dqn" in err
    # a checkpoint of another recipe
    dg.save({"q_net": MLP(4, [3], 2).state_dict()}, tmp_path / "dqn.safetensors")
    status, _, err = play(capsys, "pendulum", "--checkpoint", tmp_path / "dqn.safetensors")
    assert status == 1 and "is not a pendulum checkpoint: it has no 'actor' entry" in err
    (tmp_path / "junk.safetensors").write_bytes(b"not a checkpoint")
    status, _, err = play(capsys, "cartpole-reinforce", "--checkpoint", tmp_path / "junk.safetensors")
    assert status == 1 and "is not a valid safetensors file" in err
    for option in (["--episodes", "0"], ["--fps", "-5"], ["--fps", "fast"]):
        status, _, err = play(capsys, "cartpole-dqn", "--checkpoint", tmp_path / "dqn.safetensors", *option)
        assert status == 2 and "expected a positive number" in err


@pytest.mark.parametrize("module", ["pygame", "PIL"])
def test_gif_without_the_render_extra_says_what_to_install(tmp_path, capsys, monkeypatch, module):
    dg.save({"q_net": MLP(4, [3], 2).state_dict()}, tmp_path / "dqn.safetensors")
    monkeypatch.setitem(sys.modules, module, None)  # import fails as if it were not installed
    status, _, err = play(capsys, "cartpole-dqn", "--checkpoint", tmp_path / "dqn.safetensors", "--gif",
                          tmp_path / "x.gif")
    assert status == 1 and 'pip install "deepgrad[render]"' in err
    assert ("pygame" if module == "pygame" else "Pillow") in err
    assert not (tmp_path / "x.gif").exists()
    # without --gif nothing needs rendering
    status, lines, err = play(capsys, "cartpole-dqn", "--checkpoint", tmp_path / "dqn.safetensors", "--episodes", 1)
    assert status == 0, err


def test_save_gif_checks_its_arguments(tmp_path):
    with pytest.raises(ValueError, match="no frames"):
        rl.save_gif([], tmp_path / "x.gif", 30)
    Image = pytest.importorskip("PIL.Image")
    with pytest.raises(ValueError, match="fps must be positive"):
        rl.save_gif([Image.new("P", (4, 4))], tmp_path / "x.gif", 0)
