"""nn.init: gains, fans, bounds and statistics of every initialiser, in-place semantics, reproducibility."""
import math

import numpy as np
import pytest

import deepgrad as dg
from deepgrad import nn
from deepgrad.nn import init


def test_calculate_gain():
    assert init.calculate_gain("linear") == 1 and init.calculate_gain("conv2d") == 1
    assert init.calculate_gain("sigmoid") == 1
    assert init.calculate_gain("tanh") == pytest.approx(5 / 3)
    assert init.calculate_gain("relu") == pytest.approx(math.sqrt(2))
    assert init.calculate_gain("leaky_relu") == pytest.approx(math.sqrt(2 / (1 + 0.01**2)))
    assert init.calculate_gain("leaky_relu", math.sqrt(5)) == pytest.approx(math.sqrt(2 / 6))
    assert init.calculate_gain("selu") == 0.75
    with pytest.raises(ValueError, match="Unsupported nonlinearity"):
        init.calculate_gain("swish")


def test_fan_in_and_fan_out():
    assert init._calculate_fan_in_and_fan_out(dg.empty(3, 5)) == (5, 3)
    assert init._calculate_fan_in_and_fan_out(dg.empty(8, 4, 3, 3)) == (36, 72)
    with pytest.raises(ValueError, match="fewer than 2 dimensions"):
        init._calculate_fan_in_and_fan_out(dg.empty(4))


def test_in_place_on_parameters_and_returns_the_tensor():
    p = nn.Parameter(dg.zeros(20, 30))
    assert init.uniform_(p, -2, 3) is p and p.requires_grad
    w = p.detach().numpy()
    assert w.min() >= -2 and w.max() <= 3 and w.min() < -1.9 and w.max() > 2.9
    assert init.constant_(p, 0.25) is p and np.all(p.detach().numpy() == 0.25)
    assert np.all(init.zeros_(p).detach().numpy() == 0) and np.all(init.ones_(p).detach().numpy() == 1)
    np.testing.assert_array_equal(init.eye_(p).detach().numpy(), np.eye(20, 30))
    assert p.grad is None and p.is_leaf


def test_normal_statistics():
    t = init.normal_(dg.empty(200, 300), mean=1.5, std=0.5)
    assert t.numpy().mean() == pytest.approx(1.5, abs=0.01)
    assert t.numpy().std() == pytest.approx(0.5, rel=0.02)


def test_xavier():
    t = init.xavier_uniform_(dg.empty(300, 200), gain=2.0)
    bound = 2.0 * math.sqrt(6 / 500)
    w = t.numpy()
    assert w.max() <= bound and w.min() >= -bound and w.max() > 0.98 * bound and w.min() < -0.98 * bound
    w = init.xavier_normal_(dg.empty(300, 200)).numpy()
    assert w.std() == pytest.approx(math.sqrt(2 / 500), rel=0.02)


@pytest.mark.parametrize("mode, fan", [("fan_in", 200), ("fan_out", 300)])
def test_kaiming(mode, fan):
    gain = math.sqrt(2.0)
    w = init.kaiming_uniform_(dg.empty(300, 200), mode=mode, nonlinearity="relu").numpy()
    bound = gain * math.sqrt(3 / fan)
    assert w.max() <= bound and w.max() > 0.98 * bound
    w = init.kaiming_normal_(dg.empty(300, 200), mode=mode, nonlinearity="relu").numpy()
    assert w.std() == pytest.approx(gain / math.sqrt(fan), rel=0.02)
    with pytest.raises(ValueError, match="Mode fan_avg not supported"):
        init.kaiming_uniform_(dg.empty(3, 3), mode="fan_avg")


def test_kaiming_conv_shape_uses_receptive_field():
    w = init.kaiming_uniform_(dg.empty(64, 16, 3, 3), a=math.sqrt(5)).numpy()
    bound = 1 / math.sqrt(16 * 9)  # gain(leaky_relu, sqrt 5) * sqrt(3 / fan_in) = 1 / sqrt(fan_in)
    assert w.max() <= bound and w.max() > 0.95 * bound


@pytest.mark.parametrize("shape", [(6, 6), (4, 10), (10, 4), (3, 2, 2)])
def test_orthogonal(shape):
    t = init.orthogonal_(dg.empty(*shape, dtype=dg.float64), gain=2.0)
    m = t.numpy().reshape(shape[0], -1)
    rows, cols = m.shape
    if rows <= cols:
        np.testing.assert_allclose(m @ m.T, 4 * np.eye(rows), atol=1e-10)
    else:
        np.testing.assert_allclose(m.T @ m, 4 * np.eye(cols), atol=1e-10)
    with pytest.raises(ValueError, match="2 or more dimensions"):
        init.orthogonal_(dg.empty(3))


def test_trunc_normal_and_dirac():
    w = init.trunc_normal_(dg.empty(100, 100), mean=0.0, std=1.0, a=-0.5, b=1.0).numpy()
    assert w.min() >= -0.5 and w.max() <= 1.0 and w.min() < -0.49 and w.max() > 0.99
    d = init.dirac_(dg.empty(2, 3, 3, 3)).numpy()
    expected = np.zeros((2, 3, 3, 3))
    expected[[0, 1], [0, 1], 1, 1] = 1  # output channel i copies input channel i through the centre tap
    np.testing.assert_array_equal(d, expected)


def test_reproducible_with_manual_seed_and_generator():
    dg.manual_seed(5)
    a = init.kaiming_normal_(dg.empty(4, 4)).numpy().copy()
    dg.manual_seed(5)
    b = init.kaiming_normal_(dg.empty(4, 4)).numpy()
    np.testing.assert_array_equal(a, b)
    g1, g2 = dg.Generator().manual_seed(9), dg.Generator().manual_seed(9)
    c = init.xavier_uniform_(dg.empty(3, 3), generator=g1).numpy()
    d = init.xavier_uniform_(dg.empty(3, 3), generator=g2).numpy()
    np.testing.assert_array_equal(c, d)
    assert not np.array_equal(c, init.xavier_uniform_(dg.empty(3, 3), generator=g1).numpy())
