"""deepgrad.optim: every optimizer and option against float64 NumPy references written from PyTorch's algorithm
boxes (textbook form, independent of the update functions), plus groups, zero_grad, state_dict and validation."""
import numpy as np
import pytest

import deepgrad as dg
from deepgrad import optim
from deepgrad.nn.parameter import Parameter

SHAPES = [(3, 2), (4,)]
STEPS = 6


# ---- references (float64), one update per call, from the pseudo-code in PyTorch's documentation ----
def _grad(theta, g, kw):
    g = -g if kw.get("maximize") else g
    if kw.get("weight_decay", 0) and not kw.get("decoupled"):
        g = g + kw["weight_decay"] * theta
    return g


def ref_sgd(theta, grads, lr=1e-3, momentum=0, dampening=0, weight_decay=0, nesterov=False, maximize=False):
    kw = dict(weight_decay=weight_decay, maximize=maximize)
    out, b = [], None
    for t, g in enumerate(grads, 1):
        g = _grad(theta, g, kw)
        if momentum:
            b = g.copy() if t == 1 else momentum * b + (1 - dampening) * g
            g = g + momentum * b if nesterov else b
        theta = theta - lr * g
        out.append(theta)
    return out


def ref_adam(theta, grads, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0, amsgrad=False, maximize=False,
             decoupled=False):
    kw = dict(weight_decay=weight_decay, maximize=maximize, decoupled=decoupled)
    b1, b2 = betas
    m = v = vmax = np.zeros_like(theta)
    out = []
    for t, g in enumerate(grads, 1):
        if decoupled:
            theta = theta - lr * weight_decay * theta
        g = _grad(theta, g, kw)
        m = b1 * m + (1 - b1) * g
        v = b2 * v + (1 - b2) * g ** 2
        m_hat = m / (1 - b1 ** t)
        if amsgrad:
            vmax = np.maximum(vmax, v)
            v_hat = vmax / (1 - b2 ** t)
        else:
            v_hat = v / (1 - b2 ** t)
        theta = theta - lr * m_hat / (np.sqrt(v_hat) + eps)
        out.append(theta)
    return out


def ref_adamw(theta, grads, lr=1e-3, weight_decay=1e-2, **kw):
    return ref_adam(theta, grads, lr=lr, weight_decay=weight_decay, decoupled=True, **kw)


def ref_rmsprop(theta, grads, lr=1e-2, alpha=0.99, eps=1e-8, weight_decay=0, momentum=0, centered=False,
                maximize=False):
    kw = dict(weight_decay=weight_decay, maximize=maximize)
    v = g_ave = b = np.zeros_like(theta)
    out = []
    for g in grads:
        g = _grad(theta, g, kw)
        v = alpha * v + (1 - alpha) * g ** 2
        v_tilde = v
        if centered:
            g_ave = alpha * g_ave + (1 - alpha) * g
            v_tilde = v_tilde - g_ave ** 2
        if momentum > 0:
            b = momentum * b + g / (np.sqrt(v_tilde) + eps)
            theta = theta - lr * b
        else:
            theta = theta - lr * g / (np.sqrt(v_tilde) + eps)
        out.append(theta)
    return out


def ref_adagrad(theta, grads, lr=1e-2, lr_decay=0, weight_decay=0, initial_accumulator_value=0, eps=1e-10,
                maximize=False):
    kw = dict(weight_decay=weight_decay, maximize=maximize)
    state_sum = np.full_like(theta, initial_accumulator_value)
    out = []
    for t, g in enumerate(grads, 1):
        clr = lr / (1 + (t - 1) * lr_decay)
        g = _grad(theta, g, kw)
        state_sum = state_sum + g ** 2
        theta = theta - clr * g / (np.sqrt(state_sum) + eps)
        out.append(theta)
    return out


def ref_adadelta(theta, grads, lr=1.0, rho=0.9, eps=1e-6, weight_decay=0, maximize=False):
    kw = dict(weight_decay=weight_decay, maximize=maximize)
    v = u = np.zeros_like(theta)
    out = []
    for g in grads:
        g = _grad(theta, g, kw)
        v = v * rho + g ** 2 * (1 - rho)
        dx = np.sqrt(u + eps) / np.sqrt(v + eps) * g
        u = u * rho + dx ** 2 * (1 - rho)
        theta = theta - lr * dx
        out.append(theta)
    return out


CASES = [
    (optim.SGD, ref_sgd, dict(lr=0.1)),
    (optim.SGD, ref_sgd, dict(lr=0.1, momentum=0.9)),
    (optim.SGD, ref_sgd, dict(lr=0.1, momentum=0.8, dampening=0.3, weight_decay=0.05)),
    (optim.SGD, ref_sgd, dict(lr=0.1, momentum=0.9, nesterov=True)),
    (optim.SGD, ref_sgd, dict(lr=0.05, momentum=0.5, weight_decay=0.1, maximize=True)),
    (optim.Adam, ref_adam, dict(lr=0.05)),
    (optim.Adam, ref_adam, dict(lr=0.05, betas=(0.5, 0.8), eps=1e-3, weight_decay=0.1)),
    (optim.Adam, ref_adam, dict(lr=0.05, amsgrad=True)),
    (optim.Adam, ref_adam, dict(lr=0.05, amsgrad=True, weight_decay=0.2, maximize=True)),
    (optim.AdamW, ref_adamw, dict(lr=0.05)),
    (optim.AdamW, ref_adamw, dict(lr=0.05, weight_decay=0.3, amsgrad=True)),
    (optim.AdamW, ref_adamw, dict(lr=0.05, weight_decay=0.3, maximize=True)),
    (optim.RMSprop, ref_rmsprop, dict(lr=0.01)),
    (optim.RMSprop, ref_rmsprop, dict(lr=0.01, alpha=0.8, momentum=0.9)),
    (optim.RMSprop, ref_rmsprop, dict(lr=0.01, alpha=0.7, centered=True, weight_decay=0.1)),
    (optim.RMSprop, ref_rmsprop, dict(lr=0.01, centered=True, momentum=0.5, maximize=True, eps=1e-4)),
    (optim.Adagrad, ref_adagrad, dict(lr=0.1)),
    (optim.Adagrad, ref_adagrad, dict(lr=0.1, lr_decay=0.2, initial_accumulator_value=0.4)),
    (optim.Adagrad, ref_adagrad, dict(lr=0.1, weight_decay=0.1, eps=1e-3, maximize=True)),
    (optim.Adadelta, ref_adadelta, dict()),
    (optim.Adadelta, ref_adadelta, dict(lr=0.5, rho=0.7, eps=1e-4)),
    (optim.Adadelta, ref_adadelta, dict(weight_decay=0.1, maximize=True)),
]
IDS = [f"{cls.__name__}-{'-'.join(f'{k}={v}' for k, v in kw.items()) or 'defaults'}" for cls, _, kw in CASES]


def _data(seed=0, dtype=np.float64):
    rng = np.random.default_rng(seed)
    init = [rng.standard_normal(s) for s in SHAPES]
    grads = [[rng.standard_normal(s) for s in SHAPES] for _ in range(STEPS)]
    return [a.astype(dtype) for a in init], [[g.astype(dtype) for g in gs] for gs in grads]


def _set_grads(params, grads):
    for p, g in zip(params, grads):
        p.grad = dg.tensor(g)


def _trajectory(opt, params, grads):
    out = []
    for g in grads:
        _set_grads(params, g)
        opt.step()
        out.append([p.detach().numpy().copy() for p in params])
    return out


@pytest.mark.parametrize("cls, ref, kw", CASES, ids=IDS)
def test_matches_reference_float64(cls, ref, kw):
    init, grads = _data()
    params = [Parameter(a.copy()) for a in init]
    got = _trajectory(cls(params, **kw), params, grads)
    for i, theta in enumerate(init):
        expected = ref(theta.copy(), [g[i] for g in grads], **kw)
        for t in range(STEPS):
            np.testing.assert_allclose(got[t][i], expected[t], rtol=1e-10, atol=1e-12, err_msg=f"param {i} step {t}")


@pytest.mark.parametrize("cls, ref, kw", CASES, ids=IDS)
def test_float32_stays_float32(cls, ref, kw):
    init, grads = _data(1, np.float32)
    params = [Parameter(a.copy()) for a in init]
    opt = cls(params, **kw)
    got = _trajectory(opt, params, grads)
    for i, theta in enumerate(init):
        expected = ref(theta.astype(np.float64), [g[i].astype(np.float64) for g in grads], **kw)
        assert params[i].dtype == np.float32
        np.testing.assert_allclose(got[-1][i], expected[-1], rtol=1e-4, atol=1e-5)
        for name, value in opt.state[params[i]].items():
            assert value.dtype == np.float32, name


def test_param_groups_have_their_own_options():
    a, b = Parameter(np.ones(2)), Parameter(np.ones(3))
    opt = optim.SGD([{"params": [a]}, {"params": b, "lr": 0.5, "momentum": 0.9}], lr=0.1)
    assert opt.param_groups[0]["lr"] == 0.1 and opt.param_groups[0]["momentum"] == 0
    assert opt.param_groups[1]["params"] == [b] and opt.param_groups[1]["momentum"] == 0.9
    for _ in range(2):
        a.grad, b.grad = dg.ones(2, dtype=dg.float64), dg.ones(3, dtype=dg.float64)
        opt.step()
    np.testing.assert_allclose(a.detach().numpy(), 1 - 2 * 0.1)
    np.testing.assert_allclose(b.detach().numpy(), 1 - 0.5 - 0.5 * 1.9)


def test_add_param_group_takes_defaults():
    a, b = Parameter(np.ones(2)), Parameter(np.ones(2))
    opt = optim.Adam([a], lr=0.01, betas=(0.8, 0.9))
    opt.add_param_group({"params": [b], "lr": 0.1})
    assert opt.param_groups[1]["betas"] == (0.8, 0.9) and opt.param_groups[1]["lr"] == 0.1
    with pytest.raises(ValueError, match="more than one parameter group"):
        opt.add_param_group({"params": [a]})


def test_params_without_grad_are_skipped():
    a, b = Parameter(np.ones(2)), Parameter(np.ones(2))
    opt = optim.Adam([a, b], lr=0.1)
    a.grad = dg.tensor([1.0, -1.0], dtype=dg.float64)
    opt.step()
    np.testing.assert_allclose(b.detach().numpy(), [1.0, 1.0])
    assert b not in opt.state and a in opt.state
    np.testing.assert_allclose(a.detach().numpy(), [0.9, 1.1])


def test_sgd_first_momentum_buffer_is_a_copy_of_the_grad():
    p = Parameter(np.zeros(3))
    opt = optim.SGD([p], lr=0.1, momentum=0.9)
    p.grad = dg.tensor([1.0, 2.0, 3.0], dtype=dg.float64)
    opt.step()
    buf = opt.state[p]["momentum_buffer"]
    np.testing.assert_array_equal(buf.numpy(), [1.0, 2.0, 3.0])
    assert not np.shares_memory(buf.numpy(), p.grad.numpy())
    assert len(optim.SGD([Parameter(np.zeros(1))]).state) == 0


def test_adagrad_state_exists_before_the_first_step():
    p = Parameter(np.zeros(3, np.float32))
    opt = optim.Adagrad([p], initial_accumulator_value=0.25)
    np.testing.assert_array_equal(opt.state[p]["sum"].numpy(), np.full(3, 0.25, np.float32))
    assert opt.state[p]["step"].item() == 0.0


def test_zero_grad():
    p = Parameter(np.ones(2))
    opt = optim.SGD([p], lr=0.1)
    p.grad = dg.tensor([3.0, 4.0], dtype=dg.float64)
    grad = p.grad
    opt.zero_grad(set_to_none=False)
    assert p.grad is grad
    np.testing.assert_array_equal(p.grad.numpy(), [0.0, 0.0])
    opt.zero_grad()
    assert p.grad is None


def test_step_closure_runs_with_grad_and_returns_loss():
    p = Parameter(np.array([3.0]))
    opt = optim.SGD([p], lr=0.25)

    def closure():
        opt.zero_grad()
        loss = (p * p).sum()
        loss.backward()
        return loss

    with dg.no_grad():
        loss = opt.step(closure)
    assert loss.item() == 9.0
    np.testing.assert_allclose(p.detach().numpy(), [3.0 - 0.25 * 6.0])


def _state_arrays(opt):
    return {(i, k): np.array(v) for i, s in opt.state_dict()["state"].items() for k, v in s.items() if v is not None}


@pytest.mark.parametrize("cls, ref, kw", CASES, ids=IDS)
def test_state_dict_round_trip(cls, ref, kw):
    init, grads = _data(2, np.float32)
    params = [Parameter(a.copy()) for a in init]
    opt = cls([{"params": params[:1]}, {"params": params[1:], "lr": 0.02}], **kw)
    _trajectory(opt, params, grads[:3])
    saved = opt.state_dict()
    stateless = cls is optim.SGD and not kw.get("momentum")
    assert sorted(saved["state"]) == ([] if stateless else [0, 1])
    assert [g["params"] for g in saved["param_groups"]] == [[0], [1]]
    assert saved["param_groups"][1]["lr"] == 0.02

    clones = [Parameter(p.detach().numpy().copy()) for p in params]
    fresh = cls([{"params": clones[:1]}, {"params": clones[1:]}], **kw)
    fresh.load_state_dict(saved)
    assert fresh.param_groups[1]["lr"] == 0.02 and fresh.param_groups[1]["params"][0] is clones[1]
    # the loaded state is a copy: the two optimizers share no arrays
    for i, state in fresh.state_dict()["state"].items():
        for name, value in state.items():
            assert not np.shares_memory(value.numpy(), saved["state"][i][name].numpy()), name
    expected = _trajectory(opt, params, grads[3:])
    got = _trajectory(fresh, clones, grads[3:])
    for e, g in zip(expected, got):
        for a, b in zip(e, g):
            np.testing.assert_array_equal(a, b)
    after, resumed = _state_arrays(opt), _state_arrays(fresh)
    assert after.keys() == resumed.keys()
    for key, value in after.items():
        np.testing.assert_array_equal(value, resumed[key])
        assert resumed[key].dtype == (np.float32 if key[1] == "step" else clones[key[0]].dtype)


def test_load_state_dict_errors():
    a, b = Parameter(np.ones(2)), Parameter(np.ones(3))
    saved = optim.Adam([a, b]).state_dict()
    with pytest.raises(ValueError, match="different number of parameter groups"):
        optim.Adam([{"params": [a]}, {"params": [b]}]).load_state_dict(saved)
    with pytest.raises(ValueError, match="doesn't match the size of optimizer's group"):
        optim.Adam([a]).load_state_dict(saved)
    opt = optim.Adam([a, b])
    a.grad, b.grad = dg.ones(2, dtype=dg.float64), dg.ones(3, dtype=dg.float64)
    opt.step()
    with pytest.raises(ValueError, match="shape"):
        optim.Adam([b, a]).load_state_dict(opt.state_dict())


@pytest.mark.parametrize("make, message", [
    (lambda p: optim.SGD(p, lr=-1.0), "Invalid learning rate: -1.0"),
    (lambda p: optim.SGD(p, momentum=-0.5), "Invalid momentum value: -0.5"),
    (lambda p: optim.SGD(p, weight_decay=-1), "Invalid weight_decay value: -1"),
    (lambda p: optim.SGD(p, nesterov=True), "Nesterov momentum requires a momentum and zero dampening"),
    (lambda p: optim.SGD(p, momentum=0.9, dampening=0.1, nesterov=True), "Nesterov momentum requires"),
    (lambda p: optim.Adam(p, lr=-1.0), "Invalid learning rate: -1.0"),
    (lambda p: optim.Adam(p, eps=-1e-8), "Invalid epsilon value: -1e-08"),
    (lambda p: optim.Adam(p, betas=(1.0, 0.999)), "Invalid beta parameter at index 0: 1.0"),
    (lambda p: optim.AdamW(p, betas=(0.9, -0.1)), "Invalid beta parameter at index 1: -0.1"),
    (lambda p: optim.AdamW(p, weight_decay=-0.1), "Invalid weight_decay value: -0.1"),
    (lambda p: optim.RMSprop(p, alpha=-0.1), "Invalid alpha value: -0.1"),
    (lambda p: optim.RMSprop(p, momentum=-0.1), "Invalid momentum value: -0.1"),
    (lambda p: optim.Adagrad(p, lr_decay=-1), "Invalid lr_decay value: -1"),
    (lambda p: optim.Adagrad(p, initial_accumulator_value=-1), "Invalid initial_accumulator_value value: -1"),
    (lambda p: optim.Adadelta(p, rho=1.5), "Invalid rho value: 1.5"),
    (lambda p: optim.Adadelta(p, lr=-0.5), "Invalid learning rate: -0.5"),
])
def test_hyperparameter_validation(make, message):
    with pytest.raises(ValueError, match=message.replace("(", r"\(").replace(".", r"\.")):
        make([Parameter(np.ones(1))])


def test_parameter_list_errors():
    p = Parameter(np.ones(2))
    with pytest.raises(ValueError, match="optimizer got an empty parameter list"):
        optim.SGD([])
    with pytest.raises(ValueError, match="duplicate parameters"):
        optim.SGD([p, p])
    with pytest.raises(TypeError, match="iterable of Tensors or dicts"):
        optim.SGD(p)
    with pytest.raises(TypeError, match="can only optimize Tensors"):
        optim.SGD([np.ones(2)])
    with pytest.raises(ValueError, match="non-leaf"):
        optim.SGD([p * 2])


@pytest.mark.parametrize("cls, kw", [
    (optim.SGD, dict(lr=0.1)), (optim.SGD, dict(lr=0.05, momentum=0.9, nesterov=True)),
    (optim.Adam, dict(lr=0.1)), (optim.AdamW, dict(lr=0.1)), (optim.RMSprop, dict(lr=0.05)),
    (optim.Adagrad, dict(lr=0.5)), (optim.Adadelta, dict(lr=20.0)),
])
def test_minimises_a_quadratic(cls, kw):
    target = dg.tensor(np.array([1.0, -2.0, 0.5], np.float32))
    scale = dg.tensor(np.array([1.0, 3.0, 0.5], np.float32))
    p = Parameter(np.zeros(3, np.float32))
    opt = cls([p], **kw)
    losses = []
    for _ in range(60):
        opt.zero_grad()
        loss = (scale * (p - target) * (p - target)).sum()
        loss.backward()
        opt.step()
        losses.append(loss.item())
    assert losses[-1] < 0.5 * losses[0]
    assert np.mean(losses[-5:]) < np.mean(losses[:5])


def test_repr_lists_groups():
    text = repr(optim.Adam([Parameter(np.ones(1))], lr=0.5))
    assert text.startswith("Adam (") and "Parameter Group 0" in text and "lr: 0.5" in text


def test_end_to_end_linear_regression():
    rng = np.random.default_rng(0)
    x = rng.standard_normal((64, 3)).astype(np.float32)
    y = x @ np.array([[1.0], [-2.0], [0.5]], np.float32) + 0.3
    model = dg.nn.Linear(3, 1)
    opt = optim.Adam(model.parameters(), lr=0.05)
    scheduler = optim.lr_scheduler.StepLR(opt, step_size=50, gamma=0.5)
    xt, yt = dg.tensor(x), dg.tensor(y)
    losses = []
    for _ in range(150):
        opt.zero_grad()
        diff = model(xt) - yt
        loss = (diff * diff).mean()
        loss.backward()
        opt.step()
        scheduler.step()
        losses.append(loss.item())
    assert losses[-1] < 1e-3 * losses[0]
    assert opt.param_groups[0]["lr"] == pytest.approx(0.05 / 8)


def test_pytorch_implementation_options_are_accepted():
    p = [dg.zeros(2, requires_grad=True)]
    dg.optim.Adam(p, foreach=None, fused=None)
    dg.optim.SGD(p, lr=0.1, foreach=False, differentiable=False)
    with pytest.raises(TypeError, match="unexpected keyword argument 'bogus'"):
        dg.optim.AdamW(p, bogus=1)
    with pytest.raises(ValueError, match="fused=True"):
        dg.optim.Adam(p, fused=True)


@pytest.mark.parametrize(
    "cls, keys",
    [
        (optim.SGD, {"foreach", "differentiable", "fused"}),
        (optim.Adam, {"foreach", "capturable", "differentiable", "fused"}),
        (optim.AdamW, {"foreach", "capturable", "differentiable", "fused"}),
        (optim.RMSprop, {"foreach", "capturable", "differentiable"}),
        (optim.Adagrad, {"foreach", "differentiable", "fused"}),
        (optim.Adadelta, {"foreach", "capturable", "differentiable"}),
    ],
)
def test_param_groups_list_pytorch_implementation_options(cls, keys):
    opt = cls([Parameter(dg.ones(2))])
    group = opt.param_groups[0]
    assert keys <= set(group)
    assert group["foreach"] is None and group["differentiable"] is False
    assert opt.state_dict()["param_groups"][0].keys() == group.keys() - {"params"} | {"params"}
