"""PyTorch parity of the functions added for course code: values and input gradients against torch (float64, random
inputs, awkward shapes, every reduction), modules (names, defaults, parameters), errors and edge cases; float64
gradchecks of the new Functions beyond tests/op_table.py. torch is only the reference: the tests skip without it."""
import math
import warnings

import numpy as np
import pytest

import deepgrad as dg
import deepgrad.nn as nn
import deepgrad.nn.functional as F
from deepgrad.autograd import gradcheck

torch = pytest.importorskip("torch")
TF = torch.nn.functional
REDUCTIONS = ["none", "mean", "sum"]


def _to_np(x):
    if isinstance(x, torch.Tensor):
        return np.zeros(tuple(x.shape)) if x._is_zerotensor() else x.detach().numpy()
    if isinstance(x, dg.Tensor):
        return x.detach().numpy()
    return np.asarray(x)


def _assert_same(out, ref, rtol, atol, what="value"):
    if isinstance(ref, (tuple, list)):
        assert isinstance(out, (tuple, list)) and len(out) == len(ref), f"{what}: {type(out)} vs {type(ref)}"
        for o, r in zip(out, ref):
            _assert_same(o, r, rtol, atol, what)
        return
    a, b = _to_np(out), _to_np(ref)
    assert a.shape == b.shape, f"{what}: shape {a.shape} vs torch {b.shape}"
    if b.dtype.kind == "f":
        assert a.dtype == b.dtype, f"{what}: dtype {a.dtype} vs torch {b.dtype}"
        np.testing.assert_allclose(a, b, rtol=rtol, atol=atol, err_msg=what)
    else:
        assert a.dtype.kind == b.dtype.kind, f"{what}: dtype {a.dtype} vs torch {b.dtype}"
        np.testing.assert_array_equal(a, b, err_msg=what)


def _first_float(out):
    if isinstance(out, (tuple, list)):
        return next((o for o in out if _first_float(o) is not None), None)
    return out if out.dtype in (torch.float32, torch.float64) or str(out.dtype).startswith("float") else None


def check(fn_dg, fn_torch, *arrays, grad=None, rtol=1e-10, atol=1e-12, seed=0):
    """Run both on the same float64 inputs; compare outputs, then the gradients of the inputs in `grad` (default:
    every float input) for one random upstream gradient."""
    grad = [i for i, a in enumerate(arrays) if np.asarray(a).dtype.kind == "f"] if grad is None else grad
    dgs = [dg.tensor(a, requires_grad=i in grad) for i, a in enumerate(arrays)]
    ts = [torch.tensor(a, requires_grad=i in grad) for i, a in enumerate(arrays)]
    out, ref = fn_dg(*dgs), fn_torch(*ts)
    _assert_same(out, ref, rtol, atol)
    if not grad:
        return out
    o, r = _first_float(out), _first_float(ref)
    if r is None or not r.requires_grad:
        return out
    g = np.random.default_rng(seed).standard_normal(tuple(r.shape))
    r.backward(torch.tensor(g, dtype=r.dtype))
    o.backward(dg.tensor(g.astype(_to_np(o).dtype)))
    for i in grad:
        expected = ts[i].grad if ts[i].grad is not None else torch.zeros_like(ts[i])
        got = dgs[i].grad if dgs[i].grad is not None else dg.zeros_like(dgs[i].detach())
        _assert_same(got, expected, rtol, atol, f"gradient of input {i}")
    return out


@pytest.fixture
def rng():
    return np.random.default_rng(0)


# ---- activations ----


def _away(x, points, gap=1e-3):
    x = np.array(x)
    for p in points:
        x[np.abs(x - p) < gap] += 4 * gap
    return x


@pytest.mark.parametrize("shape", [(7,), (2, 3, 4), ()])
def test_shrink_and_threshold_activations(rng, shape):
    x = _away(rng.standard_normal(shape) * 2, [-0.5, 0.5, -0.3, 0.3, 0.2, 0.0])
    check(F.tanhshrink, TF.tanhshrink, x)
    check(lambda t: F.threshold(t, 0.2, -3.0), lambda t: TF.threshold(t, 0.2, -3.0), x)
    for lambd in (0.5, 0.3, 0.0):
        check(lambda t: F.softshrink(t, lambd), lambda t: TF.softshrink(t, lambd), x)
        check(lambda t: F.hardshrink(t, lambd), lambda t: TF.hardshrink(t, lambd), x)
    check(F.softshrink, TF.softshrink, x)
    check(F.hardshrink, TF.hardshrink, x)
    check(lambda t: F.rrelu(t), lambda t: TF.rrelu(t), x)
    check(lambda t: F.rrelu(t, 0.1, 0.5), lambda t: TF.rrelu(t, 0.1, 0.5, training=False), x)


def test_activation_edges_match_torch():
    # at the threshold and at +-lambd exactly: the same values and (sub)gradients as torch
    x = np.array([-1.0, -0.5, -0.25, 0.0, 0.25, 0.5, 1.0])
    check(lambda t: F.threshold(t, 0.25, 9.0), lambda t: TF.threshold(t, 0.25, 9.0), x)
    check(lambda t: F.softshrink(t, 0.5), lambda t: TF.softshrink(t, 0.5), x)
    check(lambda t: F.hardshrink(t, 0.5), lambda t: TF.hardshrink(t, 0.5), x)
    check(lambda t: F.rrelu(t), lambda t: TF.rrelu(t), x)
    with pytest.raises(RuntimeError, match="lambda must be greater or equal to 0"):
        F.softshrink(dg.ones(2), -1.0)


def test_activation_modules(rng):
    x = _away(rng.standard_normal((2, 3, 4, 5)), [-0.5, 0.5, 0.1])
    pairs = [(nn.Tanhshrink(), torch.nn.Tanhshrink()), (nn.Threshold(0.1, 20), torch.nn.Threshold(0.1, 20)),
             (nn.Softshrink(), torch.nn.Softshrink()), (nn.Hardshrink(0.3), torch.nn.Hardshrink(0.3)),
             (nn.RReLU().eval(), torch.nn.RReLU().eval()), (nn.Softmax2d(), torch.nn.Softmax2d())]
    for m, tm in pairs:
        check(m, tm, x)
        assert repr(m) == repr(tm)
    check(nn.Softmax2d(), torch.nn.Softmax2d(), x[0])
    assert repr(nn.Threshold(0.1, 20, inplace=True)) == repr(torch.nn.Threshold(0.1, 20, inplace=True))
    assert repr(nn.RReLU(0.1, 0.3)) == repr(torch.nn.RReLU(0.1, 0.3))


def test_rrelu_training_draws_slopes_in_range(rng):
    x = -np.abs(rng.standard_normal(2000)) - 0.1
    t = dg.tensor(x, requires_grad=True)
    y = F.rrelu(t, 0.1, 0.3, training=True)
    ratio = y.detach().numpy() / x
    assert ratio.min() >= 0.1 and ratio.max() <= 0.3 and ratio.std() > 0.03
    y.sum().backward()
    np.testing.assert_allclose(t.grad.numpy(), ratio)  # d(a x)/dx = a, the drawn slope
    m = nn.RReLU(0.1, 0.3)
    assert not np.allclose(m(dg.tensor(x)).numpy() / x, 0.2)  # training by default: random slopes
    np.testing.assert_allclose(m.eval()(dg.tensor(x)).numpy() / x, 0.2)


# ---- bilinear ----


@pytest.mark.parametrize("batch", [(5,), (2, 3), ()])
@pytest.mark.parametrize("bias", [True, False])
def test_bilinear_matches_torch(rng, batch, bias):
    x1, x2 = rng.standard_normal(batch + (3,)), rng.standard_normal(batch + (4,))
    w, b = rng.standard_normal((2, 3, 4)), rng.standard_normal(2)
    if bias:
        check(F.bilinear, TF.bilinear, x1, x2, w, b)
    else:
        check(F.bilinear, TF.bilinear, x1, x2, w)


def test_bilinear_module_loads_torch_weights(rng):
    tm = torch.nn.Bilinear(3, 4, 5).double()
    m = nn.Bilinear(3, 4, 5, dtype=dg.float64)
    assert {k: tuple(v.shape) for k, v in m.state_dict().items()} == \
        {k: tuple(v.shape) for k, v in tm.state_dict().items()}
    assert repr(m) == repr(tm)
    bound = 1 / math.sqrt(3)
    assert np.abs(m.weight.detach().numpy()).max() <= bound and np.abs(m.bias.detach().numpy()).max() <= bound
    m.load_state_dict({k: v.numpy() for k, v in tm.state_dict().items()})
    x1, x2 = rng.standard_normal((6, 3)), rng.standard_normal((6, 4))
    check(m, tm, x1, x2)
    assert nn.Bilinear(2, 2, 3, bias=False).bias is None
    with pytest.raises(RuntimeError, match="batch dimensions do not match"):
        F.bilinear(dg.ones(2, 3), dg.ones(3, 4), dg.ones(5, 3, 4))


# ---- unfold / fold ----

UNFOLD_CONFIGS = [
    dict(kernel_size=2),
    dict(kernel_size=(2, 3), stride=(1, 2)),
    dict(kernel_size=3, padding=1),
    dict(kernel_size=(3, 2), dilation=(2, 1), padding=(2, 0), stride=2),
    dict(kernel_size=1, stride=3),
]


@pytest.mark.parametrize("cfg", UNFOLD_CONFIGS, ids=str)
@pytest.mark.parametrize("shape", [(2, 3, 7, 6), (3, 5, 5)])
def test_unfold_and_fold_match_torch(rng, cfg, shape):
    x = rng.standard_normal(shape)
    cols = check(lambda t: F.unfold(t, **cfg), lambda t: TF.unfold(t, **cfg), x)
    size = shape[-2:]
    check(lambda c: F.fold(c, size, **cfg), lambda c: TF.fold(c, size, **cfg), rng.standard_normal(cols.shape))
    check(lambda t: nn.Unfold(**cfg)(t), lambda t: torch.nn.Unfold(**cfg)(t), x)
    check(lambda c: nn.Fold(size, **cfg)(c), lambda c: torch.nn.Fold(size, **cfg)(c), rng.standard_normal(cols.shape))


def test_unfold_fold_gradcheck_modules_and_errors(rng):
    x = dg.tensor(rng.standard_normal((1, 2, 4, 5)), requires_grad=True)
    assert gradcheck(lambda t: F.unfold(t, (2, 3), dilation=(1, 2), padding=1, stride=(2, 1)), [x])
    c = dg.tensor(rng.standard_normal((2, 8, 6)), requires_grad=True)
    assert gradcheck(lambda t: F.fold(t, (3, 4), 2), [c])
    # fold(unfold(x)) multiplies each pixel by the number of blocks that cover it
    ones = F.fold(F.unfold(dg.ones(1, 1, 4, 4), 2), (4, 4), 2)
    np.testing.assert_array_equal(ones.numpy()[0, 0], [[1, 2, 2, 1], [2, 4, 4, 2], [2, 4, 4, 2], [1, 2, 2, 1]])
    assert repr(nn.Unfold(2, padding=1)) == repr(torch.nn.Unfold(2, padding=1))
    assert repr(nn.Fold((4, 5), 2)) == repr(torch.nn.Fold((4, 5), 2))
    with pytest.raises(RuntimeError, match="calculated number of sliding blocks"):
        F.fold(dg.ones(1, 4, 5), (3, 3), 2)
    with pytest.raises(RuntimeError, match="divisible by the product of kernel_size"):
        F.fold(dg.ones(1, 5, 4), (3, 3), 2)
    with pytest.raises(NotImplementedError):
        F.unfold(dg.ones(2, 3), 2)


# ---- distances ----


@pytest.mark.parametrize("p", [2.0, 1.0, 3.0, 0.5, float("inf"), 0.0])
@pytest.mark.parametrize("shapes", [((4, 5), (4, 5)), ((4, 5), (5,)), ((2, 3, 4), (3, 4)), ((6,), (6,))])
def test_pairwise_distance(rng, p, shapes):
    a, b = rng.standard_normal(shapes[0]), rng.standard_normal(shapes[1])
    for keepdim in (False, True):
        check(lambda x, y: F.pairwise_distance(x, y, p, keepdim=keepdim),
              lambda x, y: TF.pairwise_distance(x, y, p, keepdim=keepdim), a, b)
    check(lambda x, y: nn.PairwiseDistance(p, eps=0.1)(x, y), lambda x, y: torch.nn.PairwiseDistance(p, eps=0.1)(x, y),
          a, b)


def test_pairwise_distance_of_equal_inputs_has_finite_gradients(rng):
    a = rng.standard_normal((3, 4))
    for p in (2.0, 1.5, 0.5):
        check(lambda x, y: F.pairwise_distance(x, y, p, eps=0.0), lambda x, y: TF.pairwise_distance(x, y, p, eps=0.0),
              a, a.copy())


@pytest.mark.parametrize("p", [2.0, 1.0, 3.0, float("inf")])
def test_cdist_pdist_dist(rng, p):
    x1, x2 = rng.standard_normal((2, 5, 3)), rng.standard_normal((2, 4, 3))
    check(lambda a, b: dg.cdist(a, b, p), lambda a, b: torch.cdist(a, b, p), x1, x2)
    check(lambda a, b: dg.cdist(a, b, p), lambda a, b: torch.cdist(a, b, p), x1[0], x2[0])
    check(lambda a: F.pdist(a, p), lambda a: TF.pdist(a, p), x1[0])
    check(lambda a, b: dg.dist(a, b, p), lambda a, b: torch.dist(a, b, p), x1[0, :4], x2[0])
    # a row against itself: distance 0, gradient 0 (not nan)
    check(lambda a: dg.cdist(a, a, p), lambda a: torch.cdist(a, a, p), x1[0], rtol=1e-7)


def test_cosine_similarity_module(rng):
    a, b = rng.standard_normal((3, 4, 5)), rng.standard_normal((3, 4, 5))
    check(lambda x, y: nn.CosineSimilarity(2)(x, y), lambda x, y: torch.nn.CosineSimilarity(2)(x, y), a, b)
    check(dg.cosine_similarity, torch.cosine_similarity, a, b)


# ---- likelihood losses ----


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("full", [False, True])
@pytest.mark.parametrize("var_shape", [(4, 3), (4,), (4, 1), (1, 3)])
def test_gaussian_nll_loss(rng, reduction, full, var_shape):
    x, t = rng.standard_normal((4, 3)), rng.standard_normal((4, 3))
    var = rng.uniform(0.1, 2.0, var_shape)
    check(lambda a, b, v: F.gaussian_nll_loss(a, b, v, full=full, reduction=reduction),
          lambda a, b, v: TF.gaussian_nll_loss(a, b, v, full=full, reduction=reduction), x, t, var)
    check(lambda a, b, v: nn.GaussianNLLLoss(full=full, reduction=reduction)(a, b, v),
          lambda a, b, v: torch.nn.GaussianNLLLoss(full=full, reduction=reduction)(a, b, v), x, t, var)


def test_gaussian_nll_loss_clamp_float_var_and_errors(rng):
    x, t = rng.standard_normal((3, 2)), rng.standard_normal((3, 2))
    var = np.array([[1e-9, 0.5], [0.0, 2.0], [1e-3, 1e-7]])  # entries below eps: clamped value, unclamped gradient
    check(lambda a, b, v: F.gaussian_nll_loss(a, b, v, eps=1e-4), lambda a, b, v: TF.gaussian_nll_loss(a, b, v, eps=1e-4),
          x, t, var)
    check(lambda a, b: F.gaussian_nll_loss(a, b, 0.7), lambda a, b: TF.gaussian_nll_loss(a, b, 0.7), x, t)
    with pytest.raises(ValueError, match="var is of incorrect size"):
        F.gaussian_nll_loss(dg.ones(3, 2), dg.ones(3, 2), dg.ones(2, 2))
    with pytest.raises(ValueError, match="var has negative entry"):
        F.gaussian_nll_loss(dg.ones(3, 2), dg.ones(3, 2), -dg.ones(3, 2))
    with pytest.raises(ValueError, match="is not valid"):
        F.gaussian_nll_loss(dg.ones(3, 2), dg.ones(3, 2), dg.ones(3, 2), reduction="batchmean")


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("log_input", [True, False])
@pytest.mark.parametrize("full", [False, True])
def test_poisson_nll_loss(rng, reduction, log_input, full):
    x = rng.standard_normal((4, 5)) if log_input else rng.uniform(0.1, 3.0, (4, 5))
    t = rng.poisson(2.0, (4, 5)).astype(np.float64) + rng.uniform(0.0, 0.5, (4, 5))  # some targets <= 1, some > 1
    check(lambda a, b: F.poisson_nll_loss(a, b, log_input=log_input, full=full, reduction=reduction),
          lambda a, b: TF.poisson_nll_loss(a, b, log_input=log_input, full=full, reduction=reduction), x, t)
    check(lambda a, b: nn.PoissonNLLLoss(log_input, full, reduction=reduction)(a, b),
          lambda a, b: torch.nn.PoissonNLLLoss(log_input, full, reduction=reduction)(a, b), x, t)


# ---- margin and embedding losses ----


def _signs(rng, shape):
    return np.where(rng.random(shape) < 0.5, -1.0, 1.0)


@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_margin_ranking_loss(rng, reduction):
    a, b, y = rng.standard_normal(7), rng.standard_normal(7), _signs(rng, 7)
    for margin in (0.0, 0.5):
        check(lambda p, q, t: F.margin_ranking_loss(p, q, t, margin, reduction=reduction),
              lambda p, q, t: TF.margin_ranking_loss(p, q, t, margin, reduction=reduction), a, b, y)
    check(lambda p, q, t: nn.MarginRankingLoss(0.3, reduction=reduction)(p, q, t),
          lambda p, q, t: torch.nn.MarginRankingLoss(0.3, reduction=reduction)(p, q, t), a, b, y)
    # ties with margin 0 sit exactly on the hinge: torch's clamp_min passes the gradient there
    check(lambda p, q, t: F.margin_ranking_loss(p, q, t, reduction=reduction),
          lambda p, q, t: TF.margin_ranking_loss(p, q, t, reduction=reduction), a, a.copy(), y)
    with pytest.raises(RuntimeError, match="should have same dimension"):
        F.margin_ranking_loss(dg.ones(3), dg.ones(3), dg.ones(1, 3))


@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_hinge_soft_margin_and_multilabel_soft_margin(rng, reduction):
    x, y = rng.standard_normal((4, 5)), _signs(rng, (4, 5))
    for margin in (1.0, 0.2):
        check(lambda a, t: F.hinge_embedding_loss(a, t, margin, reduction=reduction),
              lambda a, t: TF.hinge_embedding_loss(a, t, margin, reduction=reduction), x, y)
    check(lambda a, t: nn.HingeEmbeddingLoss(0.5, reduction=reduction)(a, t),
          lambda a, t: torch.nn.HingeEmbeddingLoss(0.5, reduction=reduction)(a, t), x, y)
    check(lambda a, t: F.soft_margin_loss(a, t, reduction=reduction),
          lambda a, t: TF.soft_margin_loss(a, t, reduction=reduction), x, y, grad=[0])
    check(lambda a, t: nn.SoftMarginLoss(reduction=reduction)(a, t),
          lambda a, t: torch.nn.SoftMarginLoss(reduction=reduction)(a, t), x, y, grad=[0])
    with pytest.raises(RuntimeError, match="not differentiable with respect to argument 'target'"):
        F.soft_margin_loss(dg.tensor(x), dg.tensor(y, requires_grad=True))
    labels = (rng.random((4, 5)) < 0.4).astype(np.float64)
    w = rng.uniform(0.5, 2.0, 5)
    check(lambda a, t: F.multilabel_soft_margin_loss(a, t, reduction=reduction),
          lambda a, t: TF.multilabel_soft_margin_loss(a, t, reduction=reduction), x, labels)
    check(lambda a, t, v: F.multilabel_soft_margin_loss(a, t, v, reduction=reduction),
          lambda a, t, v: TF.multilabel_soft_margin_loss(a, t, v, reduction=reduction), x, labels, w, grad=[0])
    check(lambda a, t: nn.MultiLabelSoftMarginLoss(dg.tensor(w), reduction=reduction)(a, t),
          lambda a, t: torch.nn.MultiLabelSoftMarginLoss(torch.tensor(w), reduction=reduction)(a, t), x, labels)
    check(lambda a, t: F.multilabel_soft_margin_loss(a, t, reduction=reduction),
          lambda a, t: TF.multilabel_soft_margin_loss(a, t, reduction=reduction), x[0], labels[0])


@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_multi_margin_loss(rng, reduction):
    x, y = rng.standard_normal((6, 4)), rng.integers(0, 4, 6)
    w = rng.uniform(0.5, 2.0, 4)
    for p in (1, 2):
        for margin in (1.0, 0.3):
            check(lambda a: F.multi_margin_loss(a, dg.tensor(y), p, margin, reduction=reduction),
                  lambda a: TF.multi_margin_loss(a, torch.tensor(y), p, margin, reduction=reduction), x)
        check(lambda a: F.multi_margin_loss(a, dg.tensor(y), p, weight=dg.tensor(w), reduction=reduction),
              lambda a: TF.multi_margin_loss(a, torch.tensor(y), p, weight=torch.tensor(w), reduction=reduction), x)
        check(lambda a: nn.MultiMarginLoss(p, 0.7, dg.tensor(w), reduction=reduction)(a, dg.tensor(y)),
              lambda a: torch.nn.MultiMarginLoss(p, 0.7, torch.tensor(w), reduction=reduction)(a, torch.tensor(y)), x)
    check(lambda a: F.multi_margin_loss(a, dg.tensor(2), reduction=reduction),
          lambda a: TF.multi_margin_loss(a, torch.tensor(2), reduction=reduction), x[0])
    with pytest.raises(ValueError, match="only p == 1 and p == 2 supported"):
        F.multi_margin_loss(dg.ones(2, 3), dg.tensor([0, 1]), p=3)


@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_multilabel_margin_loss(rng, reduction):
    x = rng.standard_normal((4, 5))
    y = np.array([[3, 0, -1, 1, 2], [4, 1, 2, 3, 0], [-1, 2, 3, 0, 1], [1, 1, 4, -1, 0]])  # -1 ends the targets
    check(lambda a: F.multilabel_margin_loss(a, dg.tensor(y), reduction=reduction),
          lambda a: TF.multilabel_margin_loss(a, torch.tensor(y), reduction=reduction), x)
    check(lambda a: nn.MultiLabelMarginLoss(reduction=reduction)(a, dg.tensor(y)),
          lambda a: torch.nn.MultiLabelMarginLoss(reduction=reduction)(a, torch.tensor(y)), x)
    check(lambda a: F.multilabel_margin_loss(a, dg.tensor(y[0]), reduction=reduction),
          lambda a: TF.multilabel_margin_loss(a, torch.tensor(y[0]), reduction=reduction), x[0])


@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_cosine_embedding_loss(rng, reduction):
    a, b, y = rng.standard_normal((5, 4)), rng.standard_normal((5, 4)), _signs(rng, 5)
    for margin in (0.0, 0.3, -0.2):
        check(lambda p, q: F.cosine_embedding_loss(p, q, dg.tensor(y), margin, reduction=reduction),
              lambda p, q: TF.cosine_embedding_loss(p, q, torch.tensor(y), margin, reduction=reduction), a, b)
    check(lambda p, q: nn.CosineEmbeddingLoss(0.1, reduction=reduction)(p, q, dg.tensor(y)),
          lambda p, q: torch.nn.CosineEmbeddingLoss(0.1, reduction=reduction)(p, q, torch.tensor(y)), a, b)
    check(lambda p, q: F.cosine_embedding_loss(p, q, dg.tensor(-1.0), reduction=reduction),
          lambda p, q: TF.cosine_embedding_loss(p, q, torch.tensor(-1.0), reduction=reduction), a[0], b[0])
    with pytest.raises(RuntimeError, match="1D target tensor expects 2D input tensors"):
        F.cosine_embedding_loss(dg.ones(4), dg.ones(4), dg.ones(4))


@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_triplet_margin_losses(rng, reduction):
    a, p, n = rng.standard_normal((5, 4)), rng.standard_normal((5, 4)), rng.standard_normal((5, 4))
    for kw in (dict(), dict(margin=2.0, p=1), dict(swap=True), dict(p=3, eps=1e-3, swap=True)):
        check(lambda x, y, z: F.triplet_margin_loss(x, y, z, reduction=reduction, **kw),
              lambda x, y, z: TF.triplet_margin_loss(x, y, z, reduction=reduction, **kw), a, p, n)
        check(lambda x, y, z: nn.TripletMarginLoss(reduction=reduction, **kw)(x, y, z),
              lambda x, y, z: torch.nn.TripletMarginLoss(reduction=reduction, **kw)(x, y, z), a, p, n)
    check(lambda x, y, z: F.triplet_margin_with_distance_loss(x, y, z, reduction=reduction, swap=True),
          lambda x, y, z: TF.triplet_margin_with_distance_loss(x, y, z, reduction=reduction, swap=True), a, p, n)

    def cos_dist(module):
        return lambda x, y: 1.0 - module.cosine_similarity(x, y)

    check(lambda x, y, z: nn.TripletMarginWithDistanceLoss(distance_function=cos_dist(F), margin=0.5,
                                                           reduction=reduction)(x, y, z),
          lambda x, y, z: torch.nn.TripletMarginWithDistanceLoss(distance_function=cos_dist(TF), margin=0.5,
                                                                 reduction=reduction)(x, y, z), a, p, n)
    with pytest.raises(ValueError, match="margin must be greater than 0"):
        F.triplet_margin_loss(dg.ones(2, 3), dg.ones(2, 3), dg.ones(2, 3), margin=0.0)


def test_loss_modules_defaults_and_legacy_reduction(rng):
    assert nn.MarginRankingLoss().margin == torch.nn.MarginRankingLoss().margin == 0.0
    assert nn.HingeEmbeddingLoss().margin == 1.0 and nn.CosineEmbeddingLoss().margin == 0.0
    m, tm = nn.MultiMarginLoss(), torch.nn.MultiMarginLoss()
    assert (m.p, m.margin, m.weight) == (tm.p, tm.margin, None)
    t, tt = nn.TripletMarginLoss(), torch.nn.TripletMarginLoss()
    assert (t.margin, t.p, t.eps, t.swap) == (tt.margin, tt.p, tt.eps, tt.swap)
    g = nn.GaussianNLLLoss()
    assert (g.full, g.eps, g.reduction) == (False, 1e-6, "mean")
    pl, tpl = nn.PoissonNLLLoss(), torch.nn.PoissonNLLLoss()
    assert (pl.log_input, pl.full, pl.eps) == (tpl.log_input, tpl.full, tpl.eps)
    w = nn.MultiLabelSoftMarginLoss(dg.ones(3))
    assert list(w.state_dict()) == list(torch.nn.MultiLabelSoftMarginLoss(torch.ones(3)).state_dict()) == ["weight"]
    x, y = rng.standard_normal(4), _signs(rng, 4)
    with pytest.warns(UserWarning, match="size_average and reduce args will be deprecated"):
        out = F.soft_margin_loss(dg.tensor(x), dg.tensor(y), size_average=False)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ref = TF.soft_margin_loss(torch.tensor(x), torch.tensor(y), size_average=False)
    np.testing.assert_allclose(out.numpy(), ref.numpy(), rtol=1e-12)
    with pytest.raises(ValueError, match="is not a valid value for reduction"):
        F.hinge_embedding_loss(dg.ones(2), dg.ones(2), reduction="avg")


# ---- sampling: bernoulli, normal, poisson ----


def test_bernoulli():
    p = np.random.default_rng(5).uniform(0, 1, (200, 50))  # not seed 0: dg.manual_seed(0) would draw these very numbers
    s = dg.bernoulli(dg.tensor(p))
    assert s.dtype == dg.float64 and s.shape == (200, 50) and set(np.unique(s.numpy())) <= {0.0, 1.0}
    assert abs(s.numpy().mean() - p.mean()) < 0.02
    assert dg.bernoulli(dg.zeros(3, 4)).numpy().sum() == 0 and dg.bernoulli(dg.ones(5)).numpy().sum() == 5
    q = dg.bernoulli(dg.zeros(1000), 0.3)  # bernoulli(input, p): p for every entry of input's shape
    assert q.dtype == dg.float32 and abs(q.numpy().mean() - 0.3) < 0.05
    assert dg.ones(4).bernoulli().numpy().sum() == 4
    x = dg.full((3,), 0.5, requires_grad=True)
    dg.bernoulli(x).sum().backward()  # as torch: a zero gradient, not an error
    np.testing.assert_array_equal(x.grad.numpy(), np.zeros(3))
    with pytest.raises(RuntimeError):
        dg.bernoulli(dg.tensor([0.5, 1.5]))


def test_normal_overloads():
    dg.manual_seed(0)
    mean, std = dg.tensor(np.linspace(-3, 3, 4000).reshape(4, 1000)), dg.tensor([0.5, 1.0, 2.0, 0.1]).unsqueeze(1)
    s = dg.normal(mean, std.to(dg.float64))
    assert s.shape == (4, 1000) and s.dtype == dg.float64
    z = (s - mean).numpy() / std.numpy()
    assert abs(z.mean()) < 0.05 and abs(z.std() - 1) < 0.05
    assert dg.normal(dg.zeros(2, 1), dg.ones(3)).shape == torch.normal(torch.zeros(2, 1), torch.ones(3)).shape
    assert dg.normal(dg.zeros(5, dtype=dg.float64), 2.0).dtype == dg.float64
    assert dg.normal(1.0, dg.ones(3, dtype=dg.float64)).dtype == dg.float64
    f = dg.normal(2.0, 3.0, size=(3000,))
    assert f.dtype == dg.float32 and abs(f.numpy().mean() - 2) < 0.3 and abs(f.numpy().std() - 3) < 0.3
    assert dg.normal(0.0, 1.0, (2, 3)).shape == (2, 3)
    m = dg.zeros(3, requires_grad=True)
    dg.normal(m, 1.0).sum().backward()
    np.testing.assert_array_equal(m.grad.numpy(), np.zeros(3))  # as torch.normal: a zero gradient
    with pytest.raises(RuntimeError, match="normal expects std >= 0.0"):
        dg.normal(0.0, -1.0, (2,))
    with pytest.raises(TypeError):
        dg.normal(0.0, 1.0)
    with pytest.raises(RuntimeError, match="not implemented for"):
        dg.normal(dg.zeros(2, dtype=dg.int64), 1.0)
    dg.manual_seed(7)
    a = dg.normal(0.0, 1.0, (4,)).numpy()
    dg.manual_seed(7)
    np.testing.assert_array_equal(a, dg.normal(0.0, 1.0, (4,)).numpy())


def test_poisson():
    rates = dg.tensor(np.repeat([0.0, 1.0, 4.0, 10.0], 3000).reshape(4, 3000))
    s = dg.poisson(rates)
    assert s.dtype == dg.float64 and s.shape == (4, 3000)
    assert dg.poisson(dg.ones(3)).dtype == dg.float32
    np.testing.assert_allclose(s.numpy().mean(1), [0, 1, 4, 10], atol=0.15)
    assert (s.numpy() == np.round(s.numpy())).all()
    with pytest.raises(RuntimeError):
        dg.poisson(dg.tensor([-1.0]))


def test_inplace_samplers():
    dg.manual_seed(1)
    t = dg.empty(5000, dtype=dg.float64)
    assert abs(t.exponential_(2.0).numpy().mean() - 0.5) < 0.05
    assert t.geometric_(0.5).numpy().min() >= 1
    assert (t.log_normal_(0.0, 0.5).numpy() > 0).all()
    assert np.median(t.cauchy_(3.0).numpy()) == pytest.approx(3.0, abs=0.15)
    r = t.random_(2, 5).numpy()
    assert set(np.unique(r)) == {2.0, 3.0, 4.0}
    assert set(np.unique(dg.zeros(500, dtype=dg.int64).random_(3).numpy())) == {0, 1, 2}


# ---- elementwise maths (top level and Tensor methods) ----

UNARY = {
    "tan": lambda r: r.uniform(-1.2, 1.2, (3, 4)), "atan": None, "asin": lambda r: r.uniform(-0.95, 0.95, (3, 4)),
    "acos": lambda r: r.uniform(-0.95, 0.95, (3, 4)), "sinh": None, "cosh": None, "asinh": None,
    "acosh": lambda r: r.uniform(1.05, 4, (3, 4)), "atanh": lambda r: r.uniform(-0.95, 0.95, (3, 4)), "expm1": None,
    "erfc": None, "lgamma": lambda r: r.uniform(0.1, 6, (3, 4)), "digamma": lambda r: r.uniform(0.1, 30, (3, 4)),
    "reciprocal": lambda r: r.uniform(0.5, 3, (3, 4)) * r.choice([-1, 1], (3, 4)), "negative": None, "positive": None,
    "absolute": None, "deg2rad": None, "rad2deg": None, "log10": lambda r: r.uniform(0.1, 5, (3, 4)), "sgn": None,
    "frac": lambda r: r.standard_normal((3, 4)) * 3, "fix": lambda r: r.standard_normal((3, 4)) * 3,
    "logit": lambda r: r.uniform(0.05, 0.95, (3, 4)), "sinc": None, "nan_to_num": None, "signbit": None,
    "isposinf": None, "isneginf": None, "isreal": None,
}


@pytest.mark.parametrize("name", sorted(UNARY))
def test_unary_maths(rng, name):
    x = (UNARY[name] or (lambda r: r.standard_normal((3, 4)) * 1.5))(rng)
    check(getattr(dg, name), getattr(torch, name), x)
    check(lambda t: getattr(t, name)(), lambda t: getattr(t, name)(), x)


def test_unary_maths_edges():
    special = np.array([0.0, -0.0, np.inf, -np.inf, np.nan, 1.0, -2.0, 0.5])
    for name in ("expm1", "atan", "sinh", "tan", "sinc", "frac", "signbit", "isposinf", "isneginf", "sgn", "erfc",
                 "lgamma", "digamma", "asinh", "logit"):
        _assert_same(getattr(dg, name)(dg.tensor(special)), getattr(torch, name)(torch.tensor(special)), 1e-12, 1e-300,
                     name)
    check(dg.sinc, torch.sinc, np.array([0.0, 1.0, -2.5, 1e-9]))  # sinc(0) = 1 with gradient 0
    check(lambda t: dg.logit(t, 0.1), lambda t: torch.logit(t, 0.1), np.array([0.05, 0.1, 0.5, 0.9, 0.97]))
    check(dg.digamma, torch.digamma, np.array([-2.5, -0.3, 0.2, 1.0, 7.5, 40.0]))
    check(dg.lgamma, torch.lgamma, np.array([-2.5, -0.3, 0.2, 1.0, 7.5, 40.0]))
    check(lambda t: dg.polygamma(1, t), lambda t: torch.polygamma(1, t), np.array([-2.5, -0.3, 0.2, 1.0, 7.5]),
          grad=[])
    x = np.array([np.nan, np.inf, -np.inf, 1.5, -2.0])
    for kw in (dict(), dict(nan=1.0, posinf=5.0, neginf=-5.0), dict(neginf=0.0)):
        check(lambda t: dg.nan_to_num(t, **kw), lambda t: torch.nan_to_num(t, **kw), x)
    _assert_same(dg.nan_to_num(dg.tensor(x, dtype=dg.float32)), torch.nan_to_num(torch.tensor(x, dtype=torch.float32)),
                 0, 0)
    ints = np.array([[1, 2], [3, -4]])
    for name in ("tan", "expm1", "reciprocal", "deg2rad", "log10", "sinc", "atan"):
        _assert_same(getattr(dg, name)(dg.tensor(ints)), getattr(torch, name)(torch.tensor(ints)), 1e-6, 1e-6, name)


BINARY = {
    "atan2": None, "hypot": None, "logaddexp": None, "logaddexp2": None, "fmax": None, "fmin": None,
    "copysign": None, "xlogy": lambda r, s: (r.standard_normal(s), r.uniform(0.1, 3, s)),
    "fmod": lambda r, s: (r.standard_normal(s) * 5, r.uniform(0.5, 2, s) * r.choice([-1, 1], s)),
    "remainder": lambda r, s: (r.standard_normal(s) * 5, r.uniform(0.5, 2, s) * r.choice([-1, 1], s)),
    "float_power": lambda r, s: (r.uniform(0.5, 2, s), r.standard_normal(s)), "true_divide": None,
}


@pytest.mark.parametrize("name", sorted(BINARY))
@pytest.mark.parametrize("shapes", [((3, 4), (3, 4)), ((2, 3, 4), (4,)), ((3, 1), (1, 5))])
def test_binary_maths(rng, name, shapes):
    make = BINARY[name] or (lambda r, s: (r.standard_normal(s), r.standard_normal(s)))
    a, b = make(rng, shapes[0])[0], make(rng, shapes[1])[1]
    check(getattr(dg, name), getattr(torch, name), a, b)
    check(lambda x, y: getattr(x, name)(y), lambda x, y: getattr(x, name)(y), a, b)


def test_binary_maths_edges():
    a = np.array([0.0, 0.0, 1.0, np.nan, 2.0, -0.0, 3.0])
    b = np.array([0.0, -1.0, np.nan, 2.0, 2.0, 1.0, -np.inf])
    for name in ("fmax", "fmin", "copysign", "logaddexp", "atan2", "hypot"):
        _assert_same(getattr(dg, name)(dg.tensor(a), dg.tensor(b)), getattr(torch, name)(torch.tensor(a),
                     torch.tensor(b)), 1e-12, 0, name)
    # xlogy: 0 where x == 0 (even for y == 0), the gradients as torch's at those points
    check(dg.xlogy, torch.xlogy, np.array([0.0, 0.0, 2.0, 1.5]), np.array([0.0, 2.0, 3.0, 0.5]))
    check(lambda x: dg.xlogy(x, 2.0), lambda x: torch.xlogy(x, 2.0), np.array([0.0, 1.5]))
    # ties: fmax/fmin give the whole gradient to input, maximum/minimum split it
    check(dg.fmax, torch.fmax, np.array([1.0, 2.0, 3.0]), np.array([1.0, 1.0, 3.0]))
    check(dg.fmin, torch.fmin, np.array([1.0, 2.0, 3.0]), np.array([1.0, 1.0, 3.0]))
    _assert_same(dg.heaviside(dg.tensor(a), dg.tensor(0.5, dtype=dg.float64)),
                 torch.heaviside(torch.tensor(a), torch.tensor(0.5, dtype=torch.float64)), 0, 0)
    ia, ib = np.array([12, -18, 7, 0]), np.array([8, 12, 3, 5])
    _assert_same(dg.gcd(dg.tensor(ia), dg.tensor(ib)), torch.gcd(torch.tensor(ia), torch.tensor(ib)), 0, 0)
    _assert_same(dg.lcm(dg.tensor(ia), dg.tensor(ib)), torch.lcm(torch.tensor(ia), torch.tensor(ib)), 0, 0)
    _assert_same(dg.fmod(dg.tensor(ia), dg.tensor(ib)), torch.fmod(torch.tensor(ia), torch.tensor(ib)), 0, 0)
    _assert_same(dg.fmod(dg.tensor([5.5, -5.5]), 2), torch.fmod(torch.tensor([5.5, -5.5]), 2), 0, 0)


def test_ternary_compositions(rng):
    a, b, w = rng.standard_normal((3, 4)), rng.standard_normal((3, 4)), rng.uniform(0, 1, (3, 4))
    check(dg.lerp, torch.lerp, a, b, w)
    check(lambda x, y: dg.lerp(x, y, 0.3), lambda x, y: torch.lerp(x, y, 0.3), a, b)
    check(lambda x, y, z: x.lerp(y, z), lambda x, y, z: x.lerp(y, z), a, b[0], w)
    for value in (1, -0.5):
        check(lambda x, y, z: dg.addcmul(x, y, z, value=value), lambda x, y, z: torch.addcmul(x, y, z, value=value),
              a, b, w)
        check(lambda x, y, z: x.addcdiv(y, z, value=value), lambda x, y, z: x.addcdiv(y, z, value=value), a, b, w + 0.5)
    check(lambda x: dg.clamp_min(x, 0.2), lambda x: torch.clamp_min(x, 0.2), _away(a, [0.2]))
    check(lambda x: x.clamp_max(-0.1), lambda x: x.clamp_max(-0.1), _away(a, [-0.1]))


# ---- scans and order statistics ----


def test_cumulative_ops(rng):
    x = rng.standard_normal((3, 5, 4))
    for dim in (0, 1, -1):
        check(lambda t: dg.cumprod(t, dim), lambda t: torch.cumprod(t, dim), x)
        check(lambda t: t.logcumsumexp(dim), lambda t: t.logcumsumexp(dim), x)
        check(lambda t: dg.cummax(t, dim), lambda t: torch.cummax(t, dim), x)
        check(lambda t: t.cummin(dim), lambda t: t.cummin(dim), x)
    z = np.array([[2.0, 0.0, 3.0, 0.0, 1.5], [1.0, -2.0, 0.5, 4.0, 0.0]])  # zeros: exact gradients
    check(lambda t: dg.cumprod(t, 1), lambda t: torch.cumprod(t, 1), z)
    ties = np.array([[1.0, 3.0, 3.0, 2.0, 3.0, np.nan, 0.0], [2.0, 1.0, 1.0, 2.0, 1.0, 0.0, 0.0]])
    check(lambda t: dg.cummax(t, 1), lambda t: torch.cummax(t, 1), ties)
    check(lambda t: dg.cummin(t, 1), lambda t: torch.cummin(t, 1), ties)
    big = np.array([-1000.0, 0.0, 1000.0, 999.0, -50.0])  # no overflow, and the gradient stays finite
    check(lambda t: dg.logcumsumexp(t, 0), lambda t: torch.logcumsumexp(t, 0), big)
    check(lambda t: dg.cumprod(t, 0), lambda t: torch.cumprod(t, 0), np.array(2.5))
    _assert_same(dg.cumprod(dg.tensor([1, 2, 3], dtype=dg.int32), 0), torch.cumprod(torch.tensor([1, 2, 3],
                 dtype=torch.int32), 0), 0, 0)


def test_order_statistics_with_ties_match_torch_indices(rng):
    for trial in range(30):
        n = int(rng.integers(1, 9))
        x = rng.integers(0, 3, (3, n)).astype(np.float64)
        k = int(rng.integers(1, n + 1))
        check(lambda t: dg.kthvalue(t, k, 1), lambda t: torch.kthvalue(t, k, 1), x, seed=trial)
        check(lambda t: t.median(1, keepdim=True), lambda t: t.median(1, keepdim=True), x, seed=trial)
        check(lambda t: dg.mode(t, 1), lambda t: torch.mode(t, 1), x, seed=trial)
        check(dg.median, torch.median, x, seed=trial)  # the full median shares its gradient between ties


def test_order_statistics(rng):
    x = rng.standard_normal((4, 5, 6))
    for dim in (0, 1, 2, -1):
        for keepdim in (False, True):
            check(lambda t: dg.median(t, dim, keepdim), lambda t: torch.median(t, dim, keepdim), x)
            check(lambda t: t.kthvalue(2, dim, keepdim), lambda t: t.kthvalue(2, dim, keepdim), x)
            check(lambda t: dg.nanmedian(t, dim, keepdim), lambda t: torch.nanmedian(t, dim, keepdim), x)
            check(lambda t: dg.mode(t, dim, keepdim), lambda t: torch.mode(t, dim, keepdim), x)
    check(lambda t: t.median(), lambda t: t.median(), x)
    check(lambda t: t.kthvalue(3), lambda t: t.kthvalue(3), x)
    nans = np.array([[1.0, np.nan, 3.0, 2.0], [np.nan, np.nan, np.nan, np.nan], [4.0, 1.0, np.nan, 0.0]])
    check(lambda t: dg.median(t, 1), lambda t: torch.median(t, 1), nans)
    check(lambda t: dg.nanmedian(t, 1), lambda t: torch.nanmedian(t, 1), nans)
    check(dg.nanmedian, torch.nanmedian, nans[[0, 2]])
    _assert_same(dg.median(dg.tensor(nans)), torch.median(torch.tensor(nans)), 0, 0)
    ints = rng.integers(0, 4, (3, 7))
    _assert_same(dg.mode(dg.tensor(ints), 1), torch.mode(torch.tensor(ints), 1), 0, 0)
    _assert_same(dg.median(dg.tensor(ints), 0), torch.median(torch.tensor(ints), 0), 0, 0)
    with pytest.raises(IndexError, match="out of range"):
        dg.kthvalue(dg.ones(3), 4)


@pytest.mark.parametrize("interpolation", ["linear", "lower", "higher", "midpoint", "nearest"])
def test_quantile(rng, interpolation):
    x = rng.standard_normal((4, 7))
    tie = x.copy()
    tie[1, 3] = tie[1, 5]  # equal values: the gradient goes where torch's sort puts them (index order up to 16)
    kw = dict(interpolation=interpolation)
    for q in (0.5, 0.0, 1.0, 0.37):
        check(lambda t: dg.quantile(t, q, **kw), lambda t: torch.quantile(t, q, **kw), x)
        check(lambda t: t.quantile(q, 1, keepdim=True, **kw), lambda t: t.quantile(q, 1, keepdim=True, **kw), tie)
    qs = np.array([0.1, 0.5, 0.75, 0.3])
    check(lambda t: dg.quantile(t, dg.tensor(qs), 0, **kw), lambda t: torch.quantile(t, torch.tensor(qs), 0, **kw), x)
    check(lambda t: dg.quantile(t, dg.tensor(qs), None, True, **kw),
          lambda t: torch.quantile(t, torch.tensor(qs), None, True, **kw), x)
    check(lambda t: dg.quantile(t, dg.tensor(qs), -1, True, **kw),
          lambda t: torch.quantile(t, torch.tensor(qs), -1, True, **kw), x)
    nans = x.copy()
    nans[0, 2] = np.nan
    nans[2] = np.nan
    _assert_same(dg.quantile(dg.tensor(nans), 0.4, 1, **kw), torch.quantile(torch.tensor(nans), 0.4, 1, **kw), 1e-12,
                 1e-12)
    check(lambda t: dg.nanquantile(t, 0.4, 1, **kw), lambda t: torch.nanquantile(t, 0.4, 1, **kw), nans[[0, 1, 3]])
    _assert_same(dg.nanquantile(dg.tensor(nans), 0.4, 1, **kw), torch.nanquantile(torch.tensor(nans), 0.4, 1, **kw),
                 1e-12, 1e-12)


def test_nan_reductions_and_pairs(rng):
    x = rng.standard_normal((3, 4, 5))
    x[0, 1, 2] = x[2, 0, 0] = np.nan
    for dim in (None, 1, (0, 2)):
        check(lambda t: dg.nansum(t, dim), lambda t: torch.nansum(t, dim), x)
        check(lambda t: t.nanmean(dim, keepdim=True), lambda t: t.nanmean(dim, keepdim=True), x)
    y = rng.standard_normal((3, 4))
    for kw in (dict(), dict(dim=1), dict(dim=0, keepdim=True), dict(dim=1, correction=0)):
        check(lambda t: dg.var_mean(t, **kw), lambda t: torch.var_mean(t, **kw), y)
        check(lambda t: dg.std_mean(t, **kw), lambda t: torch.std_mean(t, **kw), y)
    check(lambda t: dg.var_mean(t, 1, False), lambda t: torch.var_mean(t, 1, False), y)
    check(lambda t: dg.var_mean(t, False), lambda t: torch.var_mean(t, False), y)
    for kw in (dict(), dict(dim=1), dict(dim=0, keepdim=True)):
        check(lambda t: dg.aminmax(t, **kw), lambda t: torch.aminmax(t, **kw), y)
    out = dg.aminmax(dg.tensor(y), dim=1)
    assert out.min.shape == (3,) and out.max.shape == (3,)
    z = np.array([[0, 1, 2], [0, 0, 3]])
    for dim in (None, 0, 1, (0, 1)):
        _assert_same(dg.count_nonzero(dg.tensor(z), dim), torch.count_nonzero(torch.tensor(z), dim), 0, 0)


# ---- rearranging ----


def test_roll_rot90_flip_movedim_tile(rng):
    x = rng.standard_normal((2, 3, 4))
    for args in ((1, 0), (-2, 2), ((1, 2), (0, 2)), (5,), (7, -1)):
        check(lambda t: dg.roll(t, *args), lambda t: torch.roll(t, *args), x)
    for k in (1, 2, 3, 4, -1):
        for dims in ((0, 1), (2, 0), (-1, 1)):
            check(lambda t: dg.rot90(t, k, dims), lambda t: torch.rot90(t, k, dims), x)
    check(dg.fliplr, torch.fliplr, x)
    check(lambda t: t.flipud(), lambda t: t.flipud(), x)
    for src, dst in ((0, 2), (-1, 0), ((0, 1), (2, 0)), ([2, 0], [0, 1])):
        check(lambda t: dg.movedim(t, src, dst), lambda t: torch.movedim(t, src, dst), x)
        check(lambda t: t.moveaxis(src, dst), lambda t: t.moveaxis(src, dst), x)
    check(lambda t: dg.swapaxes(t, 0, 2), lambda t: torch.swapaxes(t, 0, 2), x)
    for dims in ((2,), (2, 1), (1, 2, 1, 2)):
        check(lambda t: dg.tile(t, dims), lambda t: torch.tile(t, dims), x)
    check(dg.ravel, torch.ravel, x.transpose(2, 0, 1))


def test_stacks_and_splits(rng):
    a, b = rng.standard_normal(3), rng.standard_normal(3)
    m, n = rng.standard_normal((2, 3)), rng.standard_normal((4, 3))
    check(lambda x, y: dg.hstack([x, y]), lambda x, y: torch.hstack([x, y]), a, b)
    check(lambda x, y: dg.hstack((x, y)), lambda x, y: torch.hstack((x, y)), m, rng.standard_normal((2, 5)))
    check(lambda x, y: dg.vstack([x, y]), lambda x, y: torch.vstack([x, y]), m, n)
    check(lambda x, y: dg.vstack([x, y]), lambda x, y: torch.vstack([x, y]), a, b)
    check(lambda x, y: dg.row_stack([x, y]), lambda x, y: torch.vstack([x, y]), a, m)
    check(lambda x, y: dg.dstack([x, y]), lambda x, y: torch.dstack([x, y]), m, m * 2)
    check(lambda x, y: dg.column_stack([x, y]), lambda x, y: torch.column_stack([x, y]), a, m.T)
    for f in ("atleast_1d", "atleast_2d", "atleast_3d"):
        for arr in (np.array(2.0), a, m, rng.standard_normal((2, 2, 2))):
            check(getattr(dg, f), getattr(torch, f), arr)
        check(lambda x, y: getattr(dg, f)(x, y), lambda x, y: getattr(torch, f)(x, y), a, m)
    x = rng.standard_normal((7, 6))
    for spec in (3, 7, [1, 4], [2, 2, 10], (0, -2)):
        check(lambda t: dg.tensor_split(t, spec), lambda t: torch.tensor_split(t, spec), x)
        check(lambda t: t.tensor_split(spec, 1), lambda t: t.tensor_split(spec, 1), x)
    check(lambda t: dg.hsplit(t, 3), lambda t: torch.hsplit(t, 3), x)
    check(lambda t: dg.vsplit(t, [2, 5]), lambda t: torch.vsplit(t, [2, 5]), x)
    check(lambda t: dg.dsplit(t, 2), lambda t: torch.dsplit(t, 2), rng.standard_normal((2, 3, 4)))
    with pytest.raises(RuntimeError, match="not divisible by the split_size"):
        dg.hsplit(dg.tensor(x), 4)


def test_diff(rng):
    x = rng.standard_normal((3, 5))
    for kw in (dict(), dict(n=2), dict(dim=0), dict(n=3, dim=1), dict(n=6)):
        check(lambda t: dg.diff(t, **kw), lambda t: torch.diff(t, **kw), x)
    check(lambda t, p, q: dg.diff(t, 1, 1, p, q), lambda t, p, q: torch.diff(t, 1, 1, p, q), x,
          rng.standard_normal((3, 2)), rng.standard_normal((3, 1)))
    check(lambda t, p: t.diff(2, 0, prepend=p), lambda t, p: t.diff(2, 0, prepend=p), x, rng.standard_normal((1, 5)))
    mask = np.array([True, False, False, True, True])
    _assert_same(dg.diff(dg.tensor(mask)), torch.diff(torch.tensor(mask)), 0, 0)


def test_diagonals(rng):
    x = rng.standard_normal((4, 5))
    y = rng.standard_normal((2, 3, 4))
    for off in (0, 1, -2, 4, -5):
        check(lambda t: dg.diagonal(t, off), lambda t: torch.diagonal(t, off), x)
        check(lambda t: dg.diag(t, off), lambda t: torch.diag(t, off), x)
        check(lambda t: t.diag(off), lambda t: t.diag(off), x[0])
        check(lambda t: dg.diag_embed(t, off), lambda t: torch.diag_embed(t, off), y)
    for d1, d2 in ((0, 2), (2, 1), (-1, 0)):
        check(lambda t: t.diagonal(1, d1, d2), lambda t: t.diagonal(1, d1, d2), y)
        check(lambda t: dg.diag_embed(t, -1, d1, d2), lambda t: torch.diag_embed(t, -1, d1, d2), y)
    check(dg.trace, torch.trace, x)


def test_tensor_unfold_repeat_interleave_and_grids(rng):
    x = rng.standard_normal((3, 7, 2))
    for dim, size, step in ((1, 3, 1), (1, 2, 3), (0, 3, 1), (-1, 1, 1), (1, 7, 2)):
        check(lambda t: t.unfold(dim, size, step), lambda t: t.unfold(dim, size, step), x)
    for kw in (dict(repeats=2), dict(repeats=3, dim=1), dict(repeats=np.array([1, 0, 2]), dim=0)):
        dkw = dict(kw, repeats=dg.tensor(kw["repeats"])) if isinstance(kw["repeats"], np.ndarray) else kw
        tkw = dict(kw, repeats=torch.tensor(kw["repeats"])) if isinstance(kw["repeats"], np.ndarray) else kw
        check(lambda t: dg.repeat_interleave(t, **dkw), lambda t: torch.repeat_interleave(t, **tkw), x)
    _assert_same(dg.repeat_interleave(dg.tensor([2, 0, 3])), torch.repeat_interleave(torch.tensor([2, 0, 3])), 0, 0)
    a, b, c = rng.standard_normal(3), rng.standard_normal(4), rng.standard_normal(2)
    for indexing in ("ij", "xy"):
        check(lambda p, q, r: dg.meshgrid(p, q, r, indexing=indexing),
              lambda p, q, r: torch.meshgrid(p, q, r, indexing=indexing), a, b, c)
        check(lambda p, q: dg.meshgrid([p, q], indexing=indexing), lambda p, q: torch.meshgrid([p, q], indexing=indexing),
              a, b)
    with pytest.warns(UserWarning, match="indexing argument"):
        assert dg.meshgrid(dg.tensor(a), dg.tensor(b))[0].shape == (3, 4)
    check(dg.cartesian_prod, torch.cartesian_prod, a, b, c)
    check(lambda p: dg.combinations(p, 2), lambda p: torch.combinations(p, 2), b)
    check(lambda p: dg.combinations(p, 3, with_replacement=True), lambda p: torch.combinations(p, 3, True), a)
    check(lambda p, q, r: dg.block_diag(p, q, r), lambda p, q, r: torch.block_diag(p, q, r),
          rng.standard_normal((2, 3)), np.array(5.0), rng.standard_normal(3))
    check(lambda p, q: dg.broadcast_tensors(p, q), lambda p, q: torch.broadcast_tensors(p, q),
          rng.standard_normal((3, 1)), rng.standard_normal(4))
    assert dg.broadcast_shapes((3, 1), (4,), 1) == torch.broadcast_shapes((3, 1), (4,), 1)
    for args in ((3, 3), (4, 5, 1), (5, 3, -1)):
        _assert_same(dg.triu_indices(*args), torch.triu_indices(*args), 0, 0)
        _assert_same(dg.tril_indices(*args), torch.tril_indices(*args), 0, 0)


# ---- scatter and indexing ----


def test_scatter_family(rng):
    x, src = rng.standard_normal((4, 5)), rng.standard_normal((3, 6))
    index = np.array([[0, 1, 2, 3, 0], [3, 2, 1, 0, 1], [2, 2, 0, 1, 3]])
    unique = np.array([[0, 1, 2, 3, 0], [3, 2, 1, 0, 1]])
    check(lambda a, s: dg.scatter(a, 0, dg.tensor(unique), s), lambda a, s: torch.scatter(a, 0, torch.tensor(unique), s),
          x, src[:2, :5])
    # a src larger than index: torch's backward rejects the gradient of src, so compare the values only
    check(lambda a, s: dg.scatter(a, 0, dg.tensor(unique), s), lambda a, s: torch.scatter(a, 0, torch.tensor(unique), s),
          x, src, grad=[0])
    out = dg.scatter(dg.tensor(x), 0, dg.tensor(unique), dg.tensor(src, requires_grad=True))
    out.sum().backward()
    check(lambda a: a.scatter(1, dg.tensor(unique[:, :4]), 2.5), lambda a: a.scatter(1, torch.tensor(unique[:, :4]), 2.5),
          x)
    src = src[:, :5]
    check(lambda a, s: a.scatter_add(0, dg.tensor(index), s), lambda a, s: a.scatter_add(0, torch.tensor(index), s),
          x, src)
    for reduce in ("sum", "prod", "mean", "amax", "amin"):
        for include_self in (True, False):
            check(lambda a, s: dg.scatter_reduce(a, 0, dg.tensor(index), s, reduce, include_self=include_self),
                  lambda a, s: torch.scatter_reduce(a, 0, torch.tensor(index), s, reduce, include_self=include_self),
                  x, src)
    ties = np.array([1.0, 5.0, 2.0, 0.0])
    check(lambda a, s: dg.scatter_reduce(a, 0, dg.tensor([1, 1, 2]), s, "amax"),
          lambda a, s: torch.scatter_reduce(a, 0, torch.tensor([1, 1, 2]), s, "amax"), ties, np.array([5.0, 5.0, 1.0]))
    # one-hot encoding, the course idiom: zeros(N, C).scatter_(1, labels.unsqueeze(1), 1)
    labels = np.array([2, 0, 3])
    _assert_same(dg.zeros(3, 4).scatter_(1, dg.tensor(labels).unsqueeze(1), 1.0),
                 torch.zeros(3, 4).scatter_(1, torch.tensor(labels).unsqueeze(1), 1.0), 0, 0)
    with pytest.raises(RuntimeError, match="out of bounds"):
        dg.zeros(3, 4).scatter(1, dg.tensor([[4]]), 1.0)


def test_index_family(rng):
    x, src = rng.standard_normal((4, 5)), rng.standard_normal((4, 3))
    idx = np.array([4, 0, 4])
    check(lambda a, s: dg.index_add(a, 1, dg.tensor(idx), s), lambda a, s: torch.index_add(a, 1, torch.tensor(idx), s),
          x, src)
    check(lambda a, s: a.index_add(1, dg.tensor(idx), s, alpha=-2), lambda a, s: a.index_add(1, torch.tensor(idx), s,
          alpha=-2), x, src)
    uniq = np.array([3, 0, 1])
    check(lambda a, s: a.index_copy(1, dg.tensor(uniq), s), lambda a, s: a.index_copy(1, torch.tensor(uniq), s), x, src)
    check(lambda a: a.index_fill(0, dg.tensor([1, 3]), -1.5), lambda a: a.index_fill(0, torch.tensor([1, 3]), -1.5), x)
    check(lambda a: dg.index_select(a, 1, dg.tensor(idx)), lambda a: torch.index_select(a, 1, torch.tensor(idx)), x)
    check(lambda a: a.index_select(0, dg.tensor(2)), lambda a: a.index_select(0, torch.tensor(2)), x)
    mask = rng.random((4, 5)) < 0.5
    check(lambda a: dg.masked_select(a, dg.tensor(mask)), lambda a: torch.masked_select(a, torch.tensor(mask)), x)
    check(lambda a: a.masked_select(dg.tensor(mask[0])), lambda a: a.masked_select(torch.tensor(mask[0])), x)
    check(lambda a: dg.take(a, dg.tensor([[0, 19], [7, 7]])), lambda a: torch.take(a, torch.tensor([[0, 19], [7, 7]])), x)
    ind = np.argsort(x, 1)[:, :2]
    check(lambda a: dg.take_along_dim(a, dg.tensor(ind), 1), lambda a: torch.take_along_dim(a, torch.tensor(ind), 1), x)
    check(lambda a: a.take_along_dim(dg.tensor(ind[:1]), 1), lambda a: a.take_along_dim(torch.tensor(ind[:1]), 1), x)
    check(lambda a: dg.take_along_dim(a, dg.tensor([3, 0])), lambda a: torch.take_along_dim(a, torch.tensor([3, 0])), x)


def test_inplace_methods(rng):
    x = rng.standard_normal((3, 4))
    for name, args in (("sigmoid_", ()), ("tanh_", ()), ("clamp_min_", (0.1,)), ("nan_to_num_", ()), ("tril_", ()),
                       ("unsqueeze_", (1,)), ("t_", ()), ("transpose_", (0, 1)), ("floor_", ()), ("square_", ())):
        a, t = dg.tensor(x), torch.tensor(x)
        assert getattr(a, name)(*args) is a
        getattr(t, name)(*args)
        _assert_same(a, t, 1e-12, 1e-12, name)
    # in a graph, an in-place op is recorded: gradients as torch's
    check(lambda a: ((a * 2).sigmoid_() * 3).index_fill_(1, dg.tensor([0]), 0.0),
          lambda a: ((a * 2).sigmoid_() * 3).index_fill_(1, torch.tensor([0]), 0.0), x)
    check(lambda a, s: (a * 1).index_add_(0, dg.tensor([0, 0, 2]), s),
          lambda a, s: (a * 1).index_add_(0, torch.tensor([0, 0, 2]), s), x, rng.standard_normal((3, 4)))
    with pytest.raises(RuntimeError, match="in-place operation"):
        dg.tensor(x, requires_grad=True).tanh_()
    t = dg.ones(2, 3)
    assert t.ndimension() == 2 and t.nelement() == 6 and t.stride() == (3, 1) and t.T.stride(0) == 1
    assert t.byte().dtype == dg.uint8 and t.short().dtype == dg.int16 and t.char().dtype == dg.int8


# ---- products ----


def test_addmm_family(rng):
    for beta, alpha in ((1, 1), (0.5, -2.0), (0, 1.5)):
        kw = dict(beta=beta, alpha=alpha)
        check(lambda i, a, b: dg.addmm(i, a, b, **kw), lambda i, a, b: torch.addmm(i, a, b, **kw),
              rng.standard_normal((3, 5)), rng.standard_normal((3, 4)), rng.standard_normal((4, 5)))
        check(lambda i, a, b: i.addmm(a, b, **kw), lambda i, a, b: i.addmm(a, b, **kw),
              rng.standard_normal(5), rng.standard_normal((3, 4)), rng.standard_normal((4, 5)))
        check(lambda i, a, b: dg.addmv(i, a, b, **kw), lambda i, a, b: torch.addmv(i, a, b, **kw),
              rng.standard_normal(3), rng.standard_normal((3, 4)), rng.standard_normal(4))
        check(lambda i, a, b: dg.addr(i, a, b, **kw), lambda i, a, b: torch.addr(i, a, b, **kw),
              rng.standard_normal((3, 4)), rng.standard_normal(3), rng.standard_normal(4))
        check(lambda i, a, b: dg.baddbmm(i, a, b, **kw), lambda i, a, b: torch.baddbmm(i, a, b, **kw),
              rng.standard_normal((2, 3, 5)), rng.standard_normal((2, 3, 4)), rng.standard_normal((2, 4, 5)))
        check(lambda i, a, b: i.addbmm(a, b, **kw), lambda i, a, b: i.addbmm(a, b, **kw),
              rng.standard_normal((3, 1)), rng.standard_normal((2, 3, 4)), rng.standard_normal((2, 4, 5)))
    # beta = 0: nan and inf in input are ignored, as torch
    bad = np.full((2, 2), np.nan)
    check(lambda i, a, b: dg.addmm(i, a, b, beta=0), lambda i, a, b: torch.addmm(i, a, b, beta=0), bad,
          rng.standard_normal((2, 3)), rng.standard_normal((3, 2)))


def test_tensordot_kron_inner_cross(rng):
    a, b = rng.standard_normal((2, 3, 4)), rng.standard_normal((3, 4, 5))
    for dims, bb in ((2, b), (1, rng.standard_normal((4, 2))), (0, rng.standard_normal(2)), (([1, 2], [0, 1]), b),
                     (([2, 1], [1, 0]), b), (([0], [1]), rng.standard_normal((4, 2, 5)))):
        check(lambda x, y: dg.tensordot(x, y, dims), lambda x, y: torch.tensordot(x, y, dims), a, bb)
    check(dg.kron, torch.kron, rng.standard_normal((2, 3)), rng.standard_normal((3, 2)))
    check(dg.kron, torch.kron, rng.standard_normal((2, 3, 2)), rng.standard_normal(4))
    check(dg.inner, torch.inner, rng.standard_normal((2, 4)), rng.standard_normal((3, 4)))
    check(dg.inner, torch.inner, np.array(1.5), rng.standard_normal((3, 4)))
    check(dg.vdot, torch.vdot, rng.standard_normal(5), rng.standard_normal(5))
    check(lambda x, y: x.ger(y), lambda x, y: x.ger(y), rng.standard_normal(3), rng.standard_normal(2))
    u, v = rng.standard_normal((4, 3)), rng.standard_normal((4, 3))
    check(lambda x, y: dg.cross(x, y, dim=1), lambda x, y: torch.cross(x, y, dim=1), u, v)
    check(lambda x, y: x.cross(y, dim=0), lambda x, y: x.cross(y, dim=0), u.T, rng.standard_normal((3, 1)))
    with pytest.raises(RuntimeError, match="same number of dimensions"):
        dg.cross(dg.tensor(u), dg.tensor(v[0]), dim=1)
    with pytest.warns(UserWarning, match="without specifying the dim arg is deprecated"):
        dg.cross(dg.tensor(u), dg.tensor(v))


# ---- float64 gradchecks of the new Functions on awkward inputs (beyond tests/op_table.py's cases) ----


def test_gradcheck_new_functions(rng):
    def g(fn, *arrays):
        assert gradcheck(fn, [dg.tensor(a, requires_grad=True) for a in arrays], eps=1e-6, atol=1e-6, rtol=1e-4)

    g(lambda t: dg.logcumsumexp(t, 0), np.array([[-30.0, 2.0], [25.0, -1.0], [0.5, 24.0]]))
    g(lambda t: dg.logcumsumexp(t, -1), rng.standard_normal((2, 3, 4)))
    g(lambda a, s: dg.scatter_reduce(a, 1, dg.tensor([[0, 0, 2], [1, 1, 1]]), s, "mean", include_self=False),
      rng.standard_normal((2, 3)), rng.standard_normal((2, 3)))
    g(lambda a, s: dg.scatter_reduce(a, 1, dg.tensor([[0, 0, 2], [1, 1, 1]]), s, "amin"),
      rng.standard_normal((2, 3)), rng.standard_normal((2, 3)))
    g(lambda a, s: dg.scatter_reduce(a, 0, dg.tensor([0, 2, 2]), s, "prod"), rng.uniform(0.5, 2, 3),
      rng.uniform(0.5, 2, 3))
    g(lambda t: F.unfold(t, 3, padding=2, stride=2), rng.standard_normal((2, 4, 4)))
    g(lambda c: F.fold(c, (5, 4), (2, 3), dilation=(2, 1), stride=(1, 2)), rng.standard_normal((1, 6, 3)))
    g(lambda a, b: dg.atan2(a, b), rng.standard_normal((2, 3)), rng.standard_normal(3))
    g(lambda a, b: dg.xlogy(a, b), rng.standard_normal(4), rng.uniform(0.5, 3, 4))
    g(dg.lgamma, rng.uniform(-3.9, -3.1, 4))
    g(dg.digamma, np.array([-2.5, 0.3, 1.7, 14.0]))
    g(dg.erfc, rng.standard_normal(5) * 2)
    g(dg.sinc, np.array([-1.3, 0.4, 2.2, 0.05]))
    g(lambda a, b: a % b, rng.standard_normal(5) * 4, rng.uniform(0.6, 2, 5))


# ---- 1-D convolution and pooling, normalisation layers, padding, shuffles, dropout variants ----


@pytest.mark.parametrize("kw", [dict(), dict(stride=2, padding=1), dict(dilation=2, groups=2), dict(padding="same"),
                                dict(padding="valid", stride=(3,))], ids=str)
def test_conv1d(rng, kw):
    x, w, b = rng.standard_normal((2, 4, 11)), rng.standard_normal((6, 4 // kw.get("groups", 1), 3)), \
        rng.standard_normal(6)
    check(lambda a, c, d: F.conv1d(a, c, d, **kw), lambda a, c, d: TF.conv1d(a, c, d, **kw), x, w, b)
    check(lambda a, c: F.conv1d(a, c, **kw), lambda a, c: TF.conv1d(a, c, **kw), x[0], w)


@pytest.mark.parametrize("kw", [dict(), dict(stride=2, padding=1, output_padding=1), dict(dilation=2, groups=2)],
                         ids=str)
def test_conv_transpose1d(rng, kw):
    x, w, b = rng.standard_normal((2, 4, 7)), rng.standard_normal((4, 6 // kw.get("groups", 1), 3)), \
        rng.standard_normal(6)
    check(lambda a, c, d: F.conv_transpose1d(a, c, d, **kw), lambda a, c, d: TF.conv_transpose1d(a, c, d, **kw), x, w, b)


@pytest.mark.parametrize("kw", [dict(), dict(stride=2, padding=1, dilation=2, bias=False, padding_mode="reflect"),
                                dict(padding="same", padding_mode="circular"), dict(padding="same", dilation=2),
                                dict(groups=2, padding_mode="replicate", padding=2)], ids=str)
def test_conv1d_modules_load_torch_weights(rng, kw):
    tm = torch.nn.Conv1d(4, 6, 3, **kw).double()
    m = nn.Conv1d(4, 6, 3, dtype=dg.float64, **kw)
    assert repr(m) == repr(tm)
    assert {k: tuple(v.shape) for k, v in m.state_dict().items()} == {k: tuple(v.shape) for k, v in tm.state_dict().items()}
    m.load_state_dict({k: v.numpy() for k, v in tm.state_dict().items()})
    x = rng.standard_normal((2, 4, 9))
    check(m, tm, x)
    check(m, tm, x[1])
    tt = torch.nn.ConvTranspose1d(4, 6, 3, stride=2, output_padding=1, groups=2).double()
    t = nn.ConvTranspose1d(4, 6, 3, stride=2, output_padding=1, groups=2, dtype=dg.float64)
    assert repr(t) == repr(tt)
    t.load_state_dict({k: v.numpy() for k, v in tt.state_dict().items()})
    check(t, tt, x)
    check(lambda a: t(a, output_size=(20,)), lambda a: tt(a, output_size=(20,)), x)


def test_pool1d_and_adaptive_max(rng):
    x = rng.standard_normal((2, 3, 11))
    for kw in (dict(kernel_size=2), dict(kernel_size=3, stride=2, padding=1), dict(kernel_size=3, dilation=2,
               ceil_mode=True)):
        check(lambda t: F.max_pool1d(t, **kw), lambda t: TF.max_pool1d(t, **kw), x)
        check(lambda t: nn.MaxPool1d(**kw)(t), lambda t: torch.nn.MaxPool1d(**kw)(t), x[0])
        assert repr(nn.MaxPool1d(**kw)) == repr(torch.nn.MaxPool1d(**kw))
    check(lambda t: F.max_pool1d(t, 3, return_indices=True), lambda t: TF.max_pool1d(t, 3, return_indices=True), x)
    for kw in (dict(kernel_size=2), dict(kernel_size=3, stride=2, padding=1, count_include_pad=False),
               dict(kernel_size=4, ceil_mode=True)):
        check(lambda t: F.avg_pool1d(t, **kw), lambda t: TF.avg_pool1d(t, **kw), x)
        check(lambda t: nn.AvgPool1d(**kw)(t), lambda t: torch.nn.AvgPool1d(**kw)(t), x)
        assert repr(nn.AvgPool1d(**kw)) == repr(torch.nn.AvgPool1d(**kw))
    for n in (1, 4, 5, 11):
        check(lambda t: F.adaptive_avg_pool1d(t, n), lambda t: TF.adaptive_avg_pool1d(t, n), x)
        check(lambda t: nn.AdaptiveMaxPool1d(n)(t), lambda t: torch.nn.AdaptiveMaxPool1d(n)(t), x)
    y = rng.standard_normal((2, 3, 7, 5))
    for size in (1, (3, 2), (7, 5), (4, None), (3, 4)):
        check(lambda t: F.adaptive_max_pool2d(t, size), lambda t: TF.adaptive_max_pool2d(t, size), y)
        check(lambda t: nn.AdaptiveMaxPool2d(size)(t), lambda t: torch.nn.AdaptiveMaxPool2d(size)(t), y[0])
    assert repr(nn.AdaptiveMaxPool2d((3, None))) == repr(torch.nn.AdaptiveMaxPool2d((3, None)))
    pos = np.abs(x) + 0.1
    check(lambda t: F.lp_pool1d(t, 2, 3), lambda t: TF.lp_pool1d(t, 2, 3), pos)
    check(lambda t: nn.LPPool1d(1.5, 3, 2)(t), lambda t: torch.nn.LPPool1d(1.5, 3, 2)(t), pos)
    check(lambda t: nn.LPPool2d(3, 2)(t), lambda t: torch.nn.LPPool2d(3, 2)(t), np.abs(y) + 0.1)
    assert repr(nn.LPPool2d(2, 3, 1)) == repr(torch.nn.LPPool2d(2, 3, 1))


def test_group_instance_rms_lrn_norms(rng):
    x = rng.standard_normal((3, 6, 4, 5))
    w, b = rng.standard_normal(6), rng.standard_normal(6)
    for g in (1, 2, 3, 6):
        check(lambda t, p, q: F.group_norm(t, g, p, q), lambda t, p, q: TF.group_norm(t, g, p, q), x, w, b)
    check(lambda t: F.group_norm(t, 3, eps=0.1), lambda t: TF.group_norm(t, 3, eps=0.1), x[:, :, 0])
    m, tm = nn.GroupNorm(3, 6, dtype=dg.float64), torch.nn.GroupNorm(3, 6).double()
    assert repr(m) == repr(tm) and list(m.state_dict()) == list(tm.state_dict())
    m.load_state_dict({"weight": w, "bias": b})
    tm.load_state_dict({"weight": torch.tensor(w), "bias": torch.tensor(b)})
    check(m, tm, x)
    check(lambda t, p, q: F.instance_norm(t, weight=p, bias=q), lambda t, p, q: TF.instance_norm(t, weight=p, bias=q),
          x, w, b)
    check(lambda t: F.rms_norm(t, (4, 5)), lambda t: TF.rms_norm(t, (4, 5)), x)
    check(lambda t, p: F.rms_norm(t, 5, p, 1e-3), lambda t, p: TF.rms_norm(t, [5], p, 1e-3), x, rng.standard_normal(5))
    r, tr = nn.RMSNorm(5, dtype=dg.float64), torch.nn.RMSNorm(5).double()
    assert repr(r) == repr(tr) and list(r.state_dict()) == ["weight"]
    check(r, tr, x)
    assert repr(nn.RMSNorm([3, 4], 1e-5, False)) == repr(torch.nn.RMSNorm([3, 4], 1e-5, False))
    for size in (1, 2, 3, 5):
        check(lambda t: F.local_response_norm(t, size, 0.1, 0.6, 2.0),
              lambda t: TF.local_response_norm(t, size, 0.1, 0.6, 2.0), x)
        check(lambda t: nn.LocalResponseNorm(size)(t), lambda t: torch.nn.LocalResponseNorm(size)(t), x[:, :, 0])
    assert repr(nn.LocalResponseNorm(3)) == repr(torch.nn.LocalResponseNorm(3))


@pytest.mark.parametrize("affine", [False, True])
@pytest.mark.parametrize("track", [False, True])
def test_instance_norm_modules(rng, affine, track):
    for cls, shape in (("InstanceNorm1d", (3, 4, 7)), ("InstanceNorm2d", (3, 4, 5, 2))):
        m, tm = getattr(nn, cls)(4, affine=affine, track_running_stats=track, dtype=dg.float64), \
            getattr(torch.nn, cls)(4, affine=affine, track_running_stats=track).double()
        assert repr(m) == repr(tm)
        assert {k: tuple(v.shape) for k, v in m.state_dict().items()} == \
            {k: tuple(v.shape) for k, v in tm.state_dict().items()}
        if affine:
            w, b = rng.standard_normal(4), rng.standard_normal(4)
            m.load_state_dict({**{k: v.numpy() for k, v in tm.state_dict().items()}, "weight": w, "bias": b})
            tm.load_state_dict({**tm.state_dict(), "weight": torch.tensor(w), "bias": torch.tensor(b)})
        x = rng.standard_normal(shape) * 2 + 1
        check(m, tm, x)
        check(m, tm, x[0])
        if track:
            _assert_same(m.running_mean, tm.running_mean, 1e-12, 1e-12)
            _assert_same(m.running_var, tm.running_var, 1e-12, 1e-12)
            m.eval(), tm.eval()
            check(m, tm, x)


def test_padding_modules(rng):
    x2, x3, x4 = rng.standard_normal((2, 5)), rng.standard_normal((2, 3, 5)), rng.standard_normal((1, 2, 4, 5))
    x5 = rng.standard_normal((1, 2, 3, 4, 5))
    cases = [("ZeroPad1d", (2,), x3), ("ZeroPad1d", ((1, 3),), x2), ("ZeroPad2d", (1,), x4),
             ("ZeroPad2d", ((1, 0, 2, 3),), x4), ("ConstantPad1d", (2, 1.5), x3), ("ConstantPad2d", ((0, 1, 2, 0), -1.0), x4),
             ("ConstantPad3d", (1, 0.5), x5), ("ReflectionPad1d", (2,), x3), ("ReflectionPad2d", ((1, 2, 0, 3),), x4),
             ("ReplicationPad1d", ((3, 1),), x2), ("ReplicationPad2d", (2,), x4), ("ReplicationPad3d", (1,), x5),
             ("CircularPad1d", (2,), x3), ("CircularPad2d", ((1, 2, 2, 1),), x4)]
    for name, args, x in cases:
        m, tm = getattr(nn, name)(*args), getattr(torch.nn, name)(*args)
        assert repr(m) == repr(tm) and m.padding == tm.padding
        check(m, tm, x)


def test_shuffles(rng):
    x = rng.standard_normal((2, 12, 3, 4))
    for r in (1, 2):
        check(lambda t: F.pixel_shuffle(t, r), lambda t: TF.pixel_shuffle(t, r), x)
        check(lambda t: nn.PixelShuffle(r)(t), lambda t: torch.nn.PixelShuffle(r)(t), x[0])
    check(lambda t: F.pixel_unshuffle(t, 2), lambda t: TF.pixel_unshuffle(t, 2), rng.standard_normal((2, 3, 4, 6)))
    check(lambda t: nn.PixelUnshuffle(3)(t), lambda t: torch.nn.PixelUnshuffle(3)(t), rng.standard_normal((2, 1, 3, 6, 9)))
    check(lambda t: F.channel_shuffle(t, 3), lambda t: torch.nn.ChannelShuffle(3)(t), x)
    assert repr(nn.PixelShuffle(2)) == repr(torch.nn.PixelShuffle(2))
    assert repr(nn.ChannelShuffle(3)) == repr(torch.nn.ChannelShuffle(3))


def test_channel_and_alpha_dropout():
    x = dg.ones(50, 40, 30, dtype=dg.float64)
    y = F.dropout1d(x, 0.25).numpy()
    assert set(np.unique(y)) == {0.0, 4.0 / 3} and (y == y[:, :, :1]).all()  # whole channels, scaled by 1 / (1 - p)
    assert abs((y[:, :, 0] == 0).mean() - 0.25) < 0.03
    assert F.dropout1d(dg.ones(4, 6), 0.5).shape == (4, 6)
    np.testing.assert_array_equal(nn.Dropout1d().eval()(x).numpy(), x.numpy())
    z = F.dropout3d(dg.ones(20, 30, 2, 3, 4), 0.5).numpy()
    assert (z == z[:, :, :1, :1, :1]).all() and set(np.unique(z)) == {0.0, 2.0}
    with pytest.raises(RuntimeError, match="dropout1d: Expected 2D or 3D input"):
        F.dropout1d(dg.ones(2, 3, 4, 5))
    dg.manual_seed(3)
    s = dg.tensor(np.random.default_rng(1).standard_normal(200000))
    a = F.alpha_dropout(s, 0.2, training=True).numpy()
    assert abs(a.mean()) < 0.01 and abs(a.std() - 1) < 0.01  # mean and variance kept
    np.testing.assert_array_equal(F.alpha_dropout(s, 0.2).numpy(), s.numpy())  # PyTorch's default: training=False
    assert repr(nn.AlphaDropout(0.1)) == repr(torch.nn.AlphaDropout(0.1))
    f = F.feature_alpha_dropout(dg.ones(10, 20, 7), 0.5, training=True).numpy()
    assert (f == f[:, :, :1]).all() and len(np.unique(f)) == 2


def test_gumbel_softmax_and_inplace_functionals(rng):
    logits = dg.tensor(rng.standard_normal((500, 4)), requires_grad=True)
    y = F.gumbel_softmax(logits, tau=0.5)
    np.testing.assert_allclose(y.detach().numpy().sum(1), 1.0)
    h = F.gumbel_softmax(logits, hard=True, dim=1)
    assert set(np.unique(h.detach().numpy())) == {0.0, 1.0} and (h.detach().numpy().sum(1) == 1).all()
    (h * dg.tensor(rng.standard_normal((500, 4)))).sum().backward()
    assert logits.grad is not None and np.abs(logits.grad.numpy()).sum() > 0  # straight-through gradient
    # the argmax of logits + Gumbel noise samples softmax(logits)
    probs = np.exp([1.0, 0.0, -1.0]) / np.exp([1.0, 0.0, -1.0]).sum()
    counts = F.gumbel_softmax(dg.tensor([[1.0, 0.0, -1.0]] * 4000), hard=True).numpy().mean(0)
    np.testing.assert_allclose(counts, probs, atol=0.03)
    x = rng.standard_normal((3, 4))
    for name, args in (("relu_", ()), ("elu_", (0.5,)), ("leaky_relu_", (0.2,)), ("hardtanh_", (-0.5, 0.5)),
                       ("selu_", ()), ("celu_", (1.5,)), ("threshold_", (0.1, 2.0))):
        a, t = dg.tensor(x), torch.tensor(x)
        assert getattr(F, name)(a, *args) is a
        getattr(TF, name)(t, *args)
        _assert_same(a, t, 1e-12, 1e-12, name)


# ---- searching, histograms, covariance, integration, dtype queries, index_put, torch.* aliases ----


def test_search_and_membership(rng):
    b = np.array([1.0, 3.0, 5.0, 7.0])
    v = np.array([[0.0, 1.0, 3.0], [4.0, 7.0, 9.0]])
    for right in (False, True):
        _assert_same(dg.bucketize(dg.tensor(v), dg.tensor(b), right=right),
                     torch.bucketize(torch.tensor(v), torch.tensor(b), right=right), 0, 0)
        _assert_same(dg.searchsorted(dg.tensor(b), dg.tensor(v), right=right),
                     torch.searchsorted(torch.tensor(b), torch.tensor(v), right=right), 0, 0)
    rows = np.sort(rng.standard_normal((2, 6)), 1)
    _assert_same(dg.searchsorted(dg.tensor(rows), dg.tensor(v), side="right"),
                 torch.searchsorted(torch.tensor(rows), torch.tensor(v), side="right"), 0, 0)
    _assert_same(dg.bucketize(dg.tensor(v), dg.tensor(b), out_int32=True),
                 torch.bucketize(torch.tensor(v), torch.tensor(b), out_int32=True), 0, 0)
    _assert_same(dg.isin(dg.tensor(v), dg.tensor(b)), torch.isin(torch.tensor(v), torch.tensor(b)), 0, 0)
    _assert_same(dg.isin(dg.tensor(v), dg.tensor(b), invert=True), torch.isin(torch.tensor(v), torch.tensor(b),
                 invert=True), 0, 0)
    x = np.array([[0, 1, 0], [2, 0, 3]])
    _assert_same(dg.argwhere(dg.tensor(x)), torch.argwhere(torch.tensor(x)), 0, 0)
    u = np.array([1, 1, 2, 2, 3, 1, 1, 2])
    _assert_same(dg.unique_consecutive(dg.tensor(u), return_inverse=True, return_counts=True),
                 torch.unique_consecutive(torch.tensor(u), return_inverse=True, return_counts=True), 0, 0)


def test_histc_bincount_msort(rng):
    x = rng.standard_normal(300)
    for kw in (dict(), dict(bins=7), dict(bins=5, min=-1, max=1), dict(bins=4, min=0, max=3)):
        _assert_same(dg.histc(dg.tensor(x), **kw), torch.histc(torch.tensor(x), **kw), 0, 0)
    _assert_same(dg.histc(dg.tensor([2.0, 2.0, 2.0]), 3), torch.histc(torch.tensor([2.0, 2.0, 2.0]), 3), 0, 0)
    i = rng.integers(0, 6, 40)
    w = rng.standard_normal(40)
    _assert_same(dg.bincount(dg.tensor(i)), torch.bincount(torch.tensor(i)), 0, 0)
    _assert_same(dg.bincount(dg.tensor(i), dg.tensor(w), 9), torch.bincount(torch.tensor(i), torch.tensor(w), 9), 1e-12,
                 1e-12)
    _assert_same(dg.bincount(dg.tensor(i), minlength=3), torch.bincount(torch.tensor(i), minlength=3), 0, 0)
    check(dg.msort, torch.msort, rng.standard_normal((5, 3)))


def test_cov_corrcoef(rng):
    x = rng.standard_normal((3, 8))
    check(dg.cov, torch.cov, x)
    check(lambda t: dg.cov(t, correction=0), lambda t: torch.cov(t, correction=0), x)
    check(dg.cov, torch.cov, x[0])
    fw, aw = rng.integers(1, 4, 8), rng.uniform(0.5, 2, 8)
    check(lambda t, a: dg.cov(t, fweights=dg.tensor(fw), aweights=a),
          lambda t, a: torch.cov(t, fweights=torch.tensor(fw), aweights=a), x, aw, grad=[0])
    check(dg.corrcoef, torch.corrcoef, x)
    check(lambda t: t.corrcoef(), lambda t: t.corrcoef(), x[:2])


def test_trapezoid(rng):
    y = rng.standard_normal((3, 6))
    xs = np.sort(rng.standard_normal(6))
    check(dg.trapezoid, torch.trapezoid, y)
    check(lambda t: dg.trapezoid(t, dx=0.5, dim=0), lambda t: torch.trapezoid(t, dx=0.5, dim=0), y)
    check(lambda t, x: dg.trapezoid(t, x), lambda t, x: torch.trapezoid(t, x), y, xs)
    check(lambda t, x: dg.trapezoid(t, x), lambda t, x: torch.trapezoid(t, x), y, np.sort(rng.standard_normal((3, 6)), 1))
    check(dg.cumulative_trapezoid, torch.cumulative_trapezoid, y)
    check(lambda t, x: dg.cumulative_trapezoid(t, x, dim=1), lambda t, x: torch.cumulative_trapezoid(t, x, dim=1), y, xs)


def test_dtype_queries_and_aliases(rng):
    pairs = [(dg.tensor([1]), 1.0, torch.tensor([1]), 1.0), (dg.tensor([1], dtype=dg.int32), dg.tensor(2),
             torch.tensor([1], dtype=torch.int32), torch.tensor(2)), (dg.tensor([True]), 2, torch.tensor([True]), 2),
             (dg.ones(2, dtype=dg.float16), dg.ones(2), torch.ones(2, dtype=torch.float16), torch.ones(2))]
    for a, b, ta, tb in pairs:
        assert str(dg.result_type(a, b)) == str(torch.result_type(ta, tb)).replace("torch.", "")
    assert dg.promote_types(dg.int32, dg.float16) == dg.float16
    for f, t in ((dg.float32, dg.int32), (dg.int32, dg.float32), (dg.int64, dg.bool), (dg.bool, dg.uint8),
                 (dg.float64, dg.float16)):
        tf_, tt_ = (getattr(torch, str(np.dtype(d))) for d in (f, t))
        assert dg.can_cast(f, t) == torch.can_cast(tf_, tt_)
    a, b = rng.standard_normal((2, 3)), rng.standard_normal((2, 3))
    check(lambda p, q: dg.rsub(p, q, alpha=2), lambda p, q: torch.rsub(p, q, alpha=2), a, b)
    check(lambda p: dg.selu(p), lambda p: torch.selu(p), a)
    check(lambda p: dg.threshold(p, 0.1, -1.0), lambda p: torch.threshold(p, 0.1, -1.0), _away(a, [0.1]))
    check(lambda p, w: dg.conv1d(p, w), lambda p, w: torch.conv1d(p, w), rng.standard_normal((1, 2, 5)),
          rng.standard_normal((3, 2, 2)))
    check(lambda p: dg.pixel_shuffle(p, 2), lambda p: torch.pixel_shuffle(p, 2), rng.standard_normal((1, 8, 2, 2)))


def test_index_put_masked_scatter_fill_diagonal_sum_to_size(rng):
    x = rng.standard_normal((4, 3))
    idx = (np.array([0, 2, 0]), np.array([1, 1, 1]))
    v = rng.standard_normal(3)
    for acc in (False, True):
        ix = (idx[0], np.array([1, 0, 2])) if not acc else idx  # no repeats without accumulate (torch: undefined)
        check(lambda a, b: a.index_put(tuple(dg.tensor(i) for i in ix), b, accumulate=acc),
              lambda a, b: a.index_put(tuple(torch.tensor(i) for i in ix), b, accumulate=acc), x, v)
    check(lambda a, b: (a * 1).index_put_((dg.tensor(idx[0]),), b, accumulate=True),
          lambda a, b: (a * 1).index_put_((torch.tensor(idx[0]),), b, accumulate=True), x, rng.standard_normal(3))
    mask = rng.random((4, 3)) < 0.5
    src = rng.standard_normal(12)
    check(lambda a, s: a.masked_scatter(dg.tensor(mask), s), lambda a, s: a.masked_scatter(torch.tensor(mask), s), x, src)
    check(lambda a, s: a.masked_scatter(dg.tensor(mask[0]), s), lambda a, s: a.masked_scatter(torch.tensor(mask[0]), s),
          x, src)
    for shape, wrap in (((3, 3), False), ((7, 3), True), ((7, 3), False), ((2, 5), False), ((3, 3, 3), False)):
        _assert_same(dg.zeros(*shape).fill_diagonal_(2.5, wrap), torch.zeros(*shape).fill_diagonal_(2.5, wrap), 0, 0)
    for size in ((3,), (4, 1), (1, 3), (1, 1), (2, 4, 3)):
        y = rng.standard_normal((2, 4, 3))
        check(lambda a: a.sum_to_size(*size), lambda a: a.sum_to_size(*size), y)
