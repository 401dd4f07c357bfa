"""Training strategies on linear regression: the exact moment recursion against the plain one and Monte Carlo."""

import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from batchlab.sim.errors import InvalidParameter
from batchlab.sim.linreg import LinRegProblem, Strategy, risk_path, strategy_monte_carlo, strategy_path

from tolerances import EXACT_RTOL

PROBLEM = LinRegProblem.power_law(1.5, 2.5, 200)
SMALL = LinRegProblem.power_law(1.2, 2.0, 6, sigma=0.5)
MC_SIGMAS = 4.0  # exact within 4 standard errors of the Monte Carlo mean


def test_plain_sgd_with_the_uniform_average_is_the_plain_recursion():
    """β = 0, constant γ, τ_t = t/(t + 1): the strategy recursion is :mod:`._exact`'s, at every step."""
    for batch, lr in ((1, 0.3), (4, 0.9)):
        plain = risk_path(PROBLEM, lr=lr, batch=batch, steps=500)
        path = strategy_path(PROBLEM, lr=lr, batch=batch, steps=500)
        np.testing.assert_allclose(path.evaluated, plain.averaged, rtol=EXACT_RTOL)
        np.testing.assert_allclose(path.last, plain.last, rtol=EXACT_RTOL)
        last = strategy_path(PROBLEM, lr=lr, batch=batch, steps=500, strategy=Strategy(average="last"))
        np.testing.assert_allclose(last.evaluated, plain.last[1:], rtol=EXACT_RTOL)


def test_a_run_stopped_at_targets_is_the_prefix_of_the_full_run():
    """stop_below/stop_after: the run stops once each target is reached or past its limit, its path unchanged."""
    strategy = Strategy(average="ewa", ema_decay=0.95, momentum=0.3)
    lr = 0.3 * PROBLEM.stability_limit(2, momentum=0.3)
    full = strategy_path(PROBLEM, lr=lr, batch=2, steps=3000, strategy=strategy)
    reach = full.evaluated[199]  # first reached at step 200 or before
    first = int(np.flatnonzero(full.evaluated <= reach)[0]) + 1
    never = full.evaluated.min() / 2
    for targets, limits, stops in (([reach], None, first), ([reach, never], [3000, 700], 700),
                                   ([never, reach], [100, 3000], max(100, first))):
        stopped = strategy_path(PROBLEM, lr=lr, batch=2, steps=3000, strategy=strategy, stop_below=targets,
                                stop_after=limits)
        assert stopped.steps_run == stops
        np.testing.assert_array_equal(stopped.evaluated, full.evaluated[:stops])
        np.testing.assert_array_equal(stopped.last, full.last[:stops + 1])
    assert strategy_path(PROBLEM, lr=lr, batch=2, steps=3000, strategy=strategy, stop_below=reach).reached_at == first


def test_final_second_moments_are_the_plain_recursions():
    plain = risk_path(PROBLEM, lr=0.4, batch=3, steps=700)
    np.testing.assert_allclose(strategy_path(PROBLEM, lr=0.4, batch=3, steps=700).second_moments,
                               plain.second_moments, rtol=EXACT_RTOL)


def test_a_hyperparameter_left_to_the_protocol_is_refused_for_one_run():
    with pytest.raises(InvalidParameter, match="^ema_decay: must be a number for a single run"):
        strategy_path(PROBLEM, lr=0.1, batch=1, steps=10, strategy=Strategy(average="ewa", ema_decay=None))
    assert Strategy(average="uniform", ema_decay=None).tuned == ()  # not used: nothing to tune
    assert Strategy(average="ewa", ema_decay=None, momentum=None, schedule="wsd", decay=None).tuned == (
        "ema_decay", "momentum", "decay")


CASES = {
    "ewa": Strategy(average="ewa", ema_decay=0.9),
    "momentum, uniform": Strategy(momentum=0.6),
    "momentum, ewa": Strategy(average="ewa", ema_decay=0.8, momentum=0.5),
    "cosine, last": Strategy(average="last", schedule="cosine", warmup=0.1),
    "wsd, ewa": Strategy(average="ewa", ema_decay=0.7, schedule="wsd", warmup=0.1, decay=0.3),
}


@pytest.mark.parametrize("name", list(CASES))
@pytest.mark.parametrize("batch", [1, 3])
def test_exact_strategy_risk_matches_monte_carlo(name, batch):
    """Every strategy at d = 6, 40 steps, 4000 replicates drawing every sample: within 4 SE, both risks."""
    strategy = CASES[name]
    lr = 0.2 * SMALL.stability_limit(batch)
    exact = strategy_path(SMALL, lr=lr, batch=batch, steps=40, strategy=strategy)
    mc = strategy_monte_carlo(SMALL, lr=lr, batch=batch, steps=40, strategy=strategy, reps=4000, seed=11)
    for key, value in (("evaluated", exact.final), ("last", exact.last[-1])):
        mean, stderr = mc.mean_and_stderr(key)
        assert abs(mean - value) <= MC_SIGMAS * stderr, (key, mean, value, stderr)


def test_monte_carlo_is_the_same_for_any_number_of_workers():
    run = dict(lr=0.4, batch=2, steps=30, strategy=CASES["momentum, ewa"], reps=50, seed=3)
    one, two = strategy_monte_carlo(SMALL, **run, workers=1), strategy_monte_carlo(SMALL, **run, workers=2)
    np.testing.assert_array_equal(one.evaluated, two.evaluated)


@given(st.integers(1, 500), st.floats(0.0, 0.9), st.floats(0.01, 1.0), st.sampled_from(["cosine", "wsd"]))
def test_schedules_peak_at_the_learning_rate_and_end_low(steps, warmup, share, schedule):
    decay = share * (1.0 - warmup)  # WSD's decay phase starts after its warmup
    rates = Strategy(schedule=schedule, warmup=warmup, decay=decay).learning_rates(0.5, steps)
    assert rates.shape == (steps,) and np.all(rates > 0) and np.all(rates <= 0.5 + 1e-15)
    warm = math.floor(warmup * steps)
    assert np.all(np.diff(rates[:warm]) > 0)  # linear warmup
    assert np.all(np.diff(rates[warm:]) <= 1e-15)  # then never up again
    if schedule == "wsd":
        last = max(1, math.ceil(decay * steps))
        assert rates[-1] == pytest.approx(0.5 / last)
    elif steps > warm:  # cosine: the peak right after the warmup
        assert rates[warm] == pytest.approx(0.5)


def test_uniform_weights_give_the_running_mean():
    taus = Strategy().weights(5)
    xi, points = 0.0, [3.0, -1.0, 2.0, 7.0, 0.5]
    for t, w in enumerate(points):
        xi = taus[t] * xi + (1 - taus[t]) * w
        assert xi == pytest.approx(np.mean(points[:t + 1]))


def test_a_diverging_run_is_reported_as_diverged_not_nan():
    path = strategy_path(PROBLEM, lr=3.0 * PROBLEM.stability_limit(1), batch=1, steps=10_000,
                         strategy=Strategy(momentum=0.9))
    assert path.diverged and path.steps_run == path.diverged_at < 10_000 and math.isinf(path.final)
    assert np.all(np.isfinite(path.last[:-1]))


@pytest.mark.parametrize("field, value, message", [
    ("ema_decay", 1.0, "^ema_decay: must be a finite number >= 0 and < 1"),
    ("momentum", -0.1, "^momentum: must be a finite number >= 0 and < 1"),
    ("schedule", "linear", "^schedule: must be one of constant, cosine, wsd"),
    ("average", "polyak", "^average: must be one of uniform, ewa, last"),
    ("decay", 0.0, "^decay: must be a finite number > 0 and <= 1"),
])
def test_bad_strategies_are_named(field, value, message):
    with pytest.raises(InvalidParameter, match=message):
        Strategy(**{field: value})
    with pytest.raises(InvalidParameter, match="^decay: must be a finite number > 0 and <= 0.7"):
        Strategy(schedule="wsd", warmup=0.3, decay=0.8)  # the phases would overlap
