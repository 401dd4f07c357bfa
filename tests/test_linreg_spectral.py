"""The spectral exact engine against the recursion, and its divided differences against 90-digit arithmetic."""

import math

import mpmath
import numpy as np
import pytest

from batchlab.sim.errors import InvalidParameter
from batchlab.sim.linreg import LinRegProblem, exact_risk, final_risk, risk_path, spectral_map, steps_to
from batchlab.sim.linreg import _divided as dd

from tolerances import EXACT_RTOL

RISKS = ("last", "averaged", "tail_averaged", "bias", "variance", "bias_last", "variance_last")
# Divided differences vs 90 digits: x = 1 − ε carries the rounding of log1p(−ε) times n into xⁿ (relative
# n·|log x|·1e-16, ~1e-13 at n|log x| ~ 500 before xⁿ underflows), and the recursive formulas lose at
# most two digits (:mod:`batchlab.sim.linreg._divided`).
DIVIDED_RTOL = 1e-12


def _exact_divided(ea, eb, n):
    """(f[1, xa], f[xa, xb], f[1, xa, xb], f[1, 1, xa, xb]) for f = xⁿ, xa = 1 − εa ≠ xb, in 90-digit arithmetic.

    The recursive formulas cancel up to (n·ε)^−3 here, which 90 digits absorb for ε ≥ 1e-12.
    """
    with mpmath.workdps(90):
        xa, xb = 1 - mpmath.mpf(ea), 1 - mpmath.mpf(eb)
        one_a = (1 - xa**n) / (1 - xa)
        one_b = (1 - xb**n) / (1 - xb)
        a_b = (xa**n - xb**n) / (xa - xb)
        one_a_b = (one_a - a_b) / (1 - xb)
        one_one_a = (n - one_a) / (1 - xa)
        return tuple(float(v) for v in (one_a, a_b, one_a_b, (one_one_a - one_a_b) / (1 - xb), one_b))


def _random_points(rng):
    """Rates from 1e-12 to 2, often within 1e-9..1e-1 of each other, and n from 1 to 2^40."""
    n = float(int(2.0 ** rng.uniform(0, 40)))
    ea = min(2.0, 10 ** rng.uniform(-12, 0.3))
    eb = ea * (1 + rng.choice([-1, 1]) * 10 ** rng.uniform(-9, -1)) if rng.random() < 0.5 else \
        min(2.0, 10 ** rng.uniform(-12, 0.3))
    return n, ea, min(eb, 2.0)


def test_divided_differences_match_90_digit_arithmetic():
    rng = np.random.default_rng(3)
    worst = 0.0
    for _ in range(400):
        n, ea, eb = _random_points(rng)
        if ea == eb:
            continue
        exact = _exact_divided(ea, eb, int(n))[:4]
        got = (dd.geometric(ea, n), dd.first(ea, eb, n), dd.second(ea, eb, n), dd.third(ea, eb, n))
        worst = max([worst] + [abs(g - e) / abs(e) for g, e in zip(got, exact) if e != 0.0])
    assert worst <= DIVIDED_RTOL, worst


def test_difference_quotients_of_apart_rates_match_90_digit_arithmetic():
    """The O(d²) sums' fast path, at random points and where it is worst (n·ε near 1/4, rates APART apart)."""
    rng = np.random.default_rng(4)
    points = [_random_points(rng) for _ in range(3000)]
    for n in (1e3, 1e6, 1e9):
        for eb in (0.01 / n, 0.24 / n, 0.25 / n, 0.26 / n, 0.3 / n):
            points += [(n, dd.APART * eb, eb), (n, (1 - dd.APART) * eb, eb)]
    worst, checked = 0.0, 0
    for n, ea, eb in points:
        ea = min(ea, 1.0)  # a mode's rate: its μ = 1 − ν is ≥ 0
        if not dd.apart(ea, eb):
            continue
        c = dd.binomials(n)
        if n * max(ea, eb) <= dd.SERIES_BELOW:
            (ga, sa), (gb, sb) = dd.beyond_linear(ea, c), dd.beyond_linear(eb, c)
        else:
            ga, gb, sa, sb = dd.geometric(ea, n), dd.geometric(eb, n), dd.second(0.0, ea, n), dd.second(0.0, eb, n)
        got = dd.second_third_apart(ea, eb, ga, gb, sa, sb, c, n * max(ea, eb) <= dd.SERIES_BELOW)
        exact = _exact_divided(ea, eb, int(n))[2:4]
        worst = max([worst] + [abs(g - e) / abs(e) for g, e in zip(got, exact) if e != 0.0])
        checked += 1
    assert checked >= 1000 and worst <= DIVIDED_RTOL, (checked, worst)


def _random_problem(rng, d, sigma):
    return LinRegProblem.from_arrays(np.exp(rng.uniform(-6, 1, d)), rng.normal(size=d), sigma)


@pytest.mark.parametrize("seed", range(4))
def test_spectral_engine_matches_the_recursion(seed):
    """Random spectra, B = 1..64, σ = 0 or not, γ from 0.1 to within 1e-6 of the stability limit: 1e-10."""
    rng = np.random.default_rng(seed)
    for _ in range(25):
        d = int(rng.integers(1, 60))
        batch = int(rng.choice([1, 2, 3, 8, 64]))
        problem = _random_problem(rng, d, float(rng.choice([0.0, 0.5, 2.0])))
        lr = float(rng.choice([0.1, 0.5, 0.9, 1 - 1e-6])) * problem_limit(problem, batch)
        samples = batch * int(rng.integers(1, 3000))
        ref = exact_risk(problem, lr=lr, batch=batch, samples=samples, method="recursion")
        got = exact_risk(problem, lr=lr, batch=batch, samples=samples, method="spectral")
        assert got.engine == "spectral" and not got.diverged
        np.testing.assert_allclose([getattr(got, k) for k in RISKS], [getattr(ref, k) for k in RISKS],
                                   rtol=EXACT_RTOL, atol=0)


def problem_limit(problem, batch):
    return exact_risk(problem, lr=1e-9, batch=batch, samples=batch, method="recursion").lr_max


def test_spectral_engine_at_many_steps_and_its_second_moments():
    """n = 2^22 steps (the recursion's reference takes a second at d = 6), and E[η_n²] per coordinate."""
    problem = LinRegProblem.power_law(1.5, 2.5, 6, 0.7)
    lr, steps = 0.8 * problem_limit(problem, 4), 2**22
    ref = exact_risk(problem, lr=lr, batch=4, samples=4 * steps, method="recursion")
    got = exact_risk(problem, lr=lr, batch=4, samples=4 * steps, method="spectral")
    # The last iterate's bias has decayed to the subnormals (1e-323 against 0): atol = 1e-300 covers underflow only.
    np.testing.assert_allclose([getattr(got, k) for k in RISKS], [getattr(ref, k) for k in RISKS], rtol=EXACT_RTOL,
                               atol=1e-300)
    moments = spectral_map(problem, lr=lr, batch=4).second_moments(1000)
    np.testing.assert_allclose(moments, risk_path(problem, lr=lr, batch=4, steps=1000).second_moments,
                               rtol=EXACT_RTOL)


def test_cost_does_not_grow_with_the_step_count():
    """The risk at n = 2^53 − 1 exists, is finite, and is below the risk at 2^40 (variance ∝ 1/n by then)."""
    problem = LinRegProblem.power_law(2.0, 3.0, 50, 1.0)
    lr = 0.5 * problem_limit(problem, 8)
    huge, large = (exact_risk(problem, lr=lr, batch=8, samples=8 * n, method="spectral") for n in (2**53 - 1, 2**40))
    assert 0.0 < huge.averaged < large.averaged and math.isfinite(huge.last)
    assert huge.variance == pytest.approx(large.variance * 2**40 / (2**53 - 1), rel=1e-3)


@pytest.mark.parametrize("iterate", ["averaged", "last"])
def test_first_step_at_or_below_a_target_matches_the_recursion(iterate):
    """Random settings, targets around the final risk (often never reached): the same step, 1e-10 fractional."""
    rng = np.random.default_rng(11)
    reached = 0
    for _ in range(60):
        d = int(rng.integers(1, 30))
        batch = int(rng.choice([1, 2, 8, 64]))
        problem = _random_problem(rng, d, float(rng.choice([0.0, 0.3, 1.0])))
        lr = float(rng.choice([0.1, 0.5, 0.9, 0.999])) * problem_limit(problem, batch)
        target = final_risk(problem, lr=lr, batch=batch, steps=3000, iterate=iterate, method="recursion") * \
            float(rng.uniform(0.9, 3.0))
        ref, got = (steps_to(problem, lr=lr, batch=batch, target=target, max_steps=3000, iterate=iterate, method=m)
                    for m in ("recursion", "spectral"))
        assert (math.isinf(ref) and math.isinf(got)) or got == pytest.approx(ref, rel=EXACT_RTOL, abs=1e-9)
        reached += math.isfinite(ref)
    assert 20 <= reached < 60


@pytest.mark.parametrize("iterate, fraction", [("last", 0.3), ("averaged", 0.9)])
def test_first_step_is_found_where_the_risk_is_not_monotone(iterate, fraction):
    """Noise large against R_0 (σ = 3): the risk dips, rises again, and the target is crossed in the dip only."""
    problem = LinRegProblem.from_arrays([1.0, 0.05, 0.01], [1.0, 0.3, 0.3], 3.0)
    lr = fraction * problem_limit(problem, 4)
    path = risk_path(problem, lr=lr, batch=4, steps=400)
    losses = path.last if iterate == "last" else path.averaged
    dip = int(np.flatnonzero(np.diff(losses) > 0)[0])  # the first local minimum
    target = 0.5 * (losses[dip] + losses[dip:].max())
    crossed = np.flatnonzero(losses <= target)
    assert crossed[0] <= dip and losses[-1] > target or np.any(np.diff(crossed) > 1)  # a bisection would miss it
    ref, got = (steps_to(problem, lr=lr, batch=4, target=target, max_steps=400, iterate=iterate, method=m)
                for m in ("recursion", "spectral"))
    assert got == pytest.approx(ref, rel=EXACT_RTOL) and got <= dip + 1


def test_divergence_is_reported_by_the_spectral_engine_too():
    problem = LinRegProblem.power_law(1.5, 2.5, 20, 1.0)
    lr = 1.5 * problem_limit(problem, 2)
    ref, got = (exact_risk(problem, lr=lr, batch=2, samples=2 * 5000, method=m) for m in ("recursion", "spectral"))
    assert ref.diverged and got.diverged and got.diverged_at == ref.diverged_at
    assert got.summary()["averaged"] is None


def test_spectral_engine_refuses_directions_that_decay_at_one_rate():
    # e = γλ(2 − γλ(B+1)/B) is the same for λ and 2B/(γ(B+1)) − λ: here λ = 0.75 and 0.25 at γ = 1, B = 1.
    problem = LinRegProblem.from_arrays([0.75, 0.25], [1.0, 1.0], 1.0)
    with pytest.raises(InvalidParameter, match="lr"):
        spectral_map(problem, lr=1.0, batch=1)
    assert exact_risk(problem, lr=1e-3, batch=1, samples=10**6).engine == "spectral"  # auto: fine elsewhere
