"""Sympy derivation of Corollary 8 ([Zhang 2024], App. J; docs/references.md) from Theorem 7.

With λ_i = i^{−a}, E[λ_i w*_i²] = i^{−b}, σ² = 1 and x = Dγ/B (so k* = x^{1/a}), each
term of Theorem 7 is a power of x to leading order (sums replaced by integrals):

    head bias  x⁻² Σ_{i≤k*} i^{2a−b}    x^{(1−b)/a} if 2a − b + 1 > 0, else x⁻² (sum converges)
    tail bias  Σ_{i>k*} i^{−b}          x^{(1−b)/a}
    variance   (k* + x² Σ_{i>k*} i^{−2a})/D    x^{1/a}/D

so the bias is x^e with e = (1 − b)/a for b < 2a + 1 and e = −2 for b > 2a + 1 (the
larger exponent dominates for x ≥ 1). Minimising x^e + x^{1/a}/D over x gives
x* ∝ D^{1/(1/a − e)}; with γ* ≈ 1, B* = Dγ*/x* ∝ D^{1 − 1/(1/a − e)} and γ*/B* = x*/D.
When b ≤ a the unconstrained x* ∝ D^{a/b} exceeds D, outside the feasible x ≤ D
(γ ≲ 1, B ≥ 1), so the constrained optimum is x = D: B* = 1, γ* ≈ 1.

The head bias is the uniform average's: w̄ keeps w_0 with weight 1/n, so a learned direction keeps a bias
∝ (nγλ)⁻². An exponential (or tail) average over a fixed share of the run forgets w_0 at an exponential rate
(the seed paper's constant + EWA): its head bias falls away, only the tail bias x^{(1−b)/a} balances the variance,
and the cap at b = 2a + 1 goes: B* ∝ D^{1 − a/b} for every b > a (``ewa_cbs``).

Everything numeric about Corollary 8 in batchlab is lambdified from here.
"""

import functools

import sympy as sp

a, b, D, x, i = sp.symbols("a b D x i", positive=True)
_c = sp.symbols("c", positive=True)  # 2a − b + 1 where the head sum diverges


def log_slope(expr, var):
    """D log(expr) / d log(var): the exponent of a power law in ``var``."""
    return sp.simplify(var * sp.diff(sp.log(expr), var))


@functools.cache
def derive():
    """Return the derivation's results as sympy expressions.

    Keys: ``bias_exponents`` (head diverging / head converging / tail, exponents of x),
    ``variance_exponent`` (of x, times 1/D), ``x_star``, ``lr_over_batch`` and ``cbs``
    (exponents of D in x* = Dγ*/B*, γ*/B* and B*, each a Piecewise in (a, b) over
    the three cases of the proof), and ``ewa_cbs`` (B*'s exponent without the head bias).
    """
    k_of_x = x ** (1 / a)
    head_diverging = log_slope(x**-2 * sp.integrate(i ** (_c - 1), (i, 0, k_of_x)), x).subs(_c, 2 * a - b + 1)
    head_converging = log_slope(x**-2 * sp.Integer(1), x)
    tail = log_slope(sp.integrate(i**-b, (i, k_of_x, sp.oo), conds="none"), x)
    variance = log_slope(k_of_x + x**2 * sp.integrate(i ** (-2 * a), (i, k_of_x, sp.oo), conds="none"), x)

    def optimal_x_exponent(bias_exponent):
        (root,) = sp.solve(sp.diff(x**bias_exponent + x**variance / D, x), x)
        return log_slope(root, D)

    x_mid = optimal_x_exponent(sp.simplify(head_diverging))  # a < b < 2a + 1: head and tail agree
    x_high = optimal_x_exponent(head_converging)  # b > 2a + 1
    x_tail = optimal_x_exponent(tail)  # no head bias (an exponential average): every b > a

    def by_case(low, mid, high):
        return sp.Piecewise((low, b <= a), (mid, b < 2 * a + 1), (high, True))

    return {
        "bias_exponents": {"head_diverging": sp.simplify(head_diverging), "head_converging": head_converging,
                           "tail": tail},
        "variance_exponent": variance,
        "x_star": by_case(sp.Integer(1), x_mid, x_high),
        "lr_over_batch": by_case(sp.Integer(0), x_mid - 1, x_high - 1),
        "cbs": by_case(sp.Integer(0), 1 - x_mid, 1 - x_high),
        "ewa_cbs": sp.Piecewise((sp.Integer(0), b <= a), (sp.simplify(1 - x_tail), True)),
    }


@functools.cache
def numeric_exponents():
    """Lambdified ``cbs``, ``ewa_cbs``, ``lr_over_batch`` and ``x_star`` D-exponents as f(a, b)."""
    results = derive()
    return {key: sp.lambdify((a, b), results[key], "math") for key in ("cbs", "ewa_cbs", "lr_over_batch", "x_star")}
