"""Losses: values against NumPy references written from PyTorch's documented formulas, float64 gradchecks of every
variant (reductions, weights, ignore_index, label smoothing, probability targets, spatial inputs), errors, modules."""
import math

import numpy as np
import pytest

import deepgrad as dg
import deepgrad.nn.functional as F
from deepgrad.autograd import gradcheck

REDUCTIONS = ["none", "mean", "sum"]


def _log_softmax(z, axis):
    m = z.max(axis=axis, keepdims=True)
    return z - m - np.log(np.exp(z - m).sum(axis=axis, keepdims=True))


def _reduce(loss, reduction):
    return {"none": loss, "mean": loss.mean(), "sum": loss.sum()}[reduction]


def ref_cross_entropy(z, t, weight=None, ignore_index=-100, reduction="mean", label_smoothing=0.0):
    """PyTorch's formula, with the class dim moved last: (1 - eps) * nll + eps / C * smooth."""
    batch = (z.shape[0],) + z.shape[2:] if z.ndim > 1 else ()
    C = z.shape[1] if z.ndim > 1 else z.shape[0]
    rows = lambda a: np.moveaxis(a, 1, -1).reshape(-1, C) if a.ndim > 1 else a.reshape(1, C)  # noqa: E731
    logp = _log_softmax(rows(z), -1)
    w = np.ones(C) if weight is None else weight
    eps = label_smoothing
    if t.dtype.kind == "f":
        q = (1 - eps) * rows(t) + eps / C
        loss = -(q * w * logp).sum(-1)
        denom = loss.size
    else:
        t = t.reshape(-1)
        valid = t != ignore_index
        safe = np.where(valid, t, 0)
        nll = np.where(valid, -w[safe] * logp[np.arange(len(t)), safe], 0.0)
        smooth = np.where(valid, -(w * logp).sum(-1), 0.0)
        loss = (1 - eps) * nll + eps / C * smooth
        denom = w[safe][valid].sum()
    return {"none": loss.reshape(batch), "mean": loss.sum() / denom, "sum": loss.sum()}[reduction]


@pytest.fixture
def rng():
    return np.random.default_rng(0)


def _t(a, grad=False):
    return dg.tensor(a, requires_grad=grad)


# ---- cross entropy ----


def test_cross_entropy_hand_computed():
    # logits (0, 0): log 2; logits (log 3, 0) with target 1: log 4
    loss = F.cross_entropy(dg.tensor([[0.0, 0.0], [math.log(3.0), 0.0]]), dg.tensor([0, 1]), reduction="none")
    np.testing.assert_allclose(loss.numpy(), [math.log(2), math.log(4)], rtol=1e-6)


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("label_smoothing", [0.0, 0.25])
@pytest.mark.parametrize("weighted", [False, True])
@pytest.mark.parametrize("shape", [(6, 5), (2, 5, 3), (5,)], ids=["NC", "NCd", "C"])
def test_cross_entropy_class_indices(rng, reduction, label_smoothing, weighted, shape):
    z = rng.standard_normal(shape)
    batch = (shape[0],) + shape[2:] if len(shape) > 1 else ()
    t = rng.integers(0, 5, size=batch)
    if len(shape) > 1:
        t.reshape(-1)[1] = -100  # one ignored target
    w = rng.uniform(0.5, 2.0, 5) if weighted else None
    kwargs = dict(weight=None if w is None else _t(w), reduction=reduction, label_smoothing=label_smoothing)
    out = F.cross_entropy(_t(z), _t(t), **kwargs)
    expected = ref_cross_entropy(z, t, w, -100, reduction, label_smoothing)
    assert out.shape == np.shape(expected)
    np.testing.assert_allclose(out.numpy(), expected, rtol=1e-10, atol=1e-12)
    assert gradcheck(lambda x: F.cross_entropy(x, _t(t), **kwargs), [_t(z, True)])


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("label_smoothing", [0.0, 0.1])
@pytest.mark.parametrize("weighted", [False, True])
@pytest.mark.parametrize("shape", [(4, 3), (2, 3, 2, 2)], ids=["NC", "NCdd"])
def test_cross_entropy_probabilities(rng, reduction, label_smoothing, weighted, shape):
    z = rng.standard_normal(shape)
    q = rng.random(shape)
    q /= q.sum(1, keepdims=True)
    w = rng.uniform(0.5, 2.0, 3) if weighted else None
    kwargs = dict(weight=None if w is None else _t(w), reduction=reduction, label_smoothing=label_smoothing)
    out = F.cross_entropy(_t(z), _t(q), **kwargs)
    np.testing.assert_allclose(out.numpy(), ref_cross_entropy(z, q, w, -100, reduction, label_smoothing), rtol=1e-10)
    # the probability target is differentiable too
    assert gradcheck(lambda x, y: F.cross_entropy(x, y, **kwargs), [_t(z, True), _t(q, True)])


def test_cross_entropy_custom_ignore_index_and_all_ignored(rng):
    z = rng.standard_normal((4, 3))
    t = np.array([0, 2, 2, 1])
    out = F.cross_entropy(_t(z), _t(t), ignore_index=2)
    np.testing.assert_allclose(out.item(), ref_cross_entropy(z, t, None, 2), rtol=1e-12)
    x = _t(z, True)
    loss = F.cross_entropy(x, dg.tensor([-100, -100, -100, -100]))
    assert math.isnan(loss.item())
    loss.backward()  # PyTorch: nan loss, zero gradient
    np.testing.assert_array_equal(x.grad.numpy(), 0)


def test_cross_entropy_is_stable_for_huge_logits():
    z = dg.tensor([[1000.0, -1000.0, 0.0]], requires_grad=True)
    loss = F.cross_entropy(z, dg.tensor([1]))
    assert loss.item() == pytest.approx(2000.0)
    loss.backward()
    np.testing.assert_allclose(z.grad.numpy(), [[1.0, -1.0, 0.0]], atol=1e-6)


def test_cross_entropy_float32_stays_float32(rng):
    z = dg.tensor(rng.standard_normal((3, 4)).astype(np.float32), requires_grad=True)
    loss = F.cross_entropy(z, dg.tensor([0, 1, 3]), label_smoothing=0.1, weight=dg.ones(4))
    loss.backward()
    assert loss.dtype == dg.float32 and z.grad.dtype == dg.float32


def test_cross_entropy_errors(rng):
    z = dg.randn(3, 10)
    with pytest.raises(RuntimeError, match=r"target shape \(4,\) does not match input batch 3 \(input shape \(3, 10\)\)"):
        F.cross_entropy(z, dg.tensor([1, 2, 3, 4]))
    with pytest.raises(IndexError, match="target 10 is out of bounds for 10 classes"):
        F.cross_entropy(z, dg.tensor([1, 10, 3]))
    with pytest.raises(IndexError, match="target -1 is out of bounds"):
        F.cross_entropy(z, dg.tensor([1, -1, 3]))
    with pytest.raises(RuntimeError, match=r"probability target .* must have the input's shape \(3, 10\)"):
        F.cross_entropy(z, dg.rand(3, 9))
    with pytest.raises(RuntimeError, match=r"weight should have one entry per class, shape \(10,\)"):
        F.cross_entropy(z, dg.tensor([1, 2, 3]), weight=dg.ones(5))
    with pytest.raises(RuntimeError, match=r"does not match input batch shape \(2, 4\)"):
        F.cross_entropy(dg.randn(2, 3, 4), dg.zeros(2, 5, dtype=dg.int64))
    with pytest.raises(ValueError, match="not a valid value for reduction"):
        F.cross_entropy(z, dg.tensor([1, 2, 3]), reduction="avg")


# ---- nll ----


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("weighted", [False, True])
def test_nll_loss_matches_cross_entropy_on_log_probs(rng, reduction, weighted):
    z = rng.standard_normal((3, 4, 2))
    t = rng.integers(0, 4, size=(3, 2))
    t[0, 0] = -100
    w = rng.uniform(0.5, 2, 4) if weighted else None
    wt = None if w is None else _t(w)
    logp = _log_softmax(z, 1)
    out = F.nll_loss(_t(logp), _t(t), weight=wt, reduction=reduction)
    np.testing.assert_allclose(out.numpy(), ref_cross_entropy(z, t, w, -100, reduction), rtol=1e-10)
    assert gradcheck(lambda x: F.nll_loss(x, _t(t), weight=wt, reduction=reduction), [_t(logp, True)])
    # log_softmax + nll_loss is cross_entropy
    np.testing.assert_allclose(
        F.nll_loss(F.log_softmax(_t(z), 1), _t(t), weight=wt, reduction=reduction).numpy(),
        F.cross_entropy(_t(z), _t(t), weight=wt, reduction=reduction).numpy(), rtol=1e-12,
    )


def test_nll_loss_rejects_float_targets():
    with pytest.raises(RuntimeError, match="nll_loss"):
        F.nll_loss(dg.randn(2, 3), dg.rand(2, 3))


# ---- regression losses ----


def _regression_refs(x, y, kind, param):
    d = x - y
    if kind == "mse":
        return d * d
    if kind == "l1":
        return np.abs(d)
    if kind == "huber":
        return np.where(np.abs(d) < param, 0.5 * d * d, param * (np.abs(d) - 0.5 * param))
    return np.where(np.abs(d) < param, 0.5 * d * d / param, np.abs(d) - 0.5 * param)


REGRESSION = {
    "mse": lambda a, b, r, p: F.mse_loss(a, b, reduction=r),
    "l1": lambda a, b, r, p: F.l1_loss(a, b, reduction=r),
    "huber": lambda a, b, r, p: F.huber_loss(a, b, reduction=r, delta=p),
    "smooth_l1": lambda a, b, r, p: F.smooth_l1_loss(a, b, reduction=r, beta=p),
}


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("kind", list(REGRESSION))
def test_regression_losses(rng, kind, reduction):
    x, y = rng.standard_normal((2, 4, 3)) * 1.5
    # keep |d| away from the kinks (0 and the threshold) so that finite differences are meaningful
    d = x - y
    d[np.abs(np.abs(d) - 0.7) < 0.05] += 0.2
    d[np.abs(d) < 0.05] += 0.2
    x = y + d
    out = REGRESSION[kind](_t(x), _t(y), reduction, 0.7)
    np.testing.assert_allclose(out.numpy(), _reduce(_regression_refs(x, y, kind, 0.7), reduction), rtol=1e-12)
    assert gradcheck(lambda a, b: REGRESSION[kind](a, b, reduction, 0.7), [_t(x, True), _t(y, True)])


@pytest.mark.parametrize("fn, by_weight_sum", [(F.mse_loss, True), (F.l1_loss, True), (F.huber_loss, False)])
def test_regression_weights(rng, fn, by_weight_sum):
    x, y, w = rng.standard_normal((3, 5))
    w = np.abs(w)
    kind = {F.mse_loss: "mse", F.l1_loss: "l1", F.huber_loss: "huber"}[fn]
    per = _regression_refs(x, y, kind, 1.0) * w
    expected = per.sum() / w.sum() if by_weight_sum else per.mean()
    np.testing.assert_allclose(fn(_t(x), _t(y), weight=_t(w)).item(), expected, rtol=1e-12)
    np.testing.assert_allclose(fn(_t(x), _t(y), reduction="sum", weight=_t(w)).item(), per.sum(), rtol=1e-12)


def test_smooth_l1_beta_zero_is_l1(rng):
    x, y = rng.standard_normal((2, 6))
    assert F.smooth_l1_loss(_t(x), _t(y), beta=0.0).item() == pytest.approx(np.abs(x - y).mean())


def test_size_mismatch_warns_and_broadcasts():
    with pytest.warns(UserWarning, match="target size"):
        out = F.mse_loss(dg.zeros(3, 1), dg.ones(3))
    assert out.item() == 1.0


# ---- binary losses ----


def _bce_ref(x, t, w=None):
    loss = -(t * np.maximum(np.log(x), -100) + (1 - t) * np.maximum(np.log(1 - x), -100))
    return loss if w is None else loss * w


@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_binary_cross_entropy(rng, reduction):
    x = rng.uniform(0.05, 0.95, (4, 3))
    t = rng.random((4, 3))
    w = rng.uniform(0.5, 2, 3)  # broadcasts over the batch
    out = F.binary_cross_entropy(_t(x), _t(t), weight=_t(w), reduction=reduction)
    np.testing.assert_allclose(out.numpy(), _reduce(_bce_ref(x, t, w), reduction), rtol=1e-12)
    assert gradcheck(lambda a, b: F.binary_cross_entropy(a, b, weight=_t(w), reduction=reduction),
                     [_t(x, True), _t(t, True)])


def test_binary_cross_entropy_clamps_log_at_minus_100():
    x = dg.tensor([0.0, 1.0, 0.5], requires_grad=True)
    out = F.binary_cross_entropy(x, dg.tensor([1.0, 0.0, 1.0]), reduction="none")
    np.testing.assert_allclose(out.detach().numpy(), [100.0, 100.0, math.log(2)], rtol=1e-6)
    out.sum().backward()
    assert np.isfinite(x.grad.numpy()).all()
    with pytest.raises(RuntimeError, match="between 0 and 1"):
        F.binary_cross_entropy(dg.tensor([1.5]), dg.tensor([1.0]))
    with pytest.raises(ValueError, match="must be the same as input size"):
        F.binary_cross_entropy(dg.tensor([[0.5], [0.5]]), dg.tensor([1.0, 0.0]))


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("with_weights", [False, True])
def test_binary_cross_entropy_with_logits(rng, reduction, with_weights):
    x = rng.standard_normal((4, 3)) * 3
    t = rng.random((4, 3))
    w = rng.uniform(0.5, 2, (4, 3)) if with_weights else None
    pw = rng.uniform(0.5, 3, 3) if with_weights else None
    kw = dict(weight=None if w is None else _t(w), pos_weight=None if pw is None else _t(pw), reduction=reduction)
    sig = 1 / (1 + np.exp(-x))
    ref = -((1 if pw is None else pw) * t * np.log(sig) + (1 - t) * np.log(1 - sig)) * (1 if w is None else w)
    np.testing.assert_allclose(F.binary_cross_entropy_with_logits(_t(x), _t(t), **kw).numpy(), _reduce(ref, reduction),
                               rtol=1e-10)
    assert gradcheck(lambda a, b: F.binary_cross_entropy_with_logits(a, b, **kw), [_t(x, True), _t(t, True)])


def test_binary_cross_entropy_with_logits_is_stable():
    x = dg.tensor([-1000.0, 1000.0, 0.0], requires_grad=True)
    out = F.binary_cross_entropy_with_logits(x, dg.tensor([1.0, 0.0, 1.0]), reduction="none")
    np.testing.assert_allclose(out.detach().numpy(), [1000.0, 1000.0, math.log(2)], rtol=1e-6)
    out.sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), [-1.0, 1.0, -0.5], atol=1e-6)


# ---- modules ----


def test_loss_modules_match_functional(rng):
    nn = dg.nn
    z = _t(rng.standard_normal((4, 3)))
    t = dg.tensor([0, 2, 1, -100])
    w = _t(rng.uniform(0.5, 2, 3))
    ce = nn.CrossEntropyLoss(weight=w, label_smoothing=0.1, reduction="sum")
    assert ce(z, t).item() == pytest.approx(F.cross_entropy(z, t, w, reduction="sum", label_smoothing=0.1).item())
    assert list(ce.state_dict()) == ["weight"]  # the class weights are a buffer, as in PyTorch
    assert nn.NLLLoss(ignore_index=1)(z, dg.tensor([0, 1, 1, 2])).item() == pytest.approx(
        F.nll_loss(z, dg.tensor([0, 1, 1, 2]), ignore_index=1).item())
    y = _t(rng.random((4, 3)))
    pairs = [
        (nn.MSELoss(), F.mse_loss), (nn.L1Loss(reduction="sum"), lambda a, b: F.l1_loss(a, b, reduction="sum")),
        (nn.HuberLoss(delta=0.5), lambda a, b: F.huber_loss(a, b, delta=0.5)),
        (nn.SmoothL1Loss(beta=0.5), lambda a, b: F.smooth_l1_loss(a, b, beta=0.5)),
        (nn.BCEWithLogitsLoss(pos_weight=w), lambda a, b: F.binary_cross_entropy_with_logits(a, b, pos_weight=w)),
    ]
    for module, fn in pairs:
        assert module(z, y).item() == pytest.approx(fn(z, y).item())
    p = z.sigmoid()
    assert nn.BCELoss(reduction="none")(p, y).shape == (4, 3)
    assert repr(nn.CrossEntropyLoss()) == "CrossEntropyLoss()"
    with pytest.warns(UserWarning, match="size_average and reduce"):
        assert nn.MSELoss(size_average=False).reduction == "sum"
