"""The CBS protocol for training strategies: the nested tuning against brute force, and against the plain protocol."""

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from batchlab.sim.errors import InvalidParameter
from batchlab.sim.linreg import (
    MOMENTA,
    WSD_DECAYS,
    EmaSearch,
    LinRegProblem,
    LrSearch,
    Strategy,
    compare_strategies,
    measure_cbs_scaling,
    strategy_final_risk,
    strategy_path,
    tuned_strategy_risk,
    tuned_strategy_steps,
)

PROBLEM = LinRegProblem.power_law(1.5, 2.5, 30)
EWA = Strategy(average="ewa", ema_decay=None)
COSINE = Strategy(average="last", schedule="cosine")
WSD = Strategy(average="last", schedule="wsd", decay=None)
# Brent stops within xtol = 0.01 in ln γ (and in ln(1 − τ)) of a minimum, where a smooth criterion is within
# about xtol²·(curvature) of its least value: 1e-3 relative leaves room for the criteria's curvature in log scale.
TUNED_RTOL = 1e-3


def test_a_plain_strategy_is_the_plain_protocol():
    """Strategy() and Strategy(average="last") are plain SGD's protocol with iterate averaged / last: identical."""
    for strategy, iterate in ((Strategy(), "averaged"), (Strategy(average="last"), "last")):
        by_strategy = measure_cbs_scaling(PROBLEM, [768], strategy=strategy, cache=None)[0]
        plain = measure_cbs_scaling(PROBLEM, [768], iterate=iterate, cache=None)[0]
        assert by_strategy.cbs("paper") == plain.cbs("paper")
        np.testing.assert_array_equal(by_strategy.steps, plain.steps)
        assert by_strategy.strategy is None and by_strategy.iterate == iterate
    with pytest.raises(InvalidParameter, match="^iterate: must be left out when a strategy is given"):
        measure_cbs_scaling(PROBLEM, [768], strategy=EWA, iterate="last", cache=None)


def test_ewa_tuning_beats_a_dense_grid_of_learning_rates_and_decays():
    """R(D, B) tuned over (γ, τ) is at most the least value on a 30 × 30 grid of the same ranges (+ Brent's slack)."""
    batch, samples = 4, 512
    tuned = tuned_strategy_risk(PROBLEM, batch=batch, samples=samples, strategy=EWA, search=LrSearch())
    steps = samples // batch
    limit = PROBLEM.stability_limit(batch)
    grid = min(strategy_final_risk(PROBLEM, lr=lr, batch=batch, steps=steps,
                                   strategy=EWA.replace(ema_decay=1.0 - x))
               for lr in np.geomspace(1e-4 * limit, 0.999 * limit, 30) for x in np.geomspace(1.0 / (2 * steps), 1, 30))
    assert tuned.value <= grid * (1 + TUNED_RTOL)
    assert tuned.value == strategy_final_risk(PROBLEM, lr=tuned.lr, batch=batch, steps=steps, strategy=tuned.strategy)
    assert 0 <= tuned.strategy.ema_decay < 1 and tuned.strategy.momentum == 0.0


def test_ewa_steps_are_tuned_where_only_a_narrow_band_of_windows_reaches_the_target():
    """D = 2^28 on the untruncated spectrum, B = 16, target R_opt (from B = 128): the runs that reach it within
    4n steps have windows in about an octave. A nine-point τ grid over W = 1..8n (2.9 octaves apart) found
    f = 1.128n there; one point per octave finds the optimum, within 1e-3 of n (measured 0.999997n)."""
    problem = LinRegProblem.power_law(1.5, 2.5, "inf")
    samples = 2**28
    target = tuned_strategy_risk(problem, batch=128, samples=samples, strategy=EWA, search=LrSearch()).value
    steps = samples // 16
    found = tuned_strategy_steps(problem, batch=16, target=target, max_steps=4 * steps, strategy=EWA,
                                 search=LrSearch())
    assert found.value <= 1.001 * steps


@pytest.mark.parametrize("open_field, grid", [("momentum", MOMENTA), ("decay", WSD_DECAYS)])
def test_a_hyperparameter_on_a_grid_is_the_best_of_its_fixed_tunings(open_field, grid):
    """β (or WSD's decay) left open: the least of the tunings at each value of its grid, and that value chosen."""
    strategy = WSD.replace(decay=0.2, momentum=None) if open_field == "momentum" else WSD
    tuned = tuned_strategy_risk(PROBLEM, batch=2, samples=256, strategy=strategy, search=LrSearch())
    fixed = [tuned_strategy_risk(PROBLEM, batch=2, samples=256, strategy=strategy.replace(**{open_field: value}),
                                 search=LrSearch()).value for value in grid]
    assert tuned.value == min(fixed)
    assert getattr(tuned.strategy, open_field) == grid[int(np.argmin(fixed))]


@pytest.mark.parametrize("strategy", [COSINE, WSD.replace(decay=0.2)], ids=["cosine", "wsd"])
def test_the_tuned_final_risk_never_rises_with_the_horizon(strategy):
    """The premise of the horizon bisection, checked at every horizon 1..200 (B = 2)."""
    finals = [tuned_strategy_risk(PROBLEM, batch=2, samples=2 * n, strategy=strategy, search=LrSearch(grid=8)).value
              for n in range(1, 201)]
    assert np.all(np.diff(finals) <= 1e-12 * np.array(finals[:-1]))


@pytest.mark.parametrize("strategy", [COSINE, WSD], ids=["cosine", "wsd"])
def test_a_schedules_steps_are_the_first_horizon_whose_tuned_run_reaches_the_target(strategy):
    """Bisection against a linear scan of the horizons, and f(B) the first crossing inside that run."""
    search = LrSearch(grid=8)
    target = tuned_strategy_risk(PROBLEM, batch=2, samples=2 * 90, strategy=strategy, search=search).value * 1.0001
    found = tuned_strategy_steps(PROBLEM, batch=2, target=target, max_steps=300, strategy=strategy, search=search)
    scan = next(n for n in range(1, 301) if tuned_strategy_risk(PROBLEM, batch=2, samples=2 * n, strategy=strategy,
                                                                 search=search).value <= target)
    assert found.horizon == scan
    path = strategy_path(PROBLEM, lr=found.lr, batch=2, steps=scan, strategy=found.strategy)
    first = int(np.flatnonzero(path.evaluated <= target)[0]) + 1  # may come before the end, where the risk is flat
    assert path.evaluated[-1] <= target and first - 1 < found.value <= first <= scan
    missed = tuned_strategy_steps(PROBLEM, batch=2, target=target, max_steps=scan - 1, strategy=strategy, search=search)
    assert not missed.found and math.isinf(missed.value) and missed.record()["value"] is None


@settings(max_examples=10)
@given(st.sampled_from([1, 2, 8]), st.floats(0.5, 0.99))
def test_anytime_steps_to_target_are_the_first_crossing_of_the_tuned_run(batch, share):
    """f(B) of a constant-γ strategy: the first crossing of the chosen run's path, not over its step limit."""
    strategy = Strategy(average="ewa", ema_decay=None, momentum=0.5)
    best = tuned_strategy_risk(PROBLEM, batch=batch, samples=64 * batch, strategy=strategy, search=LrSearch(grid=6),
                               ema=EmaSearch(per_octave=0.5))
    target = best.value / share
    found = tuned_strategy_steps(PROBLEM, batch=batch, target=target, max_steps=256, strategy=strategy,
                                 search=LrSearch(grid=6), ema=EmaSearch(per_octave=0.5))
    assert found.found and found.value <= 64  # the risk run reaches the target within its 64 steps
    path = strategy_path(PROBLEM, lr=found.lr, batch=batch, steps=256, strategy=found.strategy)
    first = int(np.flatnonzero(path.evaluated <= target)[0]) + 1
    assert first - 1 < found.value <= first


def test_a_strategy_measurement_reports_its_choices():
    measured = measure_cbs_scaling(PROBLEM, [384], strategy=Strategy(average="ewa", ema_decay=None, momentum=None),
                                   search=LrSearch(grid=6), ema=EmaSearch(per_octave=0.5), cache=None)[0]
    chosen = measured.hyperparameters
    assert measured.strategy["ema_decay"] is None and measured.iterate == "ewa"
    assert set(chosen["risk"]["momentum"]) <= set(MOMENTA) and np.all(np.isnan(chosen["steps"]["horizon"]))
    taus = chosen["steps"]["ema_decay"]
    reached = np.isfinite(measured.steps)  # a batch size that never reaches the target has no choice to report
    assert np.all((taus[reached] >= 0) & (taus[reached] < 1)) and np.all(np.isnan(taus[~reached]))
    data = measured.to_dict()
    assert data["strategy"]["average"] == "ewa" and len(data["hyperparameters"]["risk"]["ema_decay"]) == len(
        data["batch_sizes"])


def test_strategies_are_compared_on_the_largest_r_opt_of_the_compared_ones():
    problem = LinRegProblem.power_law(1.5, 2.5, 20)
    compared = compare_strategies(problem, 192, momenta=(0.5,), cache=None)
    assert compared.target == max(compared.r_opt[name] for name in compared.compared)
    assert "constant" not in compared.compared and compared.r_opt["constant"] > compared.target  # counted, not compared
    for name in compared.compared:  # each compared strategy reaches the target within D samples at its own B_opt
        assert np.nanmin(compared.steps[name] * compared.batch_sizes) <= 192 * (1 + 1e-12)
    np.testing.assert_array_equal(compared.ratio("cosine"), compared.steps["cosine"] / compared.steps["constant + EWA"])
    assert np.all(np.isfinite(compared.momentum_ratio(0.5)[:3]))
    assert set(compared.to_dict()["momentum_steps"]) == {"0.5"}
    with pytest.raises(InvalidParameter, match="^compared: must be names of the strategies given"):
        compare_strategies(problem, 192, compared=("adam",), cache=None)
