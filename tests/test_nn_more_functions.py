"""selu, celu, softsign, softmin, hardsigmoid, hardswish, glu, prelu, normalize, cosine_similarity, kl_div:
values against NumPy formulas (PyTorch's definitions) and float64 gradchecks; their modules."""
import numpy as np
import pytest

import deepgrad as dg
import deepgrad.nn as nn
import deepgrad.nn.functional as F

ALPHA, SCALE = 1.6732632423543772848170429916717, 1.0507009873554804934193349852946


def _softmax(x, axis):
    e = np.exp(x - x.max(axis, keepdims=True))
    return e / e.sum(axis, keepdims=True)


def _sig(x):
    return 1 / (1 + np.exp(-x))


CASES = {
    "selu": (F.selu, lambda x: SCALE * np.where(x > 0, x, ALPHA * np.expm1(x))),
    "celu": (lambda x: F.celu(x, 0.7), lambda x: np.maximum(x, 0) + np.minimum(0, 0.7 * np.expm1(x / 0.7))),
    "softsign": (F.softsign, lambda x: x / (1 + np.abs(x))),
    "softmin": (lambda x: F.softmin(x, 1), lambda x: _softmax(-x, 1)),
    "hardsigmoid": (F.hardsigmoid, lambda x: np.clip(x + 3, 0, 6) / 6),
    "hardswish": (F.hardswish, lambda x: x * np.clip(x + 3, 0, 6) / 6),
    "glu": (F.glu, lambda x: x[:, :3] * _sig(x[:, 3:])),
    "normalize": (F.normalize, lambda x: x / np.maximum(np.linalg.norm(x, axis=1, keepdims=True), 1e-12)),
}


def _input():
    x = np.random.default_rng(0).standard_normal((4, 6)) * 2.5
    x[np.abs(np.abs(x) - 3) < 0.1] += 0.3  # keep away from hardswish/hardsigmoid kinks at +-3
    x[np.abs(x) < 0.05] += 0.1
    return x


@pytest.mark.parametrize("name", sorted(CASES))
def test_values_and_gradients(name):
    fn, ref = CASES[name]
    x = _input()
    np.testing.assert_allclose(fn(dg.tensor(x)).numpy(), ref(x), rtol=1e-12, atol=1e-12)
    assert dg.autograd.gradcheck(fn, [dg.tensor(x, requires_grad=True)])


def test_prelu_per_channel_and_module():
    x = np.random.default_rng(1).standard_normal((2, 3, 4))
    x[np.abs(x) < 0.05] += 0.1
    w = np.array([0.1, 0.2, 0.3])
    np.testing.assert_allclose(F.prelu(dg.tensor(x), dg.tensor(w)).numpy(), np.where(x > 0, x, w[:, None] * x))
    assert dg.autograd.gradcheck(F.prelu, [dg.tensor(x, requires_grad=True), dg.tensor(w, requires_grad=True)])
    m = nn.PReLU(3)
    assert list(m.state_dict()) == ["weight"] and np.allclose(m.weight.detach().numpy(), 0.25)
    with pytest.raises(RuntimeError, match="prelu: weight has 3 elements"):
        F.prelu(dg.ones(2, 4), dg.ones(3))


def test_cosine_similarity():
    rng = np.random.default_rng(2)
    a, b = rng.standard_normal((5, 3)), rng.standard_normal((5, 3))
    ref = (a * b).sum(1) / (np.linalg.norm(a, axis=1) * np.linalg.norm(b, axis=1))
    np.testing.assert_allclose(F.cosine_similarity(dg.tensor(a), dg.tensor(b)).numpy(), ref, rtol=1e-12)
    assert dg.autograd.gradcheck(F.cosine_similarity, [dg.tensor(a, requires_grad=True), dg.tensor(b, requires_grad=True)])


@pytest.mark.parametrize("reduction", ["none", "sum", "mean", "batchmean"])
@pytest.mark.parametrize("log_target", [False, True])
def test_kl_div(reduction, log_target):
    rng = np.random.default_rng(3)
    logp = np.log(_softmax(rng.standard_normal((3, 4)), 1))
    q = _softmax(rng.standard_normal((3, 4)), 1)
    q[0, 0] = 0.0  # a zero-probability target contributes 0
    target = np.log(q + 1e-300) if log_target else q
    pointwise = np.where(q > 0, q * (np.log(np.where(q > 0, q, 1)) - logp), 0.0)
    expected = {"none": pointwise, "sum": pointwise.sum(), "mean": pointwise.mean(), "batchmean": pointwise.sum() / 3}
    out = F.kl_div(dg.tensor(logp), dg.tensor(target), reduction=reduction, log_target=log_target)
    np.testing.assert_allclose(out.numpy(), expected[reduction], rtol=1e-10, atol=1e-12)
    loss = nn.KLDivLoss(reduction=reduction, log_target=log_target)
    np.testing.assert_allclose(loss(dg.tensor(logp), dg.tensor(target)).numpy(), expected[reduction], rtol=1e-10, atol=1e-12)
    assert dg.autograd.gradcheck(
        lambda i: F.kl_div(i, dg.tensor(target), reduction=reduction, log_target=log_target), [dg.tensor(logp, requires_grad=True)]
    )


def test_modules_call_their_functions_and_print_like_torch():
    x = dg.tensor(_input())
    for module, fn in [(nn.SELU(), F.selu), (nn.Softsign(), F.softsign), (nn.Hardswish(), F.hardswish),
                       (nn.Hardsigmoid(), F.hardsigmoid), (nn.GLU(), F.glu), (nn.Softmin(1), lambda t: F.softmin(t, 1))]:
        np.testing.assert_array_equal(module(x).numpy(), fn(x).numpy())
    assert repr(nn.CELU(0.5)) == "CELU(alpha=0.5)" and repr(nn.GLU()) == "GLU(dim=-1)"
    with pytest.raises(RuntimeError, match="halving dimension must be even"):
        F.glu(dg.ones(2, 5))
