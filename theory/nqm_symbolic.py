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


beta = sp.symbols("beta", nonnegative=True)


@functools.cache
def derive_momentum():
    """Heavy-ball momentum's second-moment map, derived from its stochastic recursion.

    With u_t = θ_t − θ_{t−1} (so m = −u/(αh^{−p}), m_0 = 0), θ' = (1 − x)θ + βu − aε and
    u' = −xθ + βu − aε (a = αh^{−p}, Var ε = c/B, n = a²c/B). The moments z = (Eθ², Eu², Eθu)
    follow z' = Mz + n(1, 1, 1) with M read off F S Fᵀ. Returns M (the paper's eq. (21)), its
    characteristic polynomial factored, and the steady state Eθ² = A* of (I − M)z* = n(1, 1, 1).
    """
    A, U, C, a, sigma2 = sp.symbols("A U C a sigma2", real=True)
    F = sp.Matrix([[1 - x, beta], [-x, beta]])
    g = sp.Matrix([-a, -a])
    S = F * sp.Matrix([[A, C], [C, U]]) * F.T + g * g.T * sigma2
    rows = [sp.expand(S[0, 0]), sp.expand(S[1, 1]), sp.expand(S[0, 1])]
    M = sp.Matrix([[row.coeff(v) for v in (A, U, C)] for row in rows])
    noise = sp.Matrix([row.subs({A: 0, U: 0, C: 0}) for row in rows]).subs(a**2 * sigma2, n)
    mu = sp.symbols("mu")
    steady = (sp.eye(3) - M).LUsolve(sp.Matrix([n, n, n]))
    return {"moment_map": M, "noise": noise, "charpoly": sp.factor(M.charpoly(mu).as_expr()), "mu": mu,
            "steady_state": sp.factor(sp.simplify(steady[0]))}
