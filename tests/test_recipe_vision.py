"""The vision recipes: digits-cnn learns in a few epochs and writes its plots; mnist-cnn runs on small IDX files
written here; shapes-segmentation runs end to end. The full bars are slow tests."""
import re

import numpy as np
import pytest

import deepgrad as dg
from deepgrad import cli
from deepgrad.models import CNN, UNet
from deepgrad.recipes.shapes_segmentation import iou_per_class

PNG = b"\x89PNG\r\n\x1a\n"


def run_recipe(capsys, name, *options, metric="test accuracy"):
    assert cli.main(["train", name, "--no-progress", *options]) == 0
    lines = capsys.readouterr().out.strip().splitlines()
    match = re.fullmatch(rf"{metric}: (0\.\d{{4}}|1\.0000)", lines[-1])
    assert match, f"last line was {lines[-1]!r}"
    return float(match.group(1)), lines


def test_digits_cnn_learns_in_a_few_epochs(tmp_path, capsys):
    pytest.importorskip("sklearn")
    accuracy, lines = run_recipe(capsys, "digits-cnn", "--epochs", "2", "--lr", "3e-3", "--out", str(tmp_path))
    assert accuracy > 0.6  # chance is 0.1
    assert sum(line.startswith("epoch ") for line in lines) == 2
    for name in ("learning_curves", "confusion_matrix", "filters", "feature_maps"):
        assert (tmp_path / f"{name}.png").read_bytes()[:8] == PNG, name
    state = dg.load(tmp_path / "model.safetensors")
    assert tuple(state["0.weight"].shape) == (24, 1, 3, 3) and tuple(state["3.weight"].shape) == (36, 24, 3, 3)
    assert tuple(state["7.weight"].shape) == (128, 36 * 2 * 2) and tuple(state["9.weight"].shape) == (10, 128)
    model = CNN(1, 8, 10, padding=1)
    model.load_state_dict(state)
    model.eval()
    x, y = dg.datasets.digits(split="test", flat=False).tensors
    with dg.no_grad():
        predicted = model(x).argmax(dim=1).numpy()
    assert np.mean(predicted == y.numpy()) == pytest.approx(accuracy, abs=5e-5)


def test_digits_cnn_batchnorm_option(tmp_path, capsys):
    pytest.importorskip("sklearn")
    accuracy, lines = run_recipe(capsys, "digits-cnn", "--batchnorm", "--epochs", "1", "--out", str(tmp_path))
    assert "with batch norm" in lines[0] and accuracy > 0.5
    state = dg.load(tmp_path / "model.safetensors")
    assert "1.running_mean" in state and "1.num_batches_tracked" in state


def _write_mnist(root, n_train, n_test):
    """Tiny MNIST-format files: class c is a bright 6x6 square at one of ten positions on a noisy 28x28 image."""
    rng = np.random.default_rng(0)
    for prefix, n in (("train", n_train), ("t10k", n_test)):
        labels = np.arange(n) % 10
        images = rng.integers(0, 60, (n, 28, 28))
        for i, c in enumerate(labels):
            r, q = divmod(int(c), 5)
            images[i, 4 + 12 * r:10 + 12 * r, 2 + 5 * q:8 + 5 * q] = 255
        dg.datasets.write_idx(images.astype(np.uint8), root / f"{prefix}-images-idx3-ubyte")
        dg.datasets.write_idx(labels.astype(np.uint8), root / f"{prefix}-labels-idx1-ubyte.gz")


def test_mnist_cnn_on_small_idx_files(tmp_path, capsys):
    data = tmp_path / "mnist"
    data.mkdir()
    _write_mnist(data, 100, 20)
    out = tmp_path / "out"
    accuracy, lines = run_recipe(capsys, "mnist-cnn", "--data", str(data), "--epochs", "3", "--lr", "3e-3",
                                 "--batch-size", "10", "--out", str(out))
    assert "(28x28)" in lines[0] and "90 train / 10 val / 20 test" in lines[0]
    assert accuracy > 0.5
    assert tuple(dg.load(out / "model.safetensors")["7.weight"].shape) == (128, 36 * 5 * 5)  # no padding: 28->5
    assert (out / "feature_maps.png").read_bytes()[:8] == PNG


def test_mnist_cnn_needs_data(capsys):
    assert cli.main(["train", "mnist-cnn"]) == 2
    assert "--data" in capsys.readouterr().err


def test_shapes_segmentation_runs(tmp_path, capsys):
    miou, lines = run_recipe(capsys, "shapes-segmentation", "--train-size", "48", "--val-size", "16", "--test-size",
                             "16", "--size", "16", "--base", "4", "--epochs", "1", "--up", "bilinear", "--out",
                             str(tmp_path), metric="mean IoU")
    assert re.fullmatch(r"pixel accuracy: 0\.\d{4}", lines[-2])
    assert (tmp_path / "segmentation_examples.png").read_bytes()[:8] == PNG
    assert 0.0 <= miou <= 1.0


def test_iou_per_class():
    matrix = np.array([[5, 1, 0], [2, 3, 0], [0, 0, 0]])
    np.testing.assert_allclose(iou_per_class(matrix)[:2], [5 / 8, 3 / 6])
    assert np.isnan(iou_per_class(matrix)[2])


def test_unet_shapes_and_errors():
    for up in ("transpose", "bilinear"):
        net = UNet(3, 4, base=4, depth=2, up=up)
        assert tuple(net(dg.zeros(2, 3, 12, 8)).shape) == (2, 4, 12, 8)
    with pytest.raises(ValueError, match="divisible by 4"):
        UNet(3, 4, base=4)(dg.zeros(1, 3, 10, 8))
    with pytest.raises(ValueError, match="too small"):
        CNN(1, 5, 10)


@pytest.mark.slow
def test_digits_cnn_reaches_the_bar(tmp_path, capsys):
    pytest.importorskip("sklearn")
    accuracy, _ = run_recipe(capsys, "digits-cnn", "--out", str(tmp_path))
    assert accuracy >= 0.97


@pytest.mark.slow
def test_shapes_segmentation_reaches_the_bar(tmp_path, capsys):
    miou, _ = run_recipe(capsys, "shapes-segmentation", "--out", str(tmp_path), metric="mean IoU")
    assert miou >= 0.80
