"""The SFO-complexity template of the Iiduka group: steps K(b), oracle count b·K(b) and its minimiser b*.

A bound X/K + Y/b^κ + Z on a measure of stationarity after K steps at batch size b reaches ε in K(b) steps;
the stochastic-gradient (SFO) count b·K(b) is smallest at

    κ = 1  ("mean-square", SGD on E‖∇f‖²):         b* = 2Y/(ε − Z)
    κ = ½  ("first-moment", Muon on E‖∇f‖_*):      b* = 9Y²/(4(ε − Z)²)

and constant-step SGD has X = 2Δ_0/(η(2 − Lη)), Y = Lησ²/(2 − Lη), Z = 0. Derived in
:mod:`batchlab.theory.sfo_symbolic` and lambdified from there ([Sato 2025], [Iiduka] in docs/references.md).
"""

import functools
import math

NOISE = ("mean-square", "first-moment")


@functools.cache
def _lambdified(noise: str):
    import sympy as sp  # lazily: sympy costs half a second to import

    from batchlab.theory.sfo_symbolic import X, Y, Z, b, derive_template, eps

    template = derive_template(noise)
    return {key: sp.lambdify((X, Y, Z, eps, b), template[key], "math") for key in ("steps", "b_star", "sfo_min")}


def _checked(noise: str, y: float, eps: float, z: float) -> float:
    if noise not in NOISE:
        raise ValueError(f"noise must be one of {NOISE}, got {noise!r}")
    if not eps > z:
        raise ValueError(f"the target eps = {eps} must exceed the floor Z = {z}")
    return eps - z


def template_steps(batch: float, x: float, y: float, eps: float, z: float = 0.0, noise: str = "mean-square") -> float:
    """K(b) = X·b^κ/((ε − Z)b^κ − Y): the steps the bound needs to reach ε (inf where b^κ ≤ Y/(ε − Z))."""
    margin = _checked(noise, y, eps, z)
    power = 1.0 if noise == "mean-square" else 0.5
    if not batch**power * margin > y:
        return math.inf
    return float(_lambdified(noise)["steps"](x, y, z, eps, batch))


def optimal_batch(y: float, eps: float, z: float = 0.0, noise: str = "mean-square") -> float:
    """b* = argmin_b b·K(b): 2Y/(ε − Z) (mean-square) or 9Y²/(4(ε − Z)²) (first-moment)."""
    _checked(noise, y, eps, z)
    return float(_lambdified(noise)["b_star"](1.0, y, z, eps, 1.0))


def minimal_sfo(x: float, y: float, eps: float, z: float = 0.0, noise: str = "mean-square") -> float:
    """b*·K(b*): 4XY/(ε − Z)² (mean-square) or 27XY²/(4(ε − Z)³) (first-moment)."""
    _checked(noise, y, eps, z)
    return float(_lambdified(noise)["sfo_min"](x, y, z, eps, 1.0))


def sgd_constants(smoothness: float, noise_variance: float, gap: float, lr: float) -> tuple[float, float, float]:
    """(X, Y, Z) of constant-step SGD: 2Δ_0/(η(2 − Lη)), Lησ²/(2 − Lη), 0 (needs η < 2/L).

    ``noise_variance`` σ² bounds E‖g₁ − ∇f‖² of a one-sample gradient along the run; ``gap`` is Δ_0 = f(θ_0) − f*.
    """
    if not 0.0 < lr * smoothness < 2.0:
        raise ValueError(f"the descent lemma needs 0 < lr·L < 2, got lr·L = {lr * smoothness}")
    return _sgd_lambdified()(smoothness, noise_variance, gap, lr)


@functools.cache
def _sgd_lambdified():
    import sympy as sp

    from batchlab.theory.sfo_symbolic import L, derive_sgd_constants, gap, lr, sigma2

    constants = derive_sgd_constants()
    function = sp.lambdify((L, sigma2, gap, lr), [constants["X"], constants["Y"], constants["Z"]], "math")
    return lambda *args: tuple(float(v) for v in function(*args))
