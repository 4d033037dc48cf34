"""The adding problem: the data set's definition, a short recipe run, and (slow) the T=100 bars: LSTM and GRU
below 0.01 test MSE, a plain tanh RNN stuck near the 0.167 baseline."""
import re

import numpy as np
import pytest

from deepgrad import cli
from deepgrad.datasets.adding import BASELINE_MSE, adding_problem


def test_dataset_marks_one_value_in_each_half():
    x, y = adding_problem(500, 10, np.random.default_rng(0))
    assert x.shape == (500, 10, 2) and y.shape == (500, 1) and x.dtype == np.float32
    markers = x[..., 1]
    np.testing.assert_array_equal(markers.sum(1), 2)
    np.testing.assert_array_equal(markers[:, :5].sum(1), 1)
    np.testing.assert_allclose(y[:, 0], (x[..., 0] * markers).sum(1), rtol=1e-6)
    assert 0.0 <= x[..., 0].min() and x[..., 0].max() < 1.0
    _, y_big = adding_problem(20000, 10, np.random.default_rng(1))
    assert np.mean((y_big - 1.0) ** 2) == pytest.approx(BASELINE_MSE, rel=0.05)
    with pytest.raises(ValueError, match="at least 2"):
        adding_problem(1, 1, np.random.default_rng(0))


def _run(capsys, *options):
    assert cli.main(["train", "adding-problem", "--no-progress", *options]) == 0
    lines = capsys.readouterr().out.strip().splitlines()
    assert re.fullmatch(r"test mse: \d+\.\d{4}", lines[-1]), lines[-1]
    return {m.group(1): float(m.group(2)) for m in (re.fullmatch(r"(\w+) test mse: (\S+)", l) for l in lines) if m}, lines


@pytest.mark.parametrize("cell", ["rnn", "lstm", "gru"])
def test_short_run_beats_the_baseline_on_short_sequences(tmp_path, capsys, cell):
    results, lines = _run(capsys, "--cell", cell, "--length", "4", "--hidden", "16", "--steps", "200",
                          "--batch-size", "32", "--lr", "1e-2", "--test-size", "200", "--out", str(tmp_path))
    assert any(line.startswith("baseline mse: 0.1667") for line in lines)
    assert results[cell] < 0.5 * BASELINE_MSE
    assert (tmp_path / f"{cell}.safetensors").is_file()


@pytest.mark.slow
def test_lstm_and_gru_solve_t100_and_plain_rnn_does_not(tmp_path, capsys):
    results, _ = _run(capsys, "--cell", "all", "--length", "100", "--out", str(tmp_path))
    assert results["lstm"] < 0.01
    assert results["gru"] < 0.01
    assert results["rnn"] > 0.1
