"""The RL recipes learn: short CI-sized runs through the CLI, and the full bars (slow)."""
import re

import numpy as np
import pytest

import deepgrad as dg
from deepgrad import cli, rl
from deepgrad.models import MLP

pytest.importorskip("gymnasium")

RANDOM_CARTPOLE = 22  # a uniformly random policy's average CartPole-v1 return
RANDOM_PENDULUM = -1200  # about what random torques get on Pendulum-v1


def run_recipe(capsys, name, *options):
    assert cli.main(["train", name, "--no-progress", *options]) == 0
    lines = capsys.readouterr().out.strip().splitlines()
    match = re.fullmatch(r"average reward: (-?\d+\.\d\d)", lines[-1])
    assert match, f"last line was {lines[-1]!r}"
    return float(match.group(1)), lines


def check_outputs(out):
    assert (out / "reward_curve.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    return dg.load(out / "checkpoint.safetensors")


def greedy_average(policy, episodes, seed):
    return rl.evaluate(rl.make_env("CartPole-v1", seed=seed), lambda obs: int(policy(rl.obs_tensor(obs)).argmax()),
                       episodes).mean()


def test_cartpole_reinforce_short_run(tmp_path, capsys):
    reward, _ = run_recipe(capsys, "cartpole-reinforce", "--episodes", "150", "--final-episodes", "10",
                           "--out", str(tmp_path))
    assert reward > 4 * RANDOM_CARTPOLE
    state = check_outputs(tmp_path)
    policy = MLP(4, [32], 2)
    policy.load_state_dict(state["policy"])
    assert state["config"]["gamma"] == 0.99
    with dg.no_grad():  # the checkpoint is the evaluated policy: same seed, same episodes, same average
        assert greedy_average(policy, 10, 0 + 10_000) == pytest.approx(reward, abs=0.01)


def test_cartpole_reinforce_lab_preset_settings(capsys):
    from deepgrad.recipes import cartpole_reinforce
    import argparse

    parser = argparse.ArgumentParser()
    cartpole_reinforce.add_arguments(parser)
    lab = cartpole_reinforce.settings(parser.parse_args(["--preset", "lab"]))
    assert lab == dict(gamma=0.95, lr=1e-3, hidden=32, normalize=True, max_grad_norm=2.0)
    assert cartpole_reinforce.settings(parser.parse_args(["--preset", "lab", "--lr", "0.01"]))["lr"] == 0.01


def test_cartpole_dqn_short_run(tmp_path, capsys):
    reward, _ = run_recipe(capsys, "cartpole-dqn", "--steps", "10000", "--learning-starts", "500", "--train-freq",
                           "64", "--gradient-steps", "32", "--target-update", "32", "--hidden", "64,64",
                           "--exploration-fraction", "0.3", "--eval-every", "2000", "--final-episodes", "10",
                           "--out", str(tmp_path))
    assert reward > 3 * RANDOM_CARTPOLE
    assert "q_net" in check_outputs(tmp_path)


def test_pendulum_short_run(tmp_path, capsys):
    reward, _ = run_recipe(capsys, "pendulum", "--steps", "4000", "--batch-size", "64", "--learning-starts", "500",
                           "--eval-every", "1000", "--eval-episodes", "5", "--final-episodes", "5",
                           "--out", str(tmp_path))
    assert reward > RANDOM_PENDULUM / 2
    assert {"actor", "q1", "q2", "log_alpha"} <= set(check_outputs(tmp_path))


@pytest.mark.slow
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_cartpole_reinforce_bar(tmp_path, capsys, seed):
    reward, _ = run_recipe(capsys, "cartpole-reinforce", "--seed", str(seed), "--out", str(tmp_path))
    assert reward >= 475


@pytest.mark.slow
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_cartpole_dqn_bar(tmp_path, capsys, seed):
    reward, _ = run_recipe(capsys, "cartpole-dqn", "--seed", str(seed), "--out", str(tmp_path))
    assert reward >= 475


@pytest.mark.slow
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_pendulum_bar(tmp_path, capsys, seed):
    reward, _ = run_recipe(capsys, "pendulum", "--seed", str(seed), "--out", str(tmp_path))
    assert reward >= -200


def test_recipes_are_listed(capsys):
    assert cli.main(["recipes"]) == 0
    out = capsys.readouterr().out
    for name in ("cartpole-reinforce", "cartpole-dqn", "pendulum"):
        assert name in out
    assert np.isfinite(RANDOM_PENDULUM)
