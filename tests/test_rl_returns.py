"""Discounted returns, GAE (terminated vs truncated bootstrapping) and exploration schedules, by hand."""
import numpy as np
import pytest

from deepgrad.rl import ExponentialSchedule, LinearSchedule, discounted_returns, gae


def test_discounted_returns_by_hand():
    np.testing.assert_allclose(discounted_returns([1.0, 2.0, 3.0], 0.5), [2.75, 3.5, 3.0])
    np.testing.assert_allclose(discounted_returns([1.0, 1.0, 1.0, 1.0], 1.0), [4, 3, 2, 1])
    g = np.array([2.75, 3.5, 3.0])
    np.testing.assert_allclose(discounted_returns([1.0, 2.0, 3.0], 0.5, normalize=True),
                               (g - g.mean()) / (g.std() + 1e-8), rtol=1e-6)
    assert discounted_returns([], 0.9).shape == (0,)


GAMMA, LAM = 0.9, 0.8
REWARDS, VALUES, LAST = [1.0, 1.0, 1.0], [0.5, 0.4, 0.3], 0.2


def test_gae_without_episode_end():
    # deltas: 1 + .9*.4 - .5 = .86, 1 + .9*.3 - .4 = .87, 1 + .9*.2 - .3 = .88; A_t = delta_t + .72 A_{t+1}
    adv, ret = gae(REWARDS, VALUES, [False] * 3, LAST, GAMMA, LAM)
    np.testing.assert_allclose(adv, [0.86 + 0.72 * (0.87 + 0.72 * 0.88), 0.87 + 0.72 * 0.88, 0.88], rtol=1e-6)
    np.testing.assert_allclose(ret, adv + np.array(VALUES), rtol=1e-6)


def test_gae_terminated_does_not_bootstrap():
    # step 1 ends its episode in a terminal state: delta_1 = 1 - .4, and A_0 sees only A_1
    adv, _ = gae(REWARDS, VALUES, [False, True, False], LAST, GAMMA, LAM)
    np.testing.assert_allclose(adv, [0.86 + 0.72 * 0.6, 0.6, 0.88], rtol=1e-6)


def test_gae_truncated_bootstraps_from_the_final_observation():
    # step 1 is cut off by a time limit: its target uses V(final obs) = 1.0, but the recursion still stops there
    adv, _ = gae(REWARDS, VALUES, [False, False, False], LAST, GAMMA, LAM, truncated=[False, True, False],
                 final_values=[0.0, 1.0, 0.0])
    np.testing.assert_allclose(adv, [0.86 + 0.72 * 1.5, 1.5, 0.88], rtol=1e-6)
    with pytest.raises(ValueError, match="final_values"):
        gae(REWARDS, VALUES, [False] * 3, LAST, GAMMA, LAM, truncated=[False, True, False])


def test_gae_lambda_one_is_the_bootstrapped_return_and_zero_is_td():
    rewards, values = [1.0, 2.0, 3.0], [0.1, 0.2, 0.3]
    adv, ret = gae(rewards, values, [False] * 3, 5.0, 0.9, 1.0)
    np.testing.assert_allclose(ret, discounted_returns(rewards + [5.0], 0.9)[:3], rtol=1e-6)
    adv, _ = gae(rewards, values, [False] * 3, 5.0, 0.9, 0.0)
    np.testing.assert_allclose(adv, np.array(rewards) + 0.9 * np.array([0.2, 0.3, 5.0]) - values, rtol=1e-6)


def test_gae_checks_lengths():
    with pytest.raises(ValueError, match="one length"):
        gae([1.0, 2.0], [0.0], [False, False], 0.0)


def test_schedules():
    s = LinearSchedule(1.0, 0.1, 100)
    assert [s(0), s(50), s(100), s(10_000), s(-5)] == pytest.approx([1.0, 0.55, 0.1, 0.1, 1.0])
    e = ExponentialSchedule(1.0, 0.1, 0.5)
    assert [e(0), e(1), e(2), e(200)] == pytest.approx([1.0, 0.55, 0.325, 0.1])
    with pytest.raises(ValueError):
        LinearSchedule(1, 0, 0)
    with pytest.raises(ValueError):
        ExponentialSchedule(1, 0, 1.5)
