"""deepgrad.optim.lr_scheduler: lr sequences against closed-form formulas, plateau logic, 1cycle endpoints."""
import math

import numpy as np
import pytest

from deepgrad import optim
from deepgrad.nn.parameter import Parameter
from deepgrad.optim import lr_scheduler as sched

N = 25
BASE = (0.1, 0.02)


def _optimizer(cls=optim.SGD, **kw):
    groups = [{"params": [Parameter(np.zeros(2))], "lr": lr} for lr in BASE]
    return cls(groups, **kw)


def _lrs(scheduler, opt, n=N):
    """lrs before any step, then after each of n (optimizer.step, scheduler.step) pairs: shape (n + 1, groups)."""
    out = [scheduler.get_last_lr()]
    for _ in range(n):
        opt.step()
        scheduler.step()
        out.append(scheduler.get_last_lr())
        assert out[-1] == [g["lr"] for g in opt.param_groups]
    return np.array(out)


def _expected(factor, n=N):
    return np.array([[base * factor(t) for base in BASE] for t in range(n + 1)])


@pytest.mark.parametrize("make, factor", [
    (lambda o: sched.StepLR(o, step_size=4, gamma=0.5), lambda t: 0.5 ** (t // 4)),
    (lambda o: sched.MultiStepLR(o, milestones=[3, 10, 10, 17], gamma=0.3),
     lambda t: 0.3 ** sum(m <= t for m in [3, 10, 10, 17])),
    (lambda o: sched.ExponentialLR(o, gamma=0.9), lambda t: 0.9 ** t),
    (lambda o: sched.LambdaLR(o, lambda e: 1.0 / (1 + e)), lambda t: 1.0 / (1 + t)),
    (lambda o: sched.MultiplicativeLR(o, lambda e: 0.95), lambda t: 0.95 ** t),
    (lambda o: sched.LinearLR(o, start_factor=0.25, end_factor=0.75, total_iters=8),
     lambda t: 0.25 + 0.5 * min(t, 8) / 8),
    (lambda o: sched.LinearLR(o), lambda t: 1 / 3 + (1 - 1 / 3) * min(t, 5) / 5),
    (lambda o: sched.ConstantLR(o, factor=0.5, total_iters=4), lambda t: 0.5 if t < 4 else 1.0),
    (lambda o: sched.PolynomialLR(o, total_iters=10, power=2.0), lambda t: (1 - min(t, 10) / 10) ** 2),
], ids=["StepLR", "MultiStepLR", "ExponentialLR", "LambdaLR", "MultiplicativeLR", "LinearLR", "LinearLR-defaults",
        "ConstantLR", "PolynomialLR"])
def test_closed_forms(make, factor):
    opt = _optimizer()
    np.testing.assert_allclose(_lrs(make(opt), opt), _expected(factor), rtol=1e-12, atol=1e-15)


def test_cosine_annealing_matches_closed_form_beyond_t_max():
    opt = _optimizer()
    T, eta_min = 7, 0.001
    lrs = _lrs(sched.CosineAnnealingLR(opt, T_max=T, eta_min=eta_min), opt, n=3 * T + 2)
    t = np.arange(3 * T + 3)[:, None]
    expected = eta_min + (np.array(BASE) - eta_min) * (1 + np.cos(np.pi * t / T)) / 2
    np.testing.assert_allclose(lrs[: T + 1], expected[: T + 1], rtol=1e-12)
    np.testing.assert_allclose(lrs[T], [eta_min, eta_min], rtol=1e-12)
    # past T_max the recursive form keeps following the cosine (period 2 * T_max)
    np.testing.assert_allclose(lrs, expected, rtol=1e-9, atol=1e-15)


def test_step_with_epoch_uses_closed_form_and_warns():
    opt = _optimizer()
    s = sched.StepLR(opt, step_size=3, gamma=0.1)
    opt.step()
    with pytest.warns(UserWarning, match="epoch parameter"):
        s.step(7)
    np.testing.assert_allclose(s.get_last_lr(), [b * 0.01 for b in BASE])


def test_initial_lr_base_lrs_and_last_epoch():
    opt = _optimizer()
    s = sched.ExponentialLR(opt, gamma=0.5)
    assert [g["initial_lr"] for g in opt.param_groups] == list(BASE)
    assert s.base_lrs == list(BASE) and s.last_epoch == 0
    opt.step()
    s.step()
    assert s.last_epoch == 1 and opt.param_groups[0]["initial_lr"] == BASE[0]
    with pytest.raises(KeyError, match="initial_lr"):
        sched.StepLR(_optimizer(), step_size=2, last_epoch=3)


def test_scheduler_step_before_optimizer_step_warns():
    opt = _optimizer()
    s = sched.StepLR(opt, step_size=2)
    with pytest.warns(UserWarning, match="before `optimizer.step\\(\\)`"):
        s.step()


def test_sequential_lr():
    opt = _optimizer()
    warmup = sched.LinearLR(opt, start_factor=0.1, total_iters=4)
    decay = sched.ExponentialLR(opt, gamma=0.8)
    s = sched.SequentialLR(opt, [warmup, decay], milestones=[6])
    expected = _expected(lambda t: 0.1 + 0.9 * min(t, 4) / 4 if t < 6 else 0.8 ** (t - 6))
    np.testing.assert_allclose(_lrs(s, opt), expected, rtol=1e-12)
    with pytest.raises(ValueError, match="one more than the number of milestone"):
        sched.SequentialLR(opt, [warmup, decay], milestones=[2, 4])


def test_scheduler_state_dict_round_trip():
    opt = _optimizer()
    s = sched.CosineAnnealingLR(opt, T_max=10)
    _lrs(s, opt, n=4)
    saved, saved_lrs = s.state_dict(), [g["lr"] for g in opt.param_groups]
    assert "optimizer" not in saved and saved["last_epoch"] == 4
    rest = _lrs(s, opt, n=6)

    opt2 = _optimizer()
    s2 = sched.CosineAnnealingLR(opt2, T_max=10)
    s2.load_state_dict(saved)
    for group, lr in zip(opt2.param_groups, saved_lrs):
        group["lr"] = lr
    np.testing.assert_array_equal(_lrs(s2, opt2, n=6)[1:], rest[1:])


def test_reduce_lr_on_plateau_patience_and_cooldown():
    opt = _optimizer()
    s = sched.ReduceLROnPlateau(opt, factor=0.5, patience=2, cooldown=1)
    metrics = [1.0, 0.9, 0.95, 0.95, 0.95, 0.95, 0.95, 0.95, 0.5, 0.6]
    # bad epochs after the best (0.9): 1, 2, 3 > patience -> halve at index 4; cooldown ignores index 5;
    # bad again at 6, 7, then 0.5 improves; 0.6 is bad (1)
    factors = [1, 1, 1, 1, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5]
    for m, f in zip(metrics, factors):
        s.step(m)
        np.testing.assert_allclose(s.get_last_lr(), [b * f for b in BASE])
    assert s.best == 0.5 and s.num_bad_epochs == 1


def test_reduce_lr_on_plateau_threshold_min_lr_and_max_mode():
    opt = _optimizer()
    s = sched.ReduceLROnPlateau(opt, patience=0, min_lr=[0.005, 0.0], factor=0.1)
    s.step(1.0)
    s.step(0.99995)  # within the relative threshold 1e-4: not an improvement
    np.testing.assert_allclose(s.get_last_lr(), [0.01, 0.002])
    s.step(2.0)
    np.testing.assert_allclose(s.get_last_lr(), [0.005, 0.0002])

    opt = _optimizer()
    s = sched.ReduceLROnPlateau(opt, mode="max", threshold_mode="abs", threshold=0.1, patience=1)
    for m in [0.5, 0.55, 0.58]:
        s.step(m)
    np.testing.assert_allclose(s.get_last_lr(), [b * 0.1 for b in BASE])
    with pytest.raises(ValueError, match="Factor should be < 1.0"):
        sched.ReduceLROnPlateau(opt, factor=1.0)
    with pytest.raises(ValueError, match="mode avg is unknown"):
        sched.ReduceLROnPlateau(opt, mode="avg")


@pytest.mark.parametrize("cls, key", [(optim.SGD, "momentum"), (optim.Adam, "betas")])
def test_one_cycle_endpoints(cls, key):
    opt = _optimizer(cls, **({"momentum": 0.9} if cls is optim.SGD else {}))
    total, max_lr = 50, 1.0
    s = sched.OneCycleLR(opt, max_lr=[max_lr, 2 * max_lr], total_steps=total, pct_start=0.3)
    lrs, moms = [s.get_last_lr()], [[_momentum(g, key) for g in opt.param_groups]]
    for _ in range(total - 1):
        opt.step()
        s.step()
        lrs.append(s.get_last_lr())
        moms.append([_momentum(g, key) for g in opt.param_groups])
    lrs, moms = np.array(lrs), np.array(moms)
    peak = int(0.3 * total) - 1
    initial = np.array([max_lr, 2 * max_lr]) / 25.0
    np.testing.assert_allclose(lrs[0], initial, rtol=1e-12)
    np.testing.assert_allclose(lrs[peak], [max_lr, 2 * max_lr], rtol=1e-12)
    np.testing.assert_allclose(lrs[-1], initial / 1e4, rtol=1e-9)
    assert np.all(np.diff(lrs[: peak + 1, 0]) > 0) and np.all(np.diff(lrs[peak:, 0]) < 0)
    # cosine warm-up: halfway through the rise the lr is halfway between initial and peak
    np.testing.assert_allclose(lrs[peak // 2, 0], (initial[0] + max_lr) / 2, rtol=1e-12)
    np.testing.assert_allclose(moms[0], 0.95)
    np.testing.assert_allclose(moms[peak], 0.85)
    np.testing.assert_allclose(moms[-1], 0.95)
    opt.step()
    s.step()  # step index total is allowed (as torch), one more is not
    with pytest.raises(ValueError, match="Tried to step"):
        opt.step()
        s.step()


def _momentum(group, key):
    return group[key][0] if key == "betas" else group[key]


def test_one_cycle_linear_three_phase_and_errors():
    opt = _optimizer()
    s = sched.OneCycleLR(opt, max_lr=1.0, epochs=2, steps_per_epoch=10, anneal_strategy="linear",
                         three_phase=True, pct_start=0.25, cycle_momentum=False)
    lrs = _lrs(s, opt, n=19)[:, 0]
    # phases end at steps 4 (max), 8 (back to initial), 19 (min)
    expected = np.concatenate([np.linspace(0.04, 1.0, 5), np.linspace(1.0, 0.04, 5)[1:],
                               np.linspace(0.04, 0.04 / 1e4, 12)[1:]])
    np.testing.assert_allclose(lrs, expected, rtol=1e-9)
    with pytest.raises(ValueError, match="total_steps OR"):
        sched.OneCycleLR(opt, max_lr=1.0)
    with pytest.raises(ValueError, match="momentum or beta1"):
        sched.OneCycleLR(optim.Adagrad([Parameter(np.zeros(1))]), max_lr=1.0, total_steps=5)


def test_submodule_import():
    import deepgrad.optim.lr_scheduler as mod
    from deepgrad.optim.lr_scheduler import LRScheduler, StepLR

    assert mod is sched and issubclass(StepLR, LRScheduler)
    assert math.isclose(optim.lr_scheduler.StepLR(_optimizer(), 1).get_last_lr()[0], BASE[0])
