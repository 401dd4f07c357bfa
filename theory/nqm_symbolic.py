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
gamma = sp.symbols("gamma", nonnegative=True)

# Two-variable optimisers y' = F y + g ε per dimension (x = αh^{1−p}, a = αh^{−p}; see sim.nqm._linear):
# heavy ball on y = (θ, θ_t − θ_{t−1}), Nesterov (PyTorch/optax form) on y = (θ, a·m), EMA on y = (θ, θ̃).
a = sp.symbols("a", positive=True)  # αh^{−p}
OPTIMIZERS = {
    "momentum": (sp.Matrix([[1 - x, beta], [-x, beta]]), sp.Matrix([-a, -a]), beta),
    "nesterov": (sp.Matrix([[1 - (1 + beta) * x, -beta**2], [x, beta]]), sp.Matrix([-(1 + beta) * a, a]), beta),
    "ema": (sp.Matrix([[1 - x, 0], [(1 - gamma) * (1 - x), gamma]]), sp.Matrix([-a, -(1 - gamma) * a]), gamma),
}


@functools.cache
def derive_linear(optimizer: str):
    """Second moments of a two-variable optimiser (``OPTIMIZERS``), derived from its stochastic recursion.

    With Var ε = c/B and n = a²c/B, the moments z = (E y₁², E y₂², E y₁y₂) follow z' = M z + v, M and v
    read off F S Fᵀ + g gᵀ Var ε. Returns M, v, the characteristic polynomials of M (in μ) and of F (in λ,
    factored), the trace, determinant and value at λ = ±1 of F's, and the steady state z* of (I − M)z* = v,
    each component factored (the engine evaluates these factored forms: no cancellation near λ = 1).
    """
    F, g, knob = OPTIMIZERS[optimizer]
    A, U, C, sigma2 = sp.symbols("A U C sigma2", real=True)
    S = F * sp.Matrix([[A, C], [C, U]]) * F.T + g * g.T * sigma2
    rows = [sp.expand(S[0, 0]), sp.expand(S[1, 1]), sp.expand(S[0, 1])]
    M = sp.Matrix([[row.coeff(v) for v in (A, U, C)] for row in rows])
    noise = sp.Matrix([row.subs({A: 0, U: 0, C: 0}) for row in rows]).subs(a**2 * sigma2, n)
    mu, lam = sp.symbols("mu lambda")
    steady = (sp.eye(3) - M).LUsolve(noise)
    char_f = sp.expand(F.charpoly(lam).as_expr())
    return {"moment_map": M, "noise": noise, "charpoly": sp.factor(M.charpoly(mu).as_expr()), "mu": mu,
            "lambda": lam, "knob": knob, "char_f": sp.factor(char_f), "trace": sp.factor(F.trace()),
            "det": sp.factor(F.det()), "at_one": sp.factor(char_f.subs(lam, 1)),
            "at_minus_one": sp.factor(char_f.subs(lam, -1)),
            "steady": [sp.factor(sp.simplify(component)) for component in steady]}


def derive_momentum():
    """Heavy-ball momentum's second-moment map, derived from its stochastic recursion.

    With u_t = θ_t − θ_{t−1} (so m = −u/(αh^{−p}), m_0 = 0), θ' = (1 − x)θ + βu − aε and
    u' = −xθ + βu − aε (a = αh^{−p}, Var ε = c/B, n = a²c/B). The moments z = (Eθ², Eu², Eθu)
    follow z' = Mz + n(1, 1, 1) with M read off F S Fᵀ. Returns :func:`derive_linear`'s dict with
    M (the paper's eq. (21)) and ``steady_state`` = Eθ² at stationarity.
    """
    result = derive_linear("momentum")
    return {**result, "steady_state": result["steady"][0]}
