"""Theorem 4.1's bound (eq. 26) for one run: its value, whether it says anything, the conditions the run breaks.

The bound grows like e^{3c/2} with c = βK, so outside the theorem's K ≥ 2c it soon exceeds any float (c > 473) or
every loss the run could have. L-smoothness alone gives every point within r of x_0
f(x) − f* ≤ Δ_0 + ‖∇f(x_0)‖_*·r + L·r²/2 (the ``ceiling``), and with an exact LMO (directions of norm 1) r is known:
Algorithm 1's iterates are convex combinations of x_0 and points of the radius-η ball, so r = η + ‖x_0‖ when
‖x_0‖ ≤ η; uSCG (and Muon without weight decay) takes K steps of length η, r = Kη; Muon with weight decay λ, λη ≤ 1,
makes convex combinations of x and d/λ, so its iterates stay in the ball of radius max(‖x_0‖, 1/λ). A bound at or
above the ceiling, or inf, is reported as ``vacuous`` with the reason, never as an exception or as a silent 1e268;
where no ceiling is known, a finite bound is not assessed (``vacuous`` None).
"""

import math
from dataclasses import dataclass

import numpy as np

from batchlab.sim import errors
from batchlab.sim.results import JSONResult, number
from batchlab.sim.scg._lmo import NORMS
from batchlab.sim.scg._montecarlo import SCGSettings, Stage, noise_sigma
from batchlab.sim.scg._problems import SCGProblem
from batchlab.theory.scg import bound_eq26


@dataclass(frozen=True)
class Eq26Bound(JSONResult):
    """Eq. 26 for one run: ``value`` (inf where it overflows a float), ``vacuous`` and its ``reason``.

    ``ceiling``: what L-smoothness alone bounds f(x_K) − f* by, f(x_0) − f* + ‖∇f(x_0)‖_*·r + L·r²/2 with r how far
    from x_0 the iterates can get (see the module docstring); None where that is not known (an inexact LMO, SGD, or
    Muon with λη > 1). ``vacuous``: ``value`` is inf or at least the ceiling; None (not assessed) where there is no
    ceiling and the bound is finite, as ``reason`` says.
    ``conditions_broken``: every condition of Theorem 4.1 the run breaks (empty when it is inside them); the bound
    is a guarantee only when there are none. ``value`` is None in :meth:`to_dict` where it is inf (JSON has no inf).
    """

    value: float
    vacuous: bool | None
    reason: str | None
    delta0: float
    ceiling: float | None
    c: float
    conditions_broken: list

    def to_dict(self) -> dict:
        return {**super().to_dict(), "value": number(self.value)}


def eq26_for_run(problem: SCGProblem, settings: SCGSettings, *, batch: int, seq: int = 1, tokens: int, beta: float,
                 schedule: str = "constant", x0=None) -> Eq26Bound:
    """Eq. 26 with the problem's constants for this run (c = βK, σ = :func:`noise_sigma`), as an :class:`Eq26Bound`.

    The conditions checked: 2‖x_0‖ ≤ η, K ≥ 2c, an exact LMO, and those of
    :meth:`SCGSettings.theorem_conditions_broken` (constant β, m_0 fresh, Algorithm 1, Gaussian noise).
    """
    lmo, radius = problem.check_norm(settings.lmo), settings.radius
    batch, seq, iterations, beta = Stage(batch, seq, tokens, beta).checked()
    c = beta * iterations
    constants = problem.constants(lmo, radius)
    x0 = np.zeros(problem.dim) if x0 is None else errors.vector("x0", x0, length=problem.dim)
    start = float(problem.norm_of(NORMS[lmo].norm, x0)[0])
    broken = []
    if 2 * start > radius:
        broken.append("2||x0|| <= eta")
    if not NORMS[lmo].exact:
        broken.append("an exact LMO")
    if iterations < 2 * c:
        broken.append("K >= 2c (beta <= 1/2)")
    broken += settings.theorem_conditions_broken(schedule)
    delta0 = float(problem.value(x0)) - constants["f_star"]
    value = bound_eq26(iterations, c, radius, settings.alpha, constants["L"], constants["mu"], constants["rho"],
                       noise_sigma(settings.sigma_star, batch, seq, settings.correlation), delta0)
    reach, where = _reach(settings, start, iterations) if NORMS[lmo].exact else (None, None)
    ceiling = None
    if reach is not None:
        slope = float(problem.norm_of(NORMS[lmo].dual, problem.gradient(x0))[0])
        ceiling = delta0 + slope * reach + constants["L"] * reach * reach / 2
    if math.isinf(value):
        vacuous, reason = True, f"overflows a float: it grows as e^(3c/2) and c = beta*K = {c:.4g}"
    elif ceiling is None:
        vacuous, reason = None, ("not assessed: no ceiling is known for this run (" + (
            "an inexact LMO" if not NORMS[lmo].exact else f"algorithm {settings.algorithm!r}") + ")")
    elif not value < ceiling:
        vacuous, reason = True, (f"{value:.4g} >= {ceiling:.4g}, what L-smoothness alone gives every point {where}")
    else:
        vacuous, reason = False, None
    return Eq26Bound(value, vacuous, reason, delta0, ceiling, c, broken)


def _reach(settings: SCGSettings, start: float, iterations: int) -> tuple[float | None, str | None]:
    """How far from x_0 the iterates can get, and where that is (None, None if unknown).

    For an exact LMO, whose directions have norm at most 1; ``start`` is ‖x_0‖ in the LMO's norm.
    """
    eta, decay = settings.radius, settings.weight_decay
    if settings.algorithm == "scg" and start <= eta:  # convex combinations of x_0 and points of the η-ball
        return eta + start, "of the radius-eta ball where the iterates stay"
    if settings.algorithm == "uscg" or (settings.algorithm == "muon" and decay == 0):
        return iterations * eta, "within K steps of length eta of x_0"
    if settings.algorithm == "muon" and decay * eta <= 1:  # x' = (1 − λη)x + λη(d/λ): a convex combination
        return start + max(start, 1 / decay), "of the ball |x| <= max(|x_0|, 1/weight_decay) where the iterates stay"
    return None, None
