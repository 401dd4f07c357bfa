"""Each CBS definition on synthetic curves whose answer is known in closed form."""

import math

import numpy as np
import pytest
import sympy as sp
from hypothesis import given
from hypothesis import strategies as st

from batchlab.sim.critical_batch import definition3, fit_steps, linear_scaling_cbs, sfo_cbs
from batchlab.sim.errors import InvalidParameter
from batchlab.theory import critical_batch as th
from batchlab.theory import sfo as sfo_theory

from tolerances import ROUNDING_RTOL

FINE = 2.0 ** np.arange(0, 16, 0.125)  # a 2^(1/8) grid


def test_sympy_derives_the_papers_b_over_5a_plus_1_2_b_opt():
    solution, s = th.derive_linear_transition()
    assert sp.simplify(solution - (s["c"] * s["B_opt"] + (s["c"] - 1) * s["b"] / s["a"])) == 0
    paper = solution.subs(s["c"], sp.Rational(6, 5))
    assert sp.simplify(paper - (s["b"] / (5 * s["a"]) + sp.Rational(6, 5) * s["B_opt"])) == 0


@given(a=st.floats(1.0, 1e4), b=st.floats(1.0, 1e8), alpha=st.floats(0.5, 2.0), b_opt=st.floats(1.0, 1e3),
       c=st.floats(1.05, 3.0))
def test_transition_root_solves_its_equation_and_the_caption_formula_agrees_only_at_alpha_1(a, b, alpha, b_opt, c):
    root = th.transition_cbs(a, b, alpha, b_opt, c)
    assert root > b_opt
    lhs, rhs = (a + b * root**-alpha) * root, c * (a + b * b_opt**-alpha) * b_opt
    assert lhs == pytest.approx(rhs, rel=1e-9)
    assert th.transition_cbs(a, b, 1.0, b_opt, c) == pytest.approx(th.table6_cbs(a, b, 1.0, b_opt, c), rel=1e-9)


@pytest.mark.parametrize("s_min, b_noise, b0", [(100.0, 300.0, 1.0), (7.0, 40.0, 4.0), (1e4, 5.0, 1.0)])
def test_definition3_on_mccandlish_curve(s_min, b_noise, b0):
    """S(B) = S_min(1 + B_noise/B) from B_opt = b0: B* = c·B_opt + (c − 1)·B_noise, exactly (ρ is linear in B)."""
    batches = FINE[FINE >= b0]
    steps = th.mccandlish_steps(batches, s_min, b_noise)
    risks = np.linspace(1.0, 2.0, batches.size)  # increasing: B_opt = the first grid point
    result = definition3(batches, risks, steps)
    want = th.mccandlish_cbs(b0, b_noise)
    assert result.b_opt == b0 and result.b_star == pytest.approx(want, rel=ROUNDING_RTOL) and not result.censored
    assert result.b_star_grid <= want < result.b_star_grid * 2**0.125
    assert result.anchor == pytest.approx(b0 * s_min * (1 + b_noise / b0))
    for c in (1.1, 1.5):
        assert definition3(batches, risks, steps, overhead=c).b_star == pytest.approx(th.mccandlish_cbs(b0, b_noise, c))


def test_definition3_takes_the_largest_qualifying_batch_and_reports_censoring():
    batches = [1, 2, 4, 8, 16]
    risks = [1.0, 1.1, 1.2, 1.3, 1.4]
    # ratios 1, 1.3 (fails), 1.1 (qualifies again), 2 (fails), 1.0 (qualifies): the largest wins.
    steps = [16.0, 16 * 1.3 / 2, 16 * 1.1 / 4, 16 * 2.0 / 8, 16 * 1.0 / 16]
    result = definition3(batches, risks, steps)
    assert result.b_star_grid == 16 and result.b_star == 16 and result.censored
    steps[-1] = math.inf  # the last batch size never reaches the target: B* bracketed in [4, 8)
    result = definition3(batches, risks, steps)
    assert result.b_star_grid == 4 and result.b_star == pytest.approx(4 + (1.2 - 1.1) / (2.0 - 1.1) * 4)
    with pytest.raises(InvalidParameter, match="^steps: must be finite at B_opt"):
        definition3(batches, risks, [math.inf] + steps[1:])


@pytest.mark.parametrize("alpha", [0.8, 1.0, 1.3])
def test_fitted_form_recovers_its_parameters(alpha):
    a, b = 1293.83, 2834258.08  # Table 6's 85M row, with chosen α
    batches = 2.0 ** np.arange(6, 15)
    steps = a + b / batches**alpha
    fitted = fit_steps(batches, steps, b_opt=256, alpha=None)
    assert (fitted.a, fitted.b, fitted.alpha) == pytest.approx((a, b, alpha), rel=1e-6)
    assert fitted.cbs == pytest.approx(th.transition_cbs(a, b, alpha, 256), rel=1e-6)
    assert fitted.cbs_table6 == pytest.approx(th.table6_cbs(a, b, alpha, 256), rel=1e-6)
    assert fitted.rms_log_residual < 1e-8
    fixed = fit_steps(batches, steps, b_opt=256, alpha=1.0)
    assert not fixed.alpha_fitted and fixed.alpha == 1.0
    if alpha == 1.0:
        assert fixed.cbs == pytest.approx(b / (5 * a) + 1.2 * 256, rel=1e-9)


def test_fitted_form_pure_linear_scaling_has_no_finite_cbs():
    batches = 2.0 ** np.arange(0, 10)
    fitted = fit_steps(batches, 1e4 / batches, b_opt=1.0)
    assert fitted.a == pytest.approx(0.0, abs=1e-6) and fitted.cbs > 1e6


def test_sfo_on_the_iiduka_template():
    """K(B) = X·B/(ε'B − Y) (inf where ε'B ≤ Y): B·K(B) is minimal at 2Y/ε'."""
    x, y, eps = 3.0, 40.0, 0.5
    with np.errstate(divide="ignore"):
        steps = np.where(eps * FINE > y, x * FINE / (eps * FINE - y), np.inf)
    result = sfo_cbs(FINE, steps)
    assert result.b_star == pytest.approx(sfo_theory.optimal_batch(y, eps), rel=0.01) and not result.at_edge
    assert abs(math.log2(result.b_star_grid / 160.0)) <= 1 / 16
    linear = sfo_cbs(FINE, 1e4 / FINE + 1.0)  # B·K increasing: the smallest batch, flagged
    assert linear.b_star == 1.0 and linear.at_edge


@given(s_min=st.floats(1.0, 1e4), b_noise=st.floats(0.5, 1e4), b0_log2=st.integers(0, 4),
       spacing=st.sampled_from([0.25, 0.5, 1.0]), c=st.floats(1.05, 2.0))
def test_definition3_bounds_on_any_mccandlish_grid(s_min, b_noise, b0_log2, spacing, c):
    """On any grid: B_opt < B*_grid ≤ B* < the next grid point, the ratio is ≤ c at B*_grid and > c just past B*,
    and B* grows with the overhead factor; with ρ linear in B the interpolation is exact unless censored."""
    batches = 2.0 ** np.arange(b0_log2, 20, spacing)
    steps = th.mccandlish_steps(batches, s_min, b_noise)
    risks = np.arange(batches.size, dtype=float)
    result = definition3(batches, risks, steps, overhead=c)
    want = th.mccandlish_cbs(batches[0], b_noise, c)
    if result.censored:
        assert want >= batches[-1] and result.b_star == batches[-1]
        return
    assert result.b_star == pytest.approx(want, rel=1e-9)
    k = int(np.searchsorted(batches, result.b_star, side="right")) - 1
    assert result.overhead_ratio[k] <= c < result.overhead_ratio[k + 1]
    if result.b_star_grid is not None:
        assert batches[0] < result.b_star_grid == batches[k] <= result.b_star
    assert definition3(batches, risks, steps, overhead=c + 0.1).b_star >= result.b_star


def test_warnings_name_a_censored_or_grid_hinging_cbs_and_the_flag():
    """Censored: every grid point is within the overhead. Sparse: the bracketing batch sizes are > 2x apart. A grid
    that brackets B* within 2x gives no warning; each warning names the flag that mends it."""
    from batchlab.sim.critical_batch import SPARSE_GRID_RATIO, grid_warnings

    dense = np.array([1.0, 2, 4, 8, 16, 32, 64])
    steps = 100.0 * (1 + 10.0 / dense)  # S_min(1 + B_noise/B) with B_noise = 10: B* = 3.2, between 2 and 4
    result = linear_scaling_cbs(dense, steps, reference=1.0)
    assert grid_warnings(dense, result) == ()
    sparse = dense[[0, 4, 6]]  # 1, 16, 64: B* falls between 1 and 16
    (warning,) = grid_warnings(sparse, linear_scaling_cbs(sparse, steps[[0, 4, 6]], reference=1.0))
    assert "16x apart" in warning and "--batches" in warning and SPARSE_GRID_RATIO == 2
    flat = 100.0 / dense  # linear scaling throughout: never leaves the overhead
    (warning,) = grid_warnings(dense, linear_scaling_cbs(dense, flat, reference=1.0))
    assert warning.startswith("B* is censored") and "B* >= 64" in warning and "--batches" in warning


@given(b_noise=st.floats(0.5, 500.0), overhead=st.floats(1.05, 3.0), spacing=st.sampled_from([2, 4, 16]))
def test_refinement_finds_the_largest_integer_within_the_overhead(b_noise, overhead, spacing):
    """On S(B) = S_min(1 + B_noise/B) from B_ref = 1 the ratio (B + B_noise)/(1 + B_noise) rises through c once, so
    Definition 3's B* is the largest integer B with B ≤ c(1 + B_noise) − B_noise: bisection finds it on any grid,
    in ⌈log2(bracket)⌉ measurements, each at an integer strictly inside the bracket."""
    from batchlab.sim.critical_batch import refine_on_integers

    def steps(batch):
        return 1000.0 * (1 + b_noise / np.asarray(batch, dtype=float))

    grid = np.array([spacing**k for k in range(8)], dtype=float)
    paper = linear_scaling_cbs(grid, steps(grid), reference=1.0, overhead=overhead)
    calls = []

    def steps_at(requests):
        calls.append(requests)
        return [float(steps(batch)) for _, batch in requests]

    (refined,) = refine_on_integers([paper], steps_at)
    want = math.floor(overhead * (1 + b_noise) - b_noise + 1e-9)
    if paper.censored:
        assert refined is paper and not calls
        return
    low, high = paper.bracket
    assert refined.refined and refined.b_star == want and low <= want < high
    assert len(calls) == len(refined.refinement) <= math.ceil(math.log2(high - low))
    assert all(low < batch < high and float(batch).is_integer() for batch, _ in refined.refinement)
    assert refined.b_star_grid == paper.b_star_grid and refined.bracket == paper.bracket
