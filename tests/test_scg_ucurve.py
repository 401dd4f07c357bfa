"""The U-curve on the standard experiment (sim.scg.STANDARD): its shape, the measured BST exponent against 2/3,
where the simulation departs from the bound's picture, and what is tuned on it: β·K, α, the transfer and restart
rules."""

import numpy as np
import pytest

from batchlab.sim.scg import (
    STANDARD,
    QuadraticProblem,
    bst_exponent,
    restart_runs,
    scg_monte_carlo,
    tuned_alpha,
    u_curves,
)
from batchlab.sim.sweep import DEFAULT
from batchlab.theory import scg

from tolerances import assert_apart

pytestmark = pytest.mark.slow  # the standard experiment's U-curves: 59 s cold on 2 cores


# The gallery's own sweeps (the default cache, keyed by configuration and code): after `batchlab figures` they are
# read, not recomputed, and the claims are checked on the very numbers the figures show.
@pytest.fixture(scope="module")
def curves():
    return u_curves(QuadraticProblem.power_law(100), cache=DEFAULT, **STANDARD)


SETTINGS = STANDARD["settings"]


def test_every_budget_has_a_u_shaped_curve(curves):
    """The tuned error at the measured BS* is below both ends of the B·S range (2^4 and 2^15) at every budget."""
    for curve in curves:
        k = int(np.argmin(curve.error))
        assert 0 < k < curve.bs.size - 1 and not curve.at_edge
        assert curve.error[k] < curve.error[0] and curve.error[k] < curve.error[-1]


def test_measured_bst_exponent_is_two_thirds_within_a_tenth(curves):
    """Log-log slope of BS*(T) over T = 2^16..2^22 (1.8 decades): 0.647 measured; band ±0.1 around 2/3 (the argmin
    is refined by a parabola on a factor-2 grid, which leaves about ±0.05 per point at 32 runs)."""
    assert abs(bst_exponent(curves) - 2 / 3) < 0.1


def test_there_is_no_flat_regime_and_the_bound_brackets_bs_star(curves):
    """eq. 34 predicts a flat error from the noise boundary (≈ 0 here) up to BS*; the simulation keeps improving
    with B·S instead: at 2^22 tokens the error at B·S = 16 is 22× the error at BS* (≥ 5 asserted). Measured BS* lies
    between the bound's BS* with Theorem 4.1's constants (3.5× lower) and without them (2× higher) at every budget."""
    problem = QuadraticProblem.power_law(100)
    k = problem.constants(SETTINGS.lmo, SETTINGS.radius)
    largest = curves[-1]
    assert largest.error[0] / np.min(largest.error) > 5
    for curve in curves:
        with_constants, short = (scg.bst_point(k["L"], k["mu"], k["rho"], SETTINGS.sigma_star, curve.tokens, 1.0,
                                               constants=flag).bs_star for flag in (True, False))
        assert with_constants < curve.bs_star < short


def test_tuned_beta_k_is_invariant_at_bs_star_but_not_along_the_curve(curves):
    """The BST rule's β* = c/K with c fixed (eq. 5): at the grid point nearest BS* the tuned c = βK is ½ at all four
    budgets; along one curve it is not constant, falling from 2–4 at B·S = 16 to ½ (c-grid ¼..8)."""
    at_star = [curve.c[curve.nearest] for curve in curves]
    assert len(set(at_star)) == 1
    assert all(curve.c[0] >= 4 * at_star[0] for curve in curves)


def test_bst_and_square_root_transfers_both_reach_the_tuned_optimum_keeping_everything_fixed_does_not(curves):
    """From the tuned point at T₀ = 2^16 (B·S = 1024, β = c/K) to T₁ = 2^22: the BST rule (eqs. 7, 9: B·S 16384) and the
    square-root rule (eqs. 16–17: B·S 8192) both keep βK = ½ and land within 5% of the tuned optimum at T₁ (measured
    +0.6% and −0.7%, 64 runs; the U-curve is flat around BS* there), while keeping B·S and β (the μP choice) is 13.6×
    worse (≥ 5 asserted): on this problem what the transfer must keep is βK, and the exponent hardly matters."""
    problem = QuadraticProblem.power_law(100)
    first, last = curves[0], curves[-1]
    k = int(np.argmin(first.error))
    bs0, beta0 = first.bs[k], first.beta[k]
    optimum = np.min(last.error)

    def error(bs, beta):
        run = scg_monte_carlo(problem, SETTINGS, batch=int(round(bs)), tokens=last.tokens, beta=beta, reps=64, seed=5)
        return run.mean[0]

    for rule in (scg.transfer_bst, scg.transfer_sqrt):
        assert abs(error(*rule(bs0, beta0, first.tokens, last.tokens)) / optimum - 1) < 0.05
    assert error(bs0, beta0) / optimum > 5


def test_tuned_alpha_stays_near_a_tenth_across_budgets_and_the_theorem_alpha_is_worse(curves):
    """c tuned per α on α ∈ {0.025..1} at the grid B·S nearest BS* of each budget: the tuned α is in [0.05, 0.2] at
    every budget (measured 0.14, 0.1, 0.07, 0.07 over T = 2^16..2^22; the paper: ≈ 0.09 at all budgets) and the
    α = 1 that Theorem 4.1 prescribes at the BST point is 1.5–3.6× worse than the tuned α (≥ 1.3 asserted)."""
    nearest = [(c.tokens, int(c.bs[c.nearest])) for c in curves]
    scans = tuned_alpha(QuadraticProblem.power_law(100), SETTINGS, nearest,
                        alphas=(0.025, 0.05, 0.07, 0.1, 0.14, 0.2, 0.4, 1.0), cache=None,
                        **{k: STANDARD[k] for k in ("c_grid", "reps", "seed")})
    for scan in scans:
        assert 0.05 <= scan.alpha <= 0.2
        assert scan.error[-1] / np.nanmin(scan.error) > 1.3


def test_restart_beats_fixed_settings_and_meets_the_large_batch_run(curves):
    """Delayed data (sim.scg.restart_runs): tuned at T₀ = 2^18 (B·S 2048, βK = ½), then T₁ = 2^22 arrives. At T₁ the
    restart (eqs. 7–8 from T₀ on: B·S 13004, β/2.4) is within 10% of the tuned optimum (measured −5%) and of the
    fixed large-batch run (measured −4%, 2 SE); keeping the T₀ settings (μP-style) is 5.6× worse (≥ 3 asserted).
    At 2T₀ the restart is ahead of the large-batch run by 19× (≥ 5 asserted): it has the first T₀ tokens' progress.
    Resetting the momentum at the restart changes the final error by < 1%."""
    problem, base = QuadraticProblem.power_law(100), curves[1]
    delayed = dict(tokens_from=base.tokens, tokens_to=curves[-1].tokens, bs=int(base.bs[base.nearest]),
                   beta=base.beta[base.nearest], reps=64, seed=7)
    runs = restart_runs(problem, SETTINGS, **delayed).runs
    final = {name: run.mean[-1] for name, run in runs.items()}
    assert abs(final["restart"] / np.nanmin(curves[-1].error) - 1) < 0.1
    assert abs(final["restart"] / final["large"] - 1) < 0.1
    assert final["fixed"] / final["restart"] > 3

    def at(run, tokens):
        return run.mean[np.searchsorted(run.tokens, tokens)]

    assert at(runs["large"], 2 * base.tokens) / at(runs["restart"], 2 * base.tokens) > 5
    reset = restart_runs(problem, SETTINGS, **delayed, reset="momentum").runs["restart"]
    assert abs(reset.mean[-1] / final["restart"] - 1) < 0.01


def test_with_the_experiments_warmdown_the_restart_ends_ahead(curves):
    """The same delayed-data runs with the linear warmdown over the last 28% of every stage (same peak β): at T₁ the
    restart is 23% below the fixed large-batch run (measured; > 10% and > 4 SE asserted) and the fixed (μP)
    settings are 3.0× above the restart (> 2 asserted). The paper reports restarts matching large batches at the
    end; here the warmdown of the restart's first stage helps it further."""
    base = curves[1]
    runs = restart_runs(QuadraticProblem.power_law(100), SETTINGS, tokens_from=base.tokens,
                        tokens_to=curves[-1].tokens, bs=int(base.bs[base.nearest]), beta=base.beta[base.nearest],
                        schedule="warmdown", reps=64, seed=7).runs
    restart, large, fixed = (runs[name] for name in ("restart", "large", "fixed"))
    assert large.mean[-1] / restart.mean[-1] > 1.1
    assert_apart(large.mean[-1], large.stderr[-1], restart.mean[-1], restart.stderr[-1])
    assert fixed.mean[-1] / restart.mean[-1] > 2
