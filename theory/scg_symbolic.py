"""Sympy derivations for stochastic conditional gradient under μ-KL ([Islamov 2026], docs/references.md).

Symbols: L (smoothness, dual norm), μ (μ-KL constant), ρ (‖x‖_* ≤ ρ‖x‖₂), σ* (noise of one token, so
σ = σ*/√(BS)), T = K·B·S tokens, b = B·S, c = β·K, ε the target error.

* :func:`derive_budget_error`: eq. 34 from Theorem 4.1. Each term of the theorem's iteration count K is solved
  for ε with K = T/b and σ = σ*/√b, giving the three terms of eq. 34 and the fourth term the paper drops
  (dominated when b ≤ T, eq. 35).
* :func:`derive_regimes`: where the terms cross. The BST point b* (terms 1 and 2: flat meets iteration-starved),
  the noise boundary (terms 2 and 3), the error at b*, d ln b*/d ln T = 2/3, and the condition under which the
  flat regime exists (noise boundary below b*). Without it (μρσ*/L above 4e^{3c/2}√T, or √T without constants)
  the error-minimising b is where terms 1 and 3 cross, which grows as T^{4/7}, not T^{2/3}. Each is derived
  with and without the theorem's constants. At BS* Theorem 4.1's own α, (εμ)²/((32ρσ)²e^{3c}), is exactly 1
  whatever L, μ, ρ, σ*, T and c (no momentum averaging), where the experiments use α = 0.1.
* :func:`derive_recursion`: eq. 26 from eq. 25. The three constant inputs of the recursion, divided by the
  contraction q, are the last three terms of eq. 26, and Σ(1 − α)^k ≤ 1/α gives the momentum term.
"""

import functools

import sympy as sp

L, mu, rho, sigma_star, T, b, c, eps = sp.symbols("L mu rho sigma_star T b c epsilon", positive=True)


@functools.cache
def theorem_iteration_terms():
    """The terms of Theorem 4.1's K (each multiplies log(2Δ_0/ε)), with σ = σ*/√b."""
    sigma = sigma_star / sp.sqrt(b)
    return [128 * L * sp.exp(3 * c) / (eps * mu**2),
            128 * L * sp.exp(6 * c) * (32 * rho * sigma) ** 2 / (mu * (eps * mu) ** 3),
            (32 * rho * sigma * sp.exp(3 * c / 2)) ** 3 / (eps * mu) ** 3,
            32 * rho * sigma * sp.exp(3 * c / 2) / (eps * mu)]


# The theorem's K-terms in their order, each named for the regime of eq. 34 it becomes (the last is dropped, eq. 35).
THEOREM_TERMS = ("iteration-starved", "flat", "noise-dominated", "dropped")


@functools.cache
def derive_budget_error() -> dict:
    """Solve K_term(ε) = T/b for ε, term by term: {regime: ε term} as in eq. 34 (log factor aside), and "dropped"."""
    solutions = {}
    for name, term in zip(THEOREM_TERMS, theorem_iteration_terms(), strict=True):
        (root,) = sp.solve(sp.Eq(term, T / b), eps)
        solutions[name] = sp.simplify(root)
    return solutions


def budget_terms(constants: bool = True) -> dict:
    """Eq. 34's three terms as functions of b, {regime: term}, with the theorem's constants or as in eq. 3's short form.

    The regimes in order of increasing b, as :data:`batchlab.theory.scg.REGIMES` (lambdified from here) lists them.
    """
    if constants:
        terms = derive_budget_error()
    else:
        terms = {"iteration-starved": L * b / (mu**2 * T),
                 "flat": (L * rho**2 * sigma_star**2 / (mu**4 * T)) ** sp.Rational(1, 3),
                 "noise-dominated": rho * sigma_star / (mu * (T**2 * b) ** sp.Rational(1, 6))}
    return {name: terms[name] for name in ("noise-dominated", "flat", "iteration-starved")}


def _crossing(lhs, rhs):
    """The one positive b with lhs(b) = rhs(b), both monomials in b.

    Solved in log b (sympy's solve in b also returns the complex roots of b^{7/6} = …).
    """
    u = sp.symbols("u", real=True)

    def log_of(expr):
        return sp.expand_log(sp.log(expr.subs(b, sp.exp(u))), force=True)

    (root,) = sp.solve(sp.Eq(log_of(lhs), log_of(rhs)), u)
    return sp.simplify(sp.exp(root))


@functools.cache
def derive_regimes(constants: bool = True):
    """BST point, noise boundary, error at the BST point, its T-exponent, and the flat regime's existence condition."""
    terms = budget_terms(constants)
    starved, flat, noise = terms["iteration-starved"], terms["flat"], terms["noise-dominated"]
    bst, noise_boundary = _crossing(starved, flat), _crossing(flat, noise)
    exponent = sp.simplify(T * sp.diff(bst, T) / bst)
    # The flat regime [noise boundary, b*] is non-empty iff noise_boundary < b*; as a bound on μρσ*/L:
    ratio = sp.symbols("r", positive=True)  # r = μρσ*/L
    gap = sp.simplify((bst / noise_boundary).subs(sigma_star, ratio * L / (mu * rho)))
    (critical,) = sp.solve(sp.Eq(gap, 1), ratio)
    no_flat = _crossing(starved, noise)  # the minimiser of max(terms) when there is no flat regime
    # Theorem 4.1's α = (εμ)²/((32ρσ)²e^{3c}) (before its cap at 1) at ε = eq. 34 and σ = σ*/√b, at b = BS*:
    alpha_at_bst = sp.simplify(((flat * mu) ** 2 * bst / ((32 * rho * sigma_star) ** 2 * sp.exp(3 * c))).subs(b, bst))
    return {"bst": sp.simplify(bst), "noise_boundary": sp.simplify(noise_boundary),
            "error_at_bst": sp.simplify(flat), "exponent": exponent, "flat_exists_below": sp.simplify(critical),
            "no_flat_minimiser": sp.simplify(no_flat),
            "no_flat_exponent": sp.simplify(T * sp.diff(no_flat, T) / no_flat),
            "error_at_no_flat_minimiser": sp.simplify(starved.subs(b, no_flat)), "alpha_at_bst": alpha_at_bst}


@functools.cache
def derive_recursion():
    """Eq. 26's terms from eq. 25: the constant inputs over q and the momentum term's geometric sum."""
    beta, eta, alpha, sigma = sp.symbols("beta eta alpha sigma", positive=True)
    q = mu * beta * eta / (2 * sp.exp(3 * c / 2))
    inputs = [4 * L * beta**2 * eta**2 / alpha, 2 * beta * eta * rho * sigma * sp.sqrt(alpha), 2 * L * beta**2 * eta**2]
    stated = [8 * L * beta * eta * sp.exp(3 * c / 2) / (alpha * mu),
              4 * rho * sigma * sp.sqrt(alpha) * sp.exp(3 * c / 2) / mu,
              4 * L * beta * eta * sp.exp(3 * c / 2) / mu]
    k = sp.symbols("k", integer=True, nonnegative=True)
    momentum_sum = sp.summation((1 - alpha) ** k, (k, 0, sp.oo))
    return {"inputs_over_q": [sp.simplify(term / q) for term in inputs], "stated": stated,
            "momentum_sum": sp.simplify(momentum_sum.args[0][0] if isinstance(momentum_sum, sp.Piecewise)
                                        else momentum_sum)}
