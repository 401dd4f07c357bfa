"""Closed forms behind the critical-batch-size (CBS) definitions.

The seed paper ([Zhang 2024] in docs/references.md, §3.1–3.2 and App. H) fits the steps Y needed to reach a
target at batch size B with log Y = log(a + b/B^α) and calls B* the batch size whose data
consumption exceeds that of B_opt, scaled linearly, by the overhead factor c = 1.2:

    (a + b/B*^α)·B* = c·(a + b/B_opt^α)·B_opt.                                   (transition)

For α = 1 this is linear in B*: B* = c·B_opt + (c − 1)·b/a, i.e. b/(5a) + 1.2·B_opt
(:func:`derive_linear_transition` solves it with sympy). For fitted α the paper's Table 6
caption uses B* = ((b + 5a·1.2·B_opt)/(5a))^{1/α}, which is *not* the root of the transition
equation when α ≠ 1 (:func:`table6_cbs` versus :func:`transition_cbs`).

McCandlish et al. 2018 model the same curve as S(B) = S_min(1 + B_noise/B) (their
(S/S_min − 1)(E/E_min − 1) = 1 with E = B·S), the α = 1 form with a = S_min, b = S_min·B_noise.
The Iiduka group's SFO-complexity template K(B) = X·B/(ε'B − Y) has B·K(B) minimal at 2Y/ε'
(:mod:`batchlab.theory.sfo`).
"""

import functools
import math

import numpy as np
from scipy.optimize import brentq


def table6_cbs(a: float, b: float, alpha: float, b_opt: float, overhead: float = 1.2) -> float:
    """The Table 6 caption's B* = ((b + 5a·1.2·B_opt)/(5a))^{1/α}, with 1.2 → c and 5 = 1/(c − 1)."""
    if a <= 0.0:
        return math.inf
    return ((overhead - 1.0) * b / a + overhead * b_opt) ** (1.0 / alpha)


def transition_cbs(a: float, b: float, alpha: float, b_opt: float, overhead: float = 1.2) -> float:
    """The root B* > B_opt of (a + b/B^α)·B = c·(a + b/B_opt^α)·B_opt (inf when a = 0).

    The left side g(B) = aB + bB^{1−α} is below the right side at B_opt (c > 1) and grows
    without bound, and it is increasing wherever it exceeds g(B_opt), so the root is unique.
    """
    if a <= 0.0:
        return math.inf
    budget = overhead * (a + b * b_opt**-alpha) * b_opt

    def excess(batch):
        return a * batch + b * batch ** (1.0 - alpha) - budget

    upper = max(2.0 * b_opt, budget / a)  # g(B) ≥ aB, so g(budget/a) ≥ budget
    while excess(upper) < 0.0:
        upper *= 2.0
    return float(brentq(excess, b_opt, upper, xtol=1e-13 * b_opt, rtol=4 * np.finfo(float).eps))


def mccandlish_steps(batch, s_min: float, b_noise: float):
    """S(B) = S_min(1 + B_noise/B): McCandlish et al.'s steps-to-target curve."""
    return s_min * (1.0 + b_noise / batch)


def mccandlish_cbs(b_opt: float, b_noise: float, overhead: float = 1.2) -> float:
    """Definition 3's B* on McCandlish's curve: c·B_opt + (c − 1)·B_noise (the α = 1 transition)."""
    return overhead * b_opt + (overhead - 1.0) * b_noise


@functools.cache
def derive_linear_transition():
    """Solve (a + b/B)·B = c·(a + b/B_opt)·B_opt for B with sympy; returns (solution, symbols)."""
    import sympy as sp  # lazily: the numeric functions above must not pay for importing sympy

    a, b, c, batch, b_opt = sp.symbols("a b c B B_opt", positive=True)
    (solution,) = sp.solve(sp.Eq((a + b / batch) * batch, c * (a + b / b_opt) * b_opt), batch)
    return sp.simplify(solution), {"a": a, "b": b, "c": c, "B_opt": b_opt}
