"""Sympy derivations for the NQM: SGD's second-moment recursion solved, its fixed point and stability.

From θ' = (1 − x)θ − αh^{−p}ε with E ε = 0, Var ε = c/B and ε independent of θ:
s' = E θ'² = (1 − x)² s + α²h^{−2p} c/B = r s + n. ``derive_sgd`` solves this with rsolve,
finds the fixed point and the stability condition |r| < 1 as a condition on x.
"""

import functools

import sympy as sp

x, n, s0, k = sp.symbols("x n s0 k", real=True)


@functools.cache
def derive_sgd():
    """Return {'closed_form': s(k), 'steady_state': s*, 'stable': the x-interval where r = (1 − x)² < 1}."""
    s = sp.Function("s")
    r = (1 - x) ** 2
    solution = sp.rsolve(s(k + 1) - r * s(k) - n, s(k), {s(0): s0})
    star = sp.Symbol("star")
    (steady,) = sp.solve(sp.Eq(star, r * star + n), star)
    stable = sp.solve_univariate_inequality(r < 1, x, relational=False)
    return {"closed_form": sp.simplify(solution), "steady_state": sp.simplify(steady), "stable": stable}
