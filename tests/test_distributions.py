"""deepgrad.distributions against closed forms (NumPy), float64 gradchecks, and sample frequencies."""
import math

import numpy as np
import pytest

import deepgrad as dg
from deepgrad.autograd import gradcheck
from deepgrad.distributions import Bernoulli, Categorical, Independent, Normal


def t64(x, grad=False):
    return dg.tensor(np.asarray(x, dtype=np.float64), requires_grad=grad)


def np_log_softmax(x):
    x = x - x.max(-1, keepdims=True)
    return x - np.log(np.exp(x).sum(-1, keepdims=True))


# ---- Categorical ----------------------------------------------------------------------------------

def test_categorical_normalises_probs_and_logits():
    p = np.array([[1.0, 2.0, 5.0], [3.0, 3.0, 2.0]])
    d = Categorical(probs=t64(p))
    np.testing.assert_allclose(d.probs.numpy(), p / p.sum(-1, keepdims=True))
    np.testing.assert_allclose(d.logits.numpy(), np.log(p / p.sum(-1, keepdims=True)))
    logits = np.array([[0.5, -1.0, 2.0], [10.0, 10.0, 10.0]])
    d = Categorical(logits=t64(logits))
    np.testing.assert_allclose(d.logits.numpy(), np_log_softmax(logits))
    np.testing.assert_allclose(d.probs.numpy(), np.exp(np_log_softmax(logits)))
    assert d.batch_shape == (2,) and d.event_shape == () and d.param_shape == (2, 3)


def test_categorical_log_prob_entropy_closed_form():
    logits = np.array([[0.5, -1.0, 2.0, 0.0], [1.0, 1.0, -3.0, 0.2]])
    d = Categorical(logits=t64(logits))
    lp = np_log_softmax(logits)
    np.testing.assert_allclose(d.log_prob(dg.tensor([2, 0])).numpy(), [lp[0, 2], lp[1, 0]])
    # a (3, 2) batch of values broadcasts against batch_shape (2,)
    v = np.array([[0, 1], [3, 3], [1, 2]])
    np.testing.assert_allclose(d.log_prob(dg.tensor(v)).numpy(), lp[[0, 1], v])
    np.testing.assert_allclose(d.entropy().numpy(), -(np.exp(lp) * lp).sum(-1))


def test_categorical_entropy_with_zero_probability_is_finite():
    d = Categorical(probs=t64([0.0, 0.5, 0.5]))
    np.testing.assert_allclose(d.entropy().item(), math.log(2))


def test_categorical_sample_frequencies_and_shape():
    dg.manual_seed(0)
    p = np.array([0.1, 0.2, 0.3, 0.4])
    d = Categorical(probs=dg.tensor(p))
    s = d.sample((20000,))
    assert s.shape == (20000,) and s.dtype == dg.int64
    freq = np.bincount(s.numpy(), minlength=4) / 20000
    np.testing.assert_allclose(freq, p, atol=0.015)
    batched = Categorical(logits=dg.zeros(3, 5))
    assert batched.sample().shape == (3,) and batched.sample((7, 2)).shape == (7, 2, 3)


def test_categorical_samples_follow_manual_seed():
    d = Categorical(logits=dg.zeros(6))
    dg.manual_seed(3)
    a = d.sample((50,)).numpy()
    dg.manual_seed(3)
    np.testing.assert_array_equal(a, d.sample((50,)).numpy())


def test_categorical_gradcheck():
    v = dg.tensor([1, 0, 2])
    gradcheck(lambda x: Categorical(logits=x).log_prob(v), [t64(np.random.default_rng(0).normal(size=(3, 3)), True)])
    gradcheck(lambda x: Categorical(logits=x).entropy(), [t64(np.random.default_rng(1).normal(size=(2, 4)), True)])
    gradcheck(lambda x: Categorical(probs=x).log_prob(v),
              [t64(np.random.default_rng(2).uniform(0.1, 1, size=(3, 3)), True)])


def test_categorical_errors():
    with pytest.raises(ValueError, match="either"):
        Categorical()
    with pytest.raises(ValueError, match="either"):
        Categorical(probs=dg.ones(2), logits=dg.ones(2))
    with pytest.raises(ValueError, match="non-negative"):
        Categorical(probs=dg.tensor([0.5, -0.1]))
    with pytest.raises(ValueError, match="integers"):
        Categorical(logits=dg.zeros(3)).log_prob(dg.tensor(3))


# ---- Normal -----------------------------------------------------------------------------------------

def test_normal_closed_forms():
    loc, scale = np.array([0.0, 1.5, -2.0]), np.array([1.0, 0.5, 3.0])
    d = Normal(t64(loc), t64(scale))
    x = np.array([0.3, 1.0, 4.0])
    ref = -((x - loc) ** 2) / (2 * scale**2) - np.log(scale) - 0.5 * np.log(2 * np.pi)
    np.testing.assert_allclose(d.log_prob(t64(x)).numpy(), ref)
    np.testing.assert_allclose(d.entropy().numpy(), 0.5 + 0.5 * np.log(2 * np.pi) + np.log(scale))
    np.testing.assert_allclose(d.mean.numpy(), loc)
    np.testing.assert_allclose(d.stddev.numpy(), scale)
    np.testing.assert_allclose(d.variance.numpy(), scale**2)
    assert d.batch_shape == (3,) and d.event_shape == ()


def test_normal_broadcasts_parameters():
    d = Normal(dg.zeros(4, 1), 2.0)
    assert d.batch_shape == (4, 1) and d.scale.shape == (4, 1)
    assert Normal(dg.zeros(2, 1), dg.ones(3)).batch_shape == (2, 3)


def test_normal_sample_moments_and_seed():
    dg.manual_seed(0)
    d = Normal(dg.tensor([1.0, -3.0]), dg.tensor([0.5, 2.0]))
    s = d.sample((40000,)).numpy()
    assert s.shape == (40000, 2)
    np.testing.assert_allclose(s.mean(0), [1.0, -3.0], atol=0.05)
    np.testing.assert_allclose(s.std(0), [0.5, 2.0], rtol=0.03)
    dg.manual_seed(5)
    a = d.sample((3,)).numpy()
    dg.manual_seed(5)
    np.testing.assert_array_equal(a, d.sample((3,)).numpy())
    assert not d.sample().requires_grad


def test_normal_rsample_gradients():
    loc, scale = t64([0.5, -1.0], True), t64([1.5, 0.3], True)
    dg.manual_seed(1)
    x = Normal(loc, scale).rsample((5,))
    x.sum().backward()
    dg.manual_seed(1)
    eps = (Normal(t64([0.0, 0.0]), t64([1.0, 1.0])).sample((5,))).numpy()
    np.testing.assert_allclose(loc.grad.numpy(), [5.0, 5.0])
    np.testing.assert_allclose(scale.grad.numpy(), eps.sum(0))


def test_normal_gradchecks():
    rng = np.random.default_rng(0)
    loc, scale, x = t64(rng.normal(size=3), True), t64(rng.uniform(0.5, 2, size=3), True), t64(rng.normal(size=3), True)
    gradcheck(lambda m, s, v: Normal(m, s).log_prob(v), [loc, scale, x])
    gradcheck(lambda s: Normal(0.0, s).entropy(), [scale])

    def rsample(m, s):
        dg.manual_seed(7)  # the same eps on every call, so rsample is a smooth function of (m, s)
        return Normal(m, s).rsample((4,))

    gradcheck(rsample, [loc, scale])


def test_normal_rejects_bad_scale():
    with pytest.raises(ValueError, match="scale must be positive"):
        Normal(0.0, dg.tensor([1.0, 0.0]))
    Normal(0.0, dg.tensor([1.0, 0.0]), validate_args=False)


def test_normal_cdf_icdf_closed_forms():
    loc, scale = np.array([0.0, 1.5, -2.0]), np.array([1.0, 0.5, 3.0])
    d = Normal(t64(loc), t64(scale))
    x = np.array([0.3, 1.0, 4.0])
    ref = [0.5 * (1 + math.erf((v - m) / (s * math.sqrt(2)))) for v, m, s in zip(x, loc, scale)]
    np.testing.assert_allclose(d.cdf(t64(x)).numpy(), ref, rtol=1e-14)
    standard = Normal(t64(0.0), t64(1.0))
    # quantiles of N(0, 1): 1.959963984540054 = Phi^-1(0.975), Phi(1) = 0.8413447460685429
    np.testing.assert_allclose(standard.icdf(t64([0.5, 0.975, 0.025, 0.8413447460685429])).numpy(),
                               [0.0, 1.959963984540054, -1.959963984540054, 1.0], rtol=1e-13, atol=1e-15)
    # icdf inverts cdf; a (15, 1) batch of probabilities broadcasts against batch_shape (3,)
    p = np.linspace(0.001, 0.999, 15)[:, None]
    q = d.icdf(t64(p))
    assert q.shape == (15, 3)
    np.testing.assert_allclose(d.cdf(q).numpy(), np.broadcast_to(p, (15, 3)), rtol=1e-12)
    # the edges and outside [0, 1], as in PyTorch
    np.testing.assert_array_equal(standard.icdf(t64([0.0, 1.0])).numpy(), [-np.inf, np.inf])
    assert np.isnan(standard.icdf(t64([-0.1, 1.5])).numpy()).all()
    np.testing.assert_array_equal(standard.cdf(t64([-np.inf, np.inf])).numpy(), [0.0, 1.0])
    # Python numbers take the parameters' dtype
    assert Normal(dg.zeros(2), dg.ones(2)).cdf(0.5).dtype == dg.float32
    assert standard.icdf(0.5).dtype == dg.float64


def test_normal_cdf_validates_nan():
    with pytest.raises(ValueError, match="Normal.cdf: value contains NaN"):
        Normal(0.0, 1.0).cdf(dg.tensor([0.0, float("nan")]))
    assert np.isnan(Normal(0.0, 1.0, validate_args=False).cdf(dg.tensor([float("nan")])).numpy()).all()


def test_normal_cdf_icdf_gradchecks():
    rng = np.random.default_rng(3)
    loc, scale, x = t64(rng.normal(size=3), True), t64(rng.uniform(0.5, 2, size=3), True), t64(rng.normal(size=3), True)
    p = t64(rng.uniform(0.05, 0.95, size=3), True)
    assert gradcheck(lambda m, s, v: Normal(m, s).cdf(v), [loc, scale, x])
    assert gradcheck(lambda m, s, q: Normal(m, s).icdf(q), [loc, scale, p])
    # d cdf / d value is the density
    x.grad = None
    Normal(loc, scale).cdf(x).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), Normal(loc, scale).log_prob(x).exp().detach().numpy(), rtol=1e-12)


def test_normal_cdf_icdf_match_torch():
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(4)
    loc, scale = rng.normal(size=(2, 3)), rng.uniform(0.3, 3.0, size=(2, 3))
    x, p = rng.normal(size=(4, 2, 3)) * 3, rng.uniform(0.0, 1.0, size=(4, 2, 3))
    p[0, 0] = [1e-12, 1 - 1e-12, 0.5]  # far into both tails
    ours = [t64(a, True) for a in (loc, scale, x, p)]
    theirs = [torch.tensor(a, requires_grad=True) for a in (loc, scale, x, p)]
    d, t = Normal(ours[0], ours[1]), torch.distributions.Normal(theirs[0], theirs[1])
    out = d.cdf(ours[2]).sum() + d.icdf(ours[3]).sum()
    ref = t.cdf(theirs[2]).sum() + t.icdf(theirs[3]).sum()
    np.testing.assert_allclose(d.cdf(ours[2]).detach().numpy(), t.cdf(theirs[2]).detach().numpy(), rtol=1e-13)
    np.testing.assert_allclose(d.icdf(ours[3]).detach().numpy(), t.icdf(theirs[3]).detach().numpy(), rtol=1e-12)
    out.backward()
    ref.backward()
    for a, b in zip(ours, theirs):
        np.testing.assert_allclose(a.grad.numpy(), b.grad.numpy(), rtol=1e-10)
    # float32 parameters stay float32 and agree to float32 precision
    d32 = Normal(dg.tensor(loc.astype(np.float32)), dg.tensor(scale.astype(np.float32)))
    t32 = torch.distributions.Normal(torch.tensor(loc, dtype=torch.float32), torch.tensor(scale, dtype=torch.float32))
    p32 = np.clip(p, 0.001, 0.999).astype(np.float32)
    assert d32.icdf(dg.tensor(p32)).dtype == dg.float32
    np.testing.assert_allclose(d32.cdf(dg.tensor(x.astype(np.float32))).numpy(),
                               t32.cdf(torch.tensor(x, dtype=torch.float32)).numpy(), atol=2e-6)
    np.testing.assert_allclose(d32.icdf(dg.tensor(p32)).numpy(), t32.icdf(torch.tensor(p32)).numpy(),
                               rtol=1e-5, atol=1e-5)


def test_distributions_without_cdf_say_so():
    with pytest.raises(NotImplementedError, match="Bernoulli does not implement cdf"):
        Bernoulli(probs=t64([0.5])).cdf(t64([1.0]))
    with pytest.raises(NotImplementedError, match="Categorical does not implement icdf"):
        Categorical(probs=t64([0.5, 0.5])).icdf(t64([0.5]))


# ---- Bernoulli -------------------------------------------------------------------------------------

def test_bernoulli_closed_forms():
    p = np.array([0.2, 0.5, 0.9])
    for d in (Bernoulli(probs=t64(p)), Bernoulli(logits=t64(np.log(p / (1 - p))))):
        x = np.array([1.0, 0.0, 0.0])
        np.testing.assert_allclose(d.log_prob(t64(x)).numpy(), x * np.log(p) + (1 - x) * np.log(1 - p))
        np.testing.assert_allclose(d.entropy().numpy(), -p * np.log(p) - (1 - p) * np.log(1 - p))
        np.testing.assert_allclose(d.probs.numpy(), p)
        np.testing.assert_allclose(d.mean.numpy(), p)
        np.testing.assert_allclose(d.variance.numpy(), p * (1 - p))


def test_bernoulli_sample_frequencies():
    dg.manual_seed(0)
    s = Bernoulli(probs=dg.tensor([0.1, 0.7])).sample((20000,)).numpy()
    assert set(np.unique(s)) <= {0.0, 1.0}
    np.testing.assert_allclose(s.mean(0), [0.1, 0.7], atol=0.015)


def test_bernoulli_gradcheck():
    rng = np.random.default_rng(0)
    x = t64([1.0, 0.0, 1.0])
    gradcheck(lambda l: Bernoulli(logits=l).log_prob(x), [t64(rng.normal(size=3), True)])
    gradcheck(lambda l: Bernoulli(logits=l).entropy(), [t64(rng.normal(size=3), True)])
    gradcheck(lambda p: Bernoulli(probs=p).log_prob(x), [t64(rng.uniform(0.1, 0.9, size=3), True)])


# ---- Independent -----------------------------------------------------------------------------------

def test_independent_sums_over_event_dims():
    rng = np.random.default_rng(0)
    loc, scale, x = rng.normal(size=(4, 3)), rng.uniform(0.5, 2, size=(4, 3)), rng.normal(size=(4, 3))
    base = Normal(t64(loc), t64(scale))
    d = Independent(base, 1)
    assert d.batch_shape == (4,) and d.event_shape == (3,) and d.has_rsample
    np.testing.assert_allclose(d.log_prob(t64(x)).numpy(), base.log_prob(t64(x)).numpy().sum(-1))
    np.testing.assert_allclose(d.entropy().numpy(), base.entropy().numpy().sum(-1))
    assert d.sample((2,)).shape == (2, 4, 3)
    assert Independent(base, 2).log_prob(t64(x)).shape == ()
    gradcheck(lambda m: Independent(Normal(m, t64(scale)), 1).log_prob(t64(x)), [t64(loc, True)])
    with pytest.raises(ValueError, match="reinterpreted_batch_ndims"):
        Independent(base, 3)
