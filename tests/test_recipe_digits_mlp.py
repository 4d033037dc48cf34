"""The digits-mlp recipe learns: a short in-process run through the CLI, and the full default run (slow)."""
import re

import numpy as np
import pytest

import deepgrad as dg
from deepgrad import cli
from deepgrad.models import MLP

pytest.importorskip("sklearn")


def run_recipe(capsys, *options):
    assert cli.main(["train", "digits-mlp", "--no-progress", *options]) == 0
    lines = capsys.readouterr().out.strip().splitlines()
    match = re.fullmatch(r"test accuracy: (0\.\d{4}|1\.0000)", lines[-1])
    assert match, f"last line was {lines[-1]!r}"
    return float(match.group(1)), lines


def test_short_run_learns_and_writes_outputs(tmp_path, capsys):
    accuracy, lines = run_recipe(capsys, "--epochs", "5", "--lr", "3e-3", "--out", str(tmp_path))
    assert accuracy >= 0.9
    assert sum(line.startswith("epoch ") for line in lines) == 5
    assert (tmp_path / "model.safetensors").is_file()
    assert (tmp_path / "learning_curves.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    # the checkpoint reproduces the reported accuracy
    state = dg.load(tmp_path / "model.safetensors")
    assert sorted(state) == ["0.bias", "0.weight", "3.bias", "3.weight", "6.bias", "6.weight"]
    assert tuple(state["0.weight"].shape) == (128, 64) and tuple(state["6.weight"].shape) == (10, 64)
    model = MLP(64, [128, 64], 10, dropout=0.1)
    model.load_state_dict(state)
    model.eval()
    x, y = dg.datasets.digits(split="test").tensors
    with dg.no_grad():
        predicted = model(x).argmax(dim=1).numpy()
    assert np.mean(predicted == y.numpy()) == pytest.approx(accuracy, abs=5e-5)


def test_optimizer_choice(tmp_path, capsys):
    accuracy, lines = run_recipe(capsys, "--epochs", "2", "--optimizer", "sgd", "--lr", "0.05", "--out", str(tmp_path))
    assert "sgd lr 0.05" in lines[0]
    assert accuracy > 0.5


@pytest.mark.slow
def test_default_run_reaches_the_bar(tmp_path, capsys):
    accuracy, _ = run_recipe(capsys, "--out", str(tmp_path))
    assert accuracy >= 0.95
