"""Sympy derivation of the SFO-complexity critical batch size (the Iiduka group; [Sato 2025] in docs/references.md).

A convergence bound of the template

    measure after K steps at batch size b  ≤  X/K + Y/b^κ + Z,     κ = 1 ("mean-square") or ½ ("first-moment"),

reaches ε once K ≥ K(b) = X·b^κ/(ε′b^κ − Y), ε′ = ε − Z (only for b^κ > Y/ε′). The stochastic first-order oracle
(SFO) count is N(b) = b·K(b); dN/db = 0 gives

    κ = 1:  b* = 2Y/ε′,          N(b*) = 4XY/ε′²                 (SGD-type bounds on E‖∇f‖²)
    κ = ½:  b* = 9Y²/(4ε′²),     N(b*) = 27XY²/(4ε′³)            (first-moment bounds on E‖∇f‖, as for Muon)

and N is decreasing below b*, increasing above it (N → ∞ as b^κ ↓ Y/ε′ and N ∝ b as b → ∞).

The constants of constant-step SGD (learning rate η < 2/L on an L-smooth f with E‖g − ∇f‖² ≤ σ²/b along the
run) follow from the descent lemma, one step at a time:

    E f(θ_{k+1}) ≤ E f(θ_k) − η(1 − Lη/2)·E‖∇f(θ_k)‖² + Lη²σ²/(2b),

summed over k < K (it telescopes) and divided by Kη(1 − Lη/2):

    (1/K) Σ_{k<K} E‖∇f(θ_k)‖² ≤ 2Δ_0/(η(2 − Lη)K) + Lησ²/((2 − Lη)b),     Δ_0 = f(θ_0) − f*,

so X = 2Δ_0/(η(2 − Lη)), Y = Lησ²/(2 − Lη), Z = 0: the template with κ = 1. Everything numeric about the
template in batchlab (:mod:`batchlab.theory.sfo`) is lambdified from here.
"""

import functools

import sympy as sp

X, Y, Z, eps, b, K = sp.symbols("X Y Z epsilon b K", positive=True)
L, lr, sigma2, gap = sp.symbols("L eta sigma2 Delta_0", positive=True)
NOISE_POWERS = {"mean-square": sp.Integer(1), "first-moment": sp.Rational(1, 2)}


@functools.cache
def derive_template(noise: str) -> dict:
    """The template with b^κ, κ = ``NOISE_POWERS[noise]``: keys ``steps`` K(b), ``sfo`` N(b), ``b_star``, ``sfo_min``.

    b* is the one stationary point of N on b^κ > Y/ε′ (sympy's solve in s = b^κ, then b = s^{1/κ}).
    """
    power = NOISE_POWERS[noise]
    s = sp.symbols("s", positive=True)  # s = b^κ
    (steps_s,) = sp.solve(sp.Eq(X / K + Y / s + Z, eps), K)
    sfo_s = s ** (1 / power) * steps_s
    # The stationary points of N(s); the one in the reachable region s·ε′ > Y is the minimiser.
    (s_star,) = [r for r in sp.solve(sp.diff(sfo_s, s), s) if sp.simplify(r * (eps - Z) / Y - 1).is_positive]
    steps = steps_s.subs(s, b**power)
    return {"steps": sp.simplify(steps), "sfo": sp.simplify(b * steps), "b_star": sp.simplify(s_star ** (1 / power)),
            "sfo_min": sp.factor(sp.simplify(sfo_s.subs(s, s_star)))}


@functools.cache
def derive_sgd_constants() -> dict:
    """X, Y, Z of constant-step SGD from the descent lemma, summed over K steps (module docstring)."""
    g = sp.symbols("g", positive=True)  # (1/K) Σ E‖∇f(θ_k)‖²
    # Σ_{k<K} of the per-step inequality; the f-values telescope to f(θ_0) − f(θ_K) ≤ Δ_0.
    summed = sp.Eq(K * lr * (1 - L * lr / 2) * g, gap + K * L * lr**2 * sigma2 / (2 * b))
    (bound,) = sp.solve(summed, g)
    noise_term = bound.subs(gap, 0)
    return {"X": sp.factor(sp.simplify(K * (bound - noise_term))), "Y": sp.factor(sp.simplify(b * noise_term)),
            "Z": sp.Integer(0), "bound": bound}
