"""Layers and nn.functional: outputs against NumPy formulas, float64 gradchecks, shapes, errors, dropout, repr."""
import math

import numpy as np
import pytest

import deepgrad as dg
import deepgrad.nn.functional as F
from deepgrad import nn
from deepgrad.autograd import gradcheck


def _sigmoid(x):
    return 1 / (1 + np.exp(-x))


def _softplus(x, beta=1.0, threshold=20.0):
    return np.where(beta * x > threshold, x, np.log1p(np.exp(beta * x)) / beta)


def _softmax(x, axis):
    e = np.exp(x - x.max(axis=axis, keepdims=True))
    return e / e.sum(axis=axis, keepdims=True)


_erf = np.vectorize(math.erf)

# (module, functional call, NumPy reference); inputs avoid the kinks at 0 (and 6 for ReLU6)
ACTIVATIONS = [
    (nn.ReLU(), F.relu, lambda x: np.maximum(x, 0)),
    (nn.ReLU6(), F.relu6, lambda x: np.clip(x, 0, 6)),
    (nn.Hardtanh(-0.5, 0.5), lambda x: F.hardtanh(x, -0.5, 0.5), lambda x: np.clip(x, -0.5, 0.5)),
    (nn.LeakyReLU(0.2), lambda x: F.leaky_relu(x, 0.2), lambda x: np.where(x > 0, x, 0.2 * x)),
    (nn.Sigmoid(), F.sigmoid, _sigmoid),
    (nn.Tanh(), F.tanh, np.tanh),
    (nn.GELU(), F.gelu, lambda x: 0.5 * x * (1 + _erf(x / math.sqrt(2)))),
    (nn.GELU("tanh"), lambda x: F.gelu(x, "tanh"),
     lambda x: 0.5 * x * (1 + np.tanh(math.sqrt(2 / math.pi) * (x + 0.044715 * x**3)))),
    (nn.Softplus(beta=2.0), lambda x: F.softplus(x, 2.0), lambda x: _softplus(x, 2.0)),
    (nn.ELU(alpha=0.7), lambda x: F.elu(x, 0.7), lambda x: np.where(x > 0, x, 0.7 * (np.exp(x) - 1))),
    (nn.SiLU(), F.silu, lambda x: x * _sigmoid(x)),
    (nn.Mish(), F.mish, lambda x: x * np.tanh(np.log1p(np.exp(x)))),
    (nn.LogSigmoid(), F.logsigmoid, lambda x: np.log(_sigmoid(x))),
    (nn.Softmax(dim=1), lambda x: F.softmax(x, 1), lambda x: _softmax(x, 1)),
    (nn.LogSoftmax(dim=-1), lambda x: F.log_softmax(x, -1), lambda x: np.log(_softmax(x, -1))),
    (nn.Identity(54, unused=1), lambda x: x, lambda x: x),
]


def _input(shape=(3, 4), seed=0):
    x = np.random.default_rng(seed).standard_normal(shape) * 2
    for kink in (0.0, 0.5, -0.5, 6.0):
        x[np.abs(x - kink) < 0.05] += 0.1
    return x


@pytest.mark.parametrize("module, fn, ref", ACTIVATIONS, ids=[type(a[0]).__name__ for a in ACTIVATIONS])
def test_activations(module, fn, ref):
    x = _input()
    np.testing.assert_allclose(module(dg.tensor(x)).numpy(), ref(x), rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(fn(dg.tensor(x)).numpy(), ref(x), rtol=1e-10, atol=1e-12)
    x32 = module(dg.tensor(x.astype(np.float32)))
    assert x32.dtype == dg.float32
    np.testing.assert_allclose(x32.numpy(), ref(x), rtol=1e-4, atol=1e-5)
    assert gradcheck(module, [dg.tensor(x, requires_grad=True)])


def test_activations_are_stable_at_extremes():
    x = dg.tensor([-800.0, 800.0], requires_grad=True)
    for fn in (F.elu, F.silu, F.logsigmoid, F.softplus, F.sigmoid, F.mish):
        out = fn(x)
        out.sum().backward()
        assert np.isfinite(out.detach().numpy()).all() and np.isfinite(x.grad.numpy()).all(), fn.__name__
        x.grad = None


def test_hardtanh_gradient_is_zero_at_the_bounds_like_pytorch():
    x = dg.tensor([-1.0, 0.0, 1.0], requires_grad=True)
    F.hardtanh(x).sum().backward()
    assert x.grad.numpy().tolist() == [0.0, 1.0, 0.0]


def test_softmax_implicit_dim_warns_and_picks_pytorch_dim():
    x = dg.randn(2, 3)
    with pytest.warns(UserWarning, match="Implicit dimension choice for softmax"):
        out = nn.Softmax()(x)
    np.testing.assert_allclose(out.numpy().sum(1), 1, rtol=1e-6)
    with pytest.warns(UserWarning, match="log_softmax"):
        out = F.log_softmax(dg.randn(3, 2, 2))  # 3-D: dim 0
    np.testing.assert_allclose(np.exp(out.numpy()).sum(0), 1, rtol=1e-6)


# ---- Linear ----


def test_linear_shapes_init_and_forward():
    m = nn.Linear(5, 3)
    assert m.weight.shape == (3, 5) and m.bias.shape == (3,)
    assert m.weight.requires_grad and m.weight.dtype == dg.float32
    bound = 1 / math.sqrt(5)  # kaiming_uniform_(a=sqrt(5)) and the bias both give U(-1/sqrt(fan_in), 1/sqrt(fan_in))
    assert np.abs(m.weight.detach().numpy()).max() <= bound and np.abs(m.bias.detach().numpy()).max() <= bound
    big = nn.Linear(400, 300)
    w = big.weight.detach().numpy()
    assert w.max() > 0.95 / 20 and w.min() < -0.95 / 20 and abs(w.mean()) < 0.002
    np.testing.assert_allclose(w.std(), (1 / 20) / math.sqrt(3), rtol=0.02)
    x = np.random.default_rng(0).standard_normal((2, 4, 5)).astype(np.float32)
    out = m(dg.tensor(x))
    expected = x @ m.weight.detach().numpy().T + m.bias.detach().numpy()
    assert out.shape == (2, 4, 3)
    np.testing.assert_allclose(out.detach().numpy(), expected, rtol=1e-5, atol=1e-6)
    assert nn.Linear(5, 3, bias=False).bias is None
    assert nn.Linear(2, 2, dtype=dg.float64).weight.dtype == dg.float64


def test_linear_reproducible_under_manual_seed():
    dg.manual_seed(123)
    a = nn.Linear(4, 4)
    dg.manual_seed(123)
    b = nn.Linear(4, 4)
    np.testing.assert_array_equal(a.weight.detach().numpy(), b.weight.detach().numpy())
    np.testing.assert_array_equal(a.bias.detach().numpy(), b.bias.detach().numpy())


def test_linear_gradcheck():
    m = nn.Linear(3, 2, dtype=dg.float64)
    x = dg.randn(4, 3, dtype=dg.float64, requires_grad=True)
    assert gradcheck(lambda x, w, b: F.linear(x, w, b), [x, m.weight, m.bias])
    assert gradcheck(lambda x, w: F.linear(x, w), [dg.randn(2, 2, 3, dtype=dg.float64, requires_grad=True), m.weight])


def test_linear_error_names_shapes():
    with pytest.raises(RuntimeError, match=r"linear: input has 5 features but weight expects 4 \(input shape \(3, 5\), "
                                           r"weight shape \(2, 4\)\)"):
        F.linear(dg.randn(3, 5), dg.randn(2, 4))


# ---- shape layers ----


def test_flatten_unflatten():
    x = dg.randn(2, 3, 4, 5, requires_grad=True)
    assert nn.Flatten()(x).shape == (2, 60)
    assert nn.Flatten(0, 2)(x).shape == (24, 5)
    assert nn.Unflatten(1, (2, 30))(nn.Flatten()(x)).shape == (2, 2, 30)
    np.testing.assert_array_equal(nn.Unflatten(1, (3, 20))(nn.Flatten()(x)).detach().numpy(),
                                  x.detach().numpy().reshape(2, 3, 20))
    assert repr(nn.Unflatten(1, (2, 5))) == "Unflatten(dim=1, unflattened_size=(2, 5))"


# ---- dropout ----


def test_dropout_train_eval_and_scaling():
    x = dg.ones(200, 100)
    d = nn.Dropout(0.3)
    out = d(x).numpy()
    kept = out != 0
    assert abs(kept.mean() - 0.7) < 0.02
    np.testing.assert_allclose(out[kept], 1 / 0.7, rtol=1e-6)  # inverted dropout
    d.eval()
    assert d(x) is x
    assert F.dropout(x, 0.5, training=False) is x
    assert np.all(F.dropout(x, 1.0).numpy() == 0)
    assert F.dropout(x, 0.0) is x


def test_dropout_reproducible_and_differentiable():
    x = dg.randn(5, 6, dtype=dg.float64, requires_grad=True)
    dg.manual_seed(7)
    a = F.dropout(x, 0.4)
    dg.manual_seed(7)
    b = F.dropout(x, 0.4)
    np.testing.assert_array_equal(a.detach().numpy(), b.detach().numpy())
    a.sum().backward()
    mask = a.detach().numpy() != 0
    np.testing.assert_allclose(x.grad.numpy(), mask / 0.6)


def test_dropout_validates_p():
    with pytest.raises(ValueError, match="dropout probability has to be between 0 and 1, but got 1.5"):
        nn.Dropout(1.5)
    with pytest.raises(ValueError, match="between 0 and 1"):
        F.dropout(dg.ones(2), -0.1)


# ---- one_hot and repr ----


def test_one_hot():
    out = F.one_hot(dg.tensor([[0, 2], [1, 0]]), num_classes=4)
    assert out.dtype == dg.int64 and out.shape == (2, 2, 4)
    np.testing.assert_array_equal(out.numpy(), np.eye(4, dtype=np.int64)[[[0, 2], [1, 0]]])
    assert F.one_hot(dg.tensor([3, 1])).shape == (2, 4)
    with pytest.raises(RuntimeError, match="one_hot"):
        F.one_hot(dg.tensor([0, 5]), num_classes=3)


@pytest.mark.parametrize("module, text", [
    (nn.ReLU(), "ReLU()"), (nn.ReLU(inplace=True), "ReLU(inplace=True)"),
    (nn.LeakyReLU(), "LeakyReLU(negative_slope=0.01)"), (nn.GELU(), "GELU(approximate='none')"),
    (nn.Softmax(dim=-1), "Softmax(dim=-1)"), (nn.Softplus(), "Softplus(beta=1.0, threshold=20.0)"),
    (nn.ELU(), "ELU(alpha=1.0)"), (nn.SiLU(), "SiLU()"), (nn.Dropout(), "Dropout(p=0.5, inplace=False)"),
    (nn.Flatten(), "Flatten(start_dim=1, end_dim=-1)"), (nn.Identity(), "Identity()"),
    (nn.Linear(4, 3, bias=False), "Linear(in_features=4, out_features=3, bias=False)"),
])
def test_layer_repr(module, text):
    assert repr(module) == text
