"""Theorem 4.1 of the SCG batch-size paper: eq. 34, its regimes and the BST point derived with sympy; eq. 25 ≤ 26."""

import math

import numpy as np
import pytest
import sympy as sp
from hypothesis import given
from hypothesis import strategies as st

from batchlab.theory import scg
from batchlab.theory.scg_symbolic import (
    THEOREM_TERMS,
    L,
    T,
    b,
    budget_terms,
    c,
    derive_budget_error,
    derive_recursion,
    derive_regimes,
    mu,
    rho,
    sigma_star,
)

from tolerances import ROUNDING_RTOL


def test_eq34_follows_from_the_theorems_iteration_count():
    """Solving each term of Theorem 4.1's K for ε at K = T/b, σ = σ*/√b gives eq. 34 term by term, and the term the
    paper drops (eq. 35) is below the noise term exactly when b ≤ T: their ratio is (b/T)^{2/3}."""
    terms = derive_budget_error()
    starved, flat, noise, dropped = (terms[name] for name in THEOREM_TERMS)
    stated = [128 * L * b * sp.exp(3 * c) / (mu**2 * T),
              (128 * L * sp.exp(6 * c) * (32 * rho * sigma_star) ** 2 / (mu**4 * T)) ** sp.Rational(1, 3),
              32 * sp.exp(3 * c / 2) * rho * sigma_star / (mu * (T**2 * b) ** sp.Rational(1, 6))]
    for got, want in zip((starved, flat, noise), stated):
        assert sp.simplify(got / want) == 1
    assert sp.simplify(dropped / noise - (b / T) ** sp.Rational(2, 3)) == 0


@pytest.mark.parametrize("constants", [True, False])
def test_the_bst_point_and_the_regime_boundaries(constants):
    r = derive_regimes(constants)
    scale = (T * mu * rho * sigma_star / L) ** sp.Rational(2, 3)
    factor = 2 ** sp.Rational(-4, 3) * sp.exp(-c) if constants else 1
    assert sp.simplify(r["bst"] / (factor * scale)) == 1
    noise_factor = sp.exp(-3 * c) / 16 if constants else 1
    assert sp.simplify(r["noise_boundary"] / (noise_factor * (mu * rho * sigma_star / L) ** 2)) == 1
    assert r["exponent"] == sp.Rational(2, 3) and r["no_flat_exponent"] == sp.Rational(4, 7)
    assert sp.simplify(r["flat_exists_below"] - (4 * sp.exp(3 * c / 2) if constants else 1) * sp.sqrt(T)) == 0
    if constants:  # the theorem's α at its own BST point: exactly 1, for every L, μ, ρ, σ*, T, c
        assert r["alpha_at_bst"] == 1


def test_eq26_is_eq25_unrolled():
    result = derive_recursion()
    assert all(sp.simplify(got - want) == 0 for got, want in zip(result["inputs_over_q"], result["stated"]))
    assert sp.simplify(result["momentum_sum"] - 1 / sp.Symbol("alpha", positive=True)) == 0


positive = st.floats(1e-2, 1e2)


@given(L_=positive, mu_=positive, rho_=positive, s=positive, log_t=st.floats(6, 12), c_=st.floats(0.1, 3),
       constants=st.booleans(), log_b=st.floats(0, 12))
def test_bst_point_minimises_eq34_and_is_its_largest_minimiser(L_, mu_, rho_, s, log_t, c_, constants, log_b):
    """At any other B·S the eq. 34 error is at least its value at the minimiser; with a flat regime the minimiser is
    BS* and every larger B·S is strictly worse (iteration-starved); the regimes order noise < BS_noise ≤ flat ≤ BS*."""
    tokens, bs = 10**log_t, 10**log_b
    point = scg.bst_point(L_, mu_, rho_, s, tokens, c_, constants)
    best, _ = scg.budget_error(L_, mu_, rho_, s, tokens, point.bs_minimiser, c_, constants)
    other, regime = scg.budget_error(L_, mu_, rho_, s, tokens, bs, c_, constants)
    assert other >= best * (1 - 1e-12)
    if point.flat_regime:
        assert point.bs_noise_boundary <= point.bs_star and math.isclose(best, point.error, rel_tol=1e-12)
        if bs > point.bs_star * (1 + 1e-9):
            assert other > point.error and regime == "iteration-starved"
        elif bs < point.bs_noise_boundary * (1 - 1e-9):
            assert regime == "noise-dominated"
        else:
            assert math.isclose(other, point.error, rel_tol=1e-9)


@given(K=st.integers(10, 2000), c_=st.floats(0.05, 2), eta=st.floats(0.1, 10), alpha=st.floats(1e-3, 1),
       L_=st.floats(0.01, 10), mu_=st.floats(0.01, 2), rho_=st.floats(0.1, 10), sigma=st.floats(0, 1),
       delta0=st.floats(0.01, 10))
def test_the_recursion_with_equality_stays_below_eq26(K, c_, eta, alpha, L_, mu_, rho_, sigma, delta0):
    """eq. 25 run with equality (its worst case) never exceeds eq. 26 at any k ≤ K with the same β = c/K (q ≤ 1)."""
    beta = c_ / K
    if mu_ * beta * eta / (2 * math.exp(1.5 * c_)) > 1:
        return  # q > 1: outside the lemma's range (2‖x_0‖ ≤ η and the KL bound make q ≤ 1 there)
    e = scg.recursion_eq25(K, c_, eta, alpha, L_, mu_, rho_, sigma, delta0)
    bound = scg.bound_eq26(K, c_, eta, alpha, L_, mu_, rho_, sigma, delta0)
    assert e[-1] <= bound * (1 + 1e-12)


def test_theorem_parameters_reach_the_budget_error():
    """Theorem 4.1's K at ε, with K = T/b and the log factor, is eq. 34 read backwards: at the BST point's error the
    iteration count is T/BS* times log(2Δ_0/ε), and β = c/K."""
    L_, mu_, rho_, s, tokens, c_ = 7.2, 3.1, 62.7, 1.0, 1.3e9, 1.0
    point = scg.bst_point(L_, mu_, rho_, s, tokens, c_)
    sigma = s / math.sqrt(point.bs_star)
    params = scg.theorem_parameters(point.error, c_, L_, mu_, rho_, sigma, delta0=10 * point.error)
    assert params["iterations"] == pytest.approx(point.iterations * math.log(20.0), rel=1e-9)
    assert params["beta"] == pytest.approx(c_ / params["iterations"], rel=ROUNDING_RTOL)
    assert params["alpha"] == pytest.approx(point.alpha, rel=ROUNDING_RTOL)


def test_transfer_rules():
    """eq. 9 is eq. 8 applied to eq. 7 (β·K invariant), and the square-root rule moves B·S and β by √(T₁/T₀)."""
    bs1, beta1 = scg.transfer_bst(2**18, 3.6e-4, 1.3e9, 10.8e9, L=(7.2, 10.6), mu=(3.1, 2.9), rho=(62.7, 111.9))
    assert beta1 == pytest.approx(3.6e-4 * (bs1 / 2**18) * (1.3e9 / 10.8e9), rel=ROUNDING_RTOL)
    assert scg.transfer_sqrt(2**18, 3.6e-4, 1.3e9, 4 * 1.3e9) == pytest.approx((2**19, 1.8e-4))
    assert scg.transfer_bst(100.0, 1e-3, 1.0, 8.0) == pytest.approx((400.0, 1e-3 / 2))
    assert np.isfinite(bs1) and bs1 > 2**18


def test_budget_terms_without_constants_are_the_short_form():
    terms = budget_terms(False)
    assert tuple(terms) == scg.REGIMES
    noise, flat, starved = terms.values()
    assert sp.simplify(starved - L * b / (mu**2 * T)) == 0
    assert sp.simplify(noise * mu * (T**2 * b) ** sp.Rational(1, 6) - rho * sigma_star) == 0
    assert flat.free_symbols == {L, rho, sigma_star, mu, T}


@pytest.mark.parametrize("constants", [True, False])
def test_each_numeric_term_is_named_for_its_regime(constants):
    """The names cannot be swapped: in B·S the noise-dominated term falls (as (B·S)^(-1/6)), the flat one is constant
    and the iteration-starved one grows linearly, and REGIMES orders them by B·S."""
    at = [scg.budget_error_terms(7.2, 3.1, 62.7, 1.0, 1.3e9, bs, constants=constants) for bs in (1e3, 64e3)]
    assert tuple(at[0]) == tuple(at[1]) == scg.REGIMES
    growth = {name: at[1][name] / at[0][name] for name in scg.REGIMES}
    assert growth == pytest.approx({"noise-dominated": 64 ** (-1 / 6), "flat": 1.0, "iteration-starved": 64.0},
                                   rel=ROUNDING_RTOL)
    assert scg.budget_error(7.2, 3.1, 62.7, 1.0, 1.3e9, 1.0, constants=constants)[1] == "noise-dominated"
    assert scg.budget_error(7.2, 3.1, 62.7, 1.0, 1.3e9, 1e12, constants=constants)[1] == "iteration-starved"
