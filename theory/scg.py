"""Stochastic conditional gradient (SCG) under μ-KL: Theorem 4.1 of Islamov et al. 2026 and what follows from it.

Notation ([Islamov 2026] in docs/references.md): β is the Frank–Wolfe step, α the weight of the new gradient in the
momentum average, η the LMO radius, ρ the norm-equivalence constant ‖x‖_* ≤ ρ‖x‖₂, σ* the noise of one token
(σ = σ*/√(BS)), T = K·B·S the token budget, c = β·K, Δ_0 = f(x_0) − f*. Errors are E[f(x_K) − f*].

* :func:`bound_eq26` and :func:`recursion_eq25`: the theorem's unrolled bound and the recursion it comes from.
* :func:`theorem_parameters`: η, α and K that Theorem 4.1 prescribes for a target ε.
* :func:`budget_error_terms`, :func:`bst_point`: eq. 34 at a token budget, its three regimes and the BST point
  BS* where the flat and iteration-starved regimes meet, each with the theorem's constants or without them
  (the paper's short form, eq. 3). Lambdified from :mod:`batchlab.theory.scg_symbolic`, where they are derived.
* :func:`transfer_bst`, :func:`transfer_sqrt`: the transfer rules eqs. 7–9 (12–13) and the square-root rule of
  App. C.1 (eqs. 16–17).
"""

import functools
import math
from dataclasses import dataclass

import numpy as np

# eq. 34's regimes in order of increasing B·S; every tuple or dict of its terms follows this order.
REGIMES = ("noise-dominated", "flat", "iteration-starved")


def bound_eq26(K, c, eta, alpha, L, mu, rho, sigma, delta0):
    """Eq. 26: E[f(x_K) − f*] ≤ (1 − q)^K Δ_0 + 2βηρσ/α + 4ρσ√α e^{3c/2}/μ + 4Lβηe^{3c/2}/μ + 8Lβηe^{3c/2}/(αμ).

    β = c/K, q = μβη/(2e^{3c/2}). Valid under Theorem 4.1's conditions (2‖x_0‖ ≤ η, K ≥ 2c, A1–A3, m_0 a fresh
    stochastic gradient) for any α ∈ (0, 1]. inf where it exceeds the largest float (e^{3c/2} alone does for
    c > 473).
    """
    beta = c / K
    try:
        grow = math.exp(1.5 * c)
        q = mu * beta * eta / (2.0 * grow)
        return ((1.0 - q) ** K * delta0 + 2.0 * beta * eta * rho * sigma / alpha
                + 4.0 * rho * sigma * math.sqrt(alpha) * grow / mu
                + 4.0 * L * beta * eta * grow / mu + 8.0 * L * beta * eta * grow / (alpha * mu))
    except OverflowError:
        return math.inf


def recursion_eq25(K, c, eta, alpha, L, mu, rho, sigma, delta0) -> np.ndarray:
    """Eq. 25 run with equality: e_0 = Δ_0, e_{k+1} = (1 − q)e_k + 2βηρσ(1 − α)^k + 4Lβ²η²/α + 2βηρσ√α + 2Lβ²η²."""
    beta = c / K
    q = mu * beta * eta / (2.0 * math.exp(1.5 * c))
    constant = (4 * L * beta**2 * eta**2 / alpha + 2 * beta * eta * rho * sigma * math.sqrt(alpha)
                + 2 * L * beta**2 * eta**2)
    e = np.empty(K + 1)
    e[0] = delta0
    for k in range(K):
        e[k + 1] = (1 - q) * e[k] + 2 * beta * eta * rho * sigma * (1 - alpha) ** k + constant
    return e


def theorem_parameters(epsilon, c, L, mu, rho, sigma, delta0) -> dict:
    """Theorem 4.1 (D.1): η, α and K (β = c/K) that guarantee E[f(x_K) − f*] ≤ ε."""
    log_term = math.log(2.0 * delta0 / epsilon)
    eta = 2.0 * math.exp(1.5 * c) / (mu * c) * log_term
    alpha = min(1.0, (epsilon * mu) ** 2 / ((32.0 * rho * sigma) ** 2 * math.exp(3.0 * c)))
    inner = max(0.5, 128 * L * math.exp(3 * c) / (epsilon * mu**2),
                32 * rho * sigma * math.exp(1.5 * c) / (epsilon * mu),
                128 * L * math.exp(6 * c) * (32 * rho * sigma) ** 2 / (mu * (epsilon * mu) ** 3),
                (32 * rho * sigma * math.exp(1.5 * c)) ** 3 / (epsilon * mu) ** 3)
    K = max(2.0 * c, inner * log_term)
    return {"eta": eta, "alpha": alpha, "iterations": K, "beta": c / K}


@functools.cache
def _lambdified(constants: bool):
    import sympy as sp  # lazily: sympy costs half a second to import

    from batchlab.theory.scg_symbolic import L, T, b, budget_terms, c, derive_regimes, mu, rho, sigma_star

    args = (L, mu, rho, sigma_star, T, c)
    regimes = derive_regimes(constants)
    functions = {name: sp.lambdify(args, regimes[name], "math") for name in
                 ("bst", "noise_boundary", "error_at_bst", "flat_exists_below", "no_flat_minimiser")}
    functions["terms"] = sp.lambdify(args + (b,), list(budget_terms(constants).values()), "math")
    return functions


def budget_error_terms(L, mu, rho, sigma_star, tokens, bs, c=1.0, constants=True) -> dict[str, float]:
    """Eq. 34's terms at B·S = ``bs`` (log factor dropped), {regime: term} in the order of :data:`REGIMES`."""
    values = _lambdified(constants)["terms"](L, mu, rho, sigma_star, tokens, c, bs)
    return {name: float(value) for name, value in zip(REGIMES, values, strict=True)}


def budget_error(L, mu, rho, sigma_star, tokens, bs, c=1.0, constants=True) -> tuple[float, str]:
    """Eq. 34's ε = max of its terms at B·S = ``bs``, and which regime that term names."""
    terms = budget_error_terms(L, mu, rho, sigma_star, tokens, bs, c, constants)
    regime = max(terms, key=terms.get)
    return terms[regime], regime


@dataclass(frozen=True)
class BSTPoint:
    """The BST rule at one token budget (eq. 4, with or without Theorem 4.1's constants).

    ``bs_star``: B·S where the flat term meets the iteration-starved term, (Tμρσ*/L)^{2/3} up to the constant
    2^{−4/3}e^{−c}; it is also ``bs_starved_boundary``, the start of the iteration-starved regime.
    ``bs_noise_boundary``: where the noise term meets the flat term (its end). ``flat_regime``: the noise boundary
    lies below BS*, i.e. μρσ*/L < 4e^{3c/2}√T (√T without constants); otherwise the flat regime does not exist
    and the error-minimising B·S is ``bs_minimiser``, where the noise and starved terms meet (∝ T^{4/7}).
    ``iterations`` = T/BS*, ``beta`` = c/K, ``error`` = eq. 34 at BS*, ``alpha`` the theorem's
    min{1, (εμ)²/((32ρσ)²e^{3c})} at that ε and σ = σ*/√BS*.
    """

    bs_star: float
    iterations: float
    beta: float
    alpha: float
    error: float
    bs_noise_boundary: float
    bs_starved_boundary: float
    flat_regime: bool
    bs_minimiser: float
    constants: bool


def bst_point(L, mu, rho, sigma_star, tokens, c=1.0, constants=True) -> BSTPoint:
    """The BST rule at one token budget: :class:`BSTPoint` from eq. 34 (with or without Theorem 4.1's constants)."""
    f = _lambdified(constants)
    args = (L, mu, rho, sigma_star, tokens, c)
    bs_star, noise = float(f["bst"](*args)), float(f["noise_boundary"](*args))
    flat = mu * rho * sigma_star / L < float(f["flat_exists_below"](*args))
    error, _ = budget_error(L, mu, rho, sigma_star, tokens, bs_star, c, constants)
    sigma = sigma_star / math.sqrt(bs_star)
    alpha = min(1.0, (error * mu) ** 2 / ((32.0 * rho * sigma) ** 2 * math.exp(3.0 * c)))
    iterations = tokens / bs_star
    minimiser = bs_star if flat else float(f["no_flat_minimiser"](*args))
    return BSTPoint(bs_star, iterations, c / iterations, alpha, error, noise, bs_star, bool(flat), minimiser, constants)


def transfer_bst(bs0, beta0, tokens0, tokens1, L=(1.0, 1.0), mu=(1.0, 1.0), rho=(1.0, 1.0)) -> tuple[float, float]:
    """Eqs. 7 and 9 (12; 13 with L and μ unchanged).

    B₁S₁ = B₀S₀((T₁/T₀)(μ₁/μ₀)(ρ₁/ρ₀)/(L₁/L₀))^{2/3}, β₁ = β₀(√(T₀/T₁)(μ₁/μ₀)(ρ₁/ρ₀)/(L₁/L₀))^{2/3}. Equivalently β₁
    = β₀(B₁S₁/B₀S₀)(T₀/T₁) (eq. 8: β·K kept).
    """
    ratio = (mu[1] / mu[0]) * (rho[1] / rho[0]) / (L[1] / L[0])
    return bs0 * ((tokens1 / tokens0) * ratio) ** (2 / 3), beta0 * (math.sqrt(tokens0 / tokens1) * ratio) ** (2 / 3)


def transfer_sqrt(bs0, beta0, tokens0, tokens1) -> tuple[float, float]:
    """App. C.1, eqs. 16–17: B₁S₁ = B₀S₀√(T₁/T₀), β₁ = β₀√(T₀/T₁)."""
    return bs0 * math.sqrt(tokens1 / tokens0), beta0 * math.sqrt(tokens0 / tokens1)
