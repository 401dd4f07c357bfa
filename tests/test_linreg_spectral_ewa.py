"""Constant + EWA by the spectral engine: its divided differences against 120 digits, its risks and its certified
first passage against the strategy recursion."""

import math

import mpmath
import numpy as np
import pytest

from batchlab.sim.errors import InvalidParameter
from batchlab.sim.linreg import (
    LinRegProblem,
    Strategy,
    spectral_map,
    strategy_final_risk,
    strategy_path,
    strategy_steps_to,
)
from batchlab.sim.linreg._divided import divided
from batchlab.sim.linreg._spectral_ewa import ewa_first_below, ewa_risk

from tolerances import EXACT_RTOL

# divided() vs 120 digits, points of one sign: the recursion loses at most log10(4k) digits per level once a span
# is 1/(4n) of |x| (below that, the series), and xⁿ carries n·|log x|·1e-16 from log1p (module docstrings).
DIVIDED_RTOL = 1e-12


def _exact_divided(rates, n):
    """f[x_0..x_k] for f = xⁿ at distinct x_i = 1 − rates[i], by the partial-fraction sum in 160-digit arithmetic."""
    with mpmath.workdps(160):
        xs = [1 - mpmath.mpf(r) for r in rates]
        return sum(x**n / mpmath.fprod(x - y for y in xs if y is not x) for x in xs)


def _random_rates(rng):
    """2 to 4 rates in [0, 2] and n up to 2^45: far apart, clustered at 1e-9..0.3 relative, near 0, 1 and 2."""
    n = float(int(2.0 ** rng.uniform(0, 45)))
    rates = [min(2.0, 10 ** rng.uniform(-14, 0.3))]
    for _ in range(rng.integers(1, 4)):
        kind = rng.integers(4)
        if kind == 0:
            r = 10 ** rng.uniform(-14, 0.3)
        elif kind == 1:
            r = rates[rng.integers(len(rates))] * (1 + rng.choice([-1, 1]) * 10 ** rng.uniform(-9, -0.5))
        elif kind == 2:
            r = 0.0 if rng.random() < 0.5 else 1.0 + rng.choice([-1, 1]) * 10 ** rng.uniform(-6, -0.5)
        else:
            r = 10 ** rng.uniform(-2, 2) / n  # where the series takes over
        rates.append(float(min(2.0, max(0.0, r))))
    return np.array(rates), n


def test_divided_differences_at_up_to_four_points_match_160_digit_arithmetic(observe):
    rng = np.random.default_rng(1)
    worst = 0.0
    for _ in range(3000):
        rates, n = _random_rates(rng)
        if len(set(rates.tolist())) < rates.size or n < rates.size - 1:
            continue
        exact = _exact_divided(rates.tolist(), int(n))
        if abs(exact) < 1e-280:  # underflow
            continue
        got = divided(rates, n)
        if rates.max() <= 1.0 or rates.min() >= 1.0:  # one sign: relative accuracy
            worst = max(worst, float(abs((got - exact) / exact)))
        else:  # points on both sides of 0 cancel in exact arithmetic too: accuracy relative to the terms
            assert abs(got - exact) <= 1e-13 * max(1.0, float(abs(exact)) * 1e3)
    observe("EWA divided differences, worst relative error vs 160 digits", worst)
    assert worst <= DIVIDED_RTOL


def test_equal_points_give_the_derivative():
    """f[x, x, x] = C(n, 2)x^(n−2) and f[1, x, x, x] at n = 3 is 1: repeated points are exact."""
    assert divided(np.array([0.3, 0.3, 0.3]), 10.0) == pytest.approx(45 * 0.7**8, rel=1e-15)
    assert divided(np.array([0.0, 0.4, 0.4, 0.4]), 3.0) == pytest.approx(1.0, rel=1e-15)
    assert divided(np.array([0.5, 0.2, 0.9, 0.1]), 2.0) == 0.0  # a quadratic's third divided difference


def _random_case(rng):
    d = int(rng.integers(1, 40))
    problem = LinRegProblem.power_law(rng.uniform(1.05, 3.0), rng.uniform(0.5, 4.0), d,
                                      sigma=float(rng.choice([0.0, 0.5, 1.0])))
    batch = int(rng.choice([1, 2, 8, 64, 1024]))
    lr = problem.stability_limit(batch) * float(rng.choice([0.05, 0.3, 0.7, 0.95, 0.999]))
    tau = float(rng.choice([0.0, 0.3, 0.9, 0.99, 0.999, 0.99999]))
    return problem, batch, lr, tau


def test_ewa_risk_matches_the_recursion_at_every_scale_of_its_parameters(observe):
    """200 random spectra, B = 1..1024, γ up to 0.999 of the limit (γλ > 1 included), τ from 0 to 0.99999."""
    rng = np.random.default_rng(0)
    worst = 0.0
    for _ in range(200):
        problem, batch, lr, tau = _random_case(rng)
        steps = int(rng.integers(1, 3000))
        path = strategy_path(problem, lr=lr, batch=batch, steps=steps, strategy=Strategy(average="ewa", ema_decay=tau))
        spectral = spectral_map(problem, lr=lr, batch=batch)
        for m in sorted({1, min(2, steps), steps // 2 + 1, steps}):
            bias, variance = ewa_risk(spectral, m, tau)
            worst = max(worst, abs(bias + variance - path.evaluated[m - 1]) / path.evaluated[m - 1])
    observe("EWA spectral risk, worst relative gap to the recursion", worst)
    assert worst <= EXACT_RTOL


def test_ewa_risk_on_the_untruncated_spectrum_and_at_any_step_count():
    """Grouped directions (dim = inf) as the recursion carries them, up to 2^17 steps; at 2^40 steps still finite.

    (At a constant γ the risk levels off at the noise floor and then rises slowly, as ever slower directions
    come to it: 2^40 is above 2^20 here.)
    """
    problem = LinRegProblem.power_law(1.5, 2.5, "inf")
    lr, tau = 0.4 * problem.stability_limit(16), 0.999
    path = strategy_path(problem, lr=lr, batch=16, steps=2**17, strategy=Strategy(average="ewa", ema_decay=tau))
    spectral = spectral_map(problem, lr=lr, batch=16)
    for m in (1, 700, 4000, 2**17):
        assert sum(ewa_risk(spectral, m, tau)) == pytest.approx(path.evaluated[m - 1], rel=EXACT_RTOL)
    far = sum(ewa_risk(spectral, 2.0**40, tau))
    assert math.isfinite(far) and 0 < far < problem.initial_risk


def test_the_certified_first_passage_is_the_recursions_first_step(observe):
    """Targets anywhere on the path, at its least value (crossed only at a dip of a non-monotone risk) and below it;
    runs up to 10^6 steps, so that the certificate does the jumping (the recursion takes over where it stalls)."""
    rng = np.random.default_rng(1)
    evaluations = []
    for _ in range(60):
        problem, batch, lr, tau = _random_case(rng)
        steps = int(10 ** rng.uniform(1, 6))
        path = strategy_path(problem, lr=lr, batch=batch, steps=steps, strategy=Strategy(average="ewa", ema_decay=tau))
        spectral = spectral_map(problem, lr=lr, batch=batch)
        risks = path.evaluated
        for target in (risks[rng.integers(risks.size)] * (1 + 1e-9), risks.min() * (1 + 1e-12), risks.min() / 2):
            if target < 1e-12 * problem.initial_risk:  # below the rounding of the risk's scale
                continue
            below = np.flatnonzero(risks <= target)
            want = int(below[0]) + 1 if below.size else None
            got, count = ewa_first_below(spectral, tau, target, steps)
            evaluations.append(count)
            near = [step for step in (got, want) if step is not None]
            tied = bool(near) and abs(risks[min(near) - 1] - target) <= 1e-10 * target  # within rounding: either
            assert got == want or tied, (got, want)
    observe("EWA certified first passage, exact evaluations per search (max)", max(evaluations))
    assert max(evaluations) <= 10


@pytest.mark.parametrize("batch, share, tau", [(1, 0.3, 0.999), (16, 0.9, 0.99), (256, 0.99, 0.9)])
def test_engines_agree_through_the_strategy_functions(batch, share, tau):
    """strategy_final_risk and strategy_steps_to give one answer by either engine (fraction included)."""
    problem = LinRegProblem.power_law(1.5, 2.5, 100)
    strategy, lr = Strategy(average="ewa", ema_decay=tau), share * problem.stability_limit(batch)
    risks = [strategy_final_risk(problem, lr=lr, batch=batch, steps=30000, strategy=strategy, method=method)
             for method in ("spectral", "recursion", "auto")]
    assert risks[0] == pytest.approx(risks[1], rel=EXACT_RTOL) and risks[2] == risks[0]  # auto: spectral at 300d
    target = 1.05 * risks[1]
    passages = [strategy_steps_to(problem, lr=lr, batch=batch, target=target, max_steps=60000, strategy=strategy,
                                  method=method) for method in ("spectral", "recursion")]
    assert math.isfinite(passages[1]) and passages[0] == pytest.approx(passages[1], rel=1e-9)


def test_a_target_equal_to_a_step_of_the_path_is_reached_there_by_either_engine():
    """Targets that are the recursion's own risks at some step (ties within rounding between the engines): the
    spectral passage is finite and within a step of the recursion's (it was None when the sums put that step
    1e-13 above the target)."""
    problem = LinRegProblem.power_law(1.5, 2.5, 40)
    strategy = Strategy(average="ewa", ema_decay=0.99)
    for batch in (1, 8, 64):
        lr = 0.3 * problem.stability_limit(batch)
        path = strategy_path(problem, lr=lr, batch=batch, steps=3000, strategy=strategy)
        for step in (100, 700, 1500, 2999):
            target = float(path.evaluated[step - 1])
            run = dict(lr=lr, batch=batch, target=target, max_steps=3000, strategy=strategy)
            spectral, recursion = (strategy_steps_to(problem, **run, method=m) for m in ("spectral", "recursion"))
            assert math.isfinite(spectral) and abs(spectral - recursion) <= 1.0


def test_a_diverging_or_unsupported_run_is_reported_not_computed():
    problem = LinRegProblem.power_law(1.5, 2.5, 50)
    ewa = Strategy(average="ewa", ema_decay=0.99)
    blown = dict(lr=1.01 * problem.stability_limit(4), batch=4, steps=50000, strategy=ewa)
    assert strategy_final_risk(problem, **blown, method="recursion") == math.inf
    assert strategy_final_risk(problem, **blown, method="auto") == math.inf
    with pytest.raises(InvalidParameter, match="^method: must be 'auto' or 'recursion' for this strategy"):
        strategy_final_risk(problem, lr=0.1, batch=4, steps=100, strategy=ewa.replace(momentum=0.5),
                            method="spectral")
