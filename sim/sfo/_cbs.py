"""The SFO-complexity critical batch size ([Sato 2025], [Iiduka]) measured on the exact engines.

Constant-step SGD at learning rate η on the NQM or on linear regression; the measure is the SFO bounds' own,
G(K, B) = (1/K) Σ_{k<K} E‖∇f(θ_k)‖² (:func:`batchlab.sim.nqm.sgd_steps_to_gradient_norm`,
:func:`batchlab.sim.linreg.steps_to_gradient_norm`). K(B) is its first passage below ε, and the **measured** b*
the argmin of the oracle count B·K(B) over a batch grid (:func:`batchlab.sim.critical_batch.sfo_cbs`).

Two predictions of the template b* = 2Y/ε (:mod:`batchlab.theory.sfo`, Z = 0 for SGD):

* **theorem**: Y = Lησ²/(2 − Lη) from the descent lemma, with L the largest eigenvalue and σ² the variance of a
  one-sample gradient (NQM: Σ counts·c, additive; linear regression: its largest expected value along the runs
  measured, the noise being multiplicative);
* **floor**: Y_∞ = lim B·G(∞, B), the engine's own noise floor: η Σ counts·h·c/(2 − ηh) on the NQM (exact at every
  B), γσ² Σ λ²/(2 − γλ) for linear regression (its B → ∞ limit). Per direction h/(2 − ηh) ≤ L/(2 − ηL), so
  Y_∞ ≤ Y: the theorem's b* is an over-estimate by Y/Y_∞.

When G(K, B) = X/K + Y_∞/B exactly, the measured b* is 2Y_∞/ε; the engines' G has the transient of every direction
instead of X/K, so the ratio measured/floor is what this module reports, per target.
"""

import math
from dataclasses import dataclass

import numpy as np

from batchlab.sim import errors
from batchlab.sim.critical_batch import SFO, loglog_slope, sfo_cbs
from batchlab.sim.linreg import LinRegProblem, steps_to_gradient_norm
from batchlab.sim.nqm import NQMProblem, sgd_steps_to_gradient_norm
from batchlab.sim.results import JSONResult
from batchlab.theory import sfo as theory

PER_OCTAVE = 16  # batch grid density
MAX_STEPS = 10**7
MAX_BATCH = 2.0**40


@dataclass(frozen=True)
class SFOConstants(JSONResult):
    """The template's inputs for one problem and learning rate: L, σ², Δ_0 and X, Y (theorem), Y_∞ (floor)."""

    smoothness: float
    noise_variance: float
    gap: float
    x: float
    y: float
    y_floor: float


@dataclass(frozen=True)
class SFOTarget(JSONResult):
    """One target ε: the measured argmin of B·K(B) and the two predictions.

    ``steps``: fractional K(B) on ``batches`` (inf where not reached); ``theorem`` 2Y/ε and ``floor`` 2Y_∞/ε.

    ``floor_on_grid`` is what the same grid and refinement give for the template X/K + Y_∞/B itself (the
    refinement's bias, 0.1% at 16 points per octave): the measured b* equals it where G(K, B) is the template.
    """

    target: float
    batches: np.ndarray
    steps: np.ndarray
    measured: SFO
    theorem: float
    floor: float
    floor_on_grid: float


@dataclass(frozen=True)
class SFOMeasurement(JSONResult):
    """b* against ε for one problem: the per-target results and the constants (σ² covering every run measured)."""

    system: str
    lr: float
    constants: SFOConstants
    targets: list[SFOTarget]

    def column(self, key: str) -> np.ndarray:
        """``target``, ``measured`` (the refined b*), ``theorem``, ``floor`` or ``floor_on_grid``, per target."""
        if key == "measured":
            return np.array([t.measured.b_star for t in self.targets])
        return np.array([getattr(t, key) for t in self.targets])

    def slope(self) -> float:
        """Log-log slope of the measured b* against ε (the template says −1)."""
        return loglog_slope(self.column("target"), self.column("measured"))


def _system(problem) -> str:
    if isinstance(problem, NQMProblem):
        return "nqm"
    if isinstance(problem, LinRegProblem):
        return "linreg"
    raise errors.InvalidParameter("problem", "an NQMProblem or a LinRegProblem", type(problem).__name__)


def _nqm_constants(problem: NQMProblem, lr: float) -> tuple[float, float, float, float]:
    """(L, σ², Δ_0, Y_∞) of the NQM: additive noise, so σ² = Σ counts·c at every step and the floor is exact."""
    smoothness = float(problem.h.max())
    y_floor = lr * float(np.sum(problem.counts * problem.h * problem.c / (2.0 - lr * problem.h)))
    return smoothness, float(np.sum(problem.counts * problem.c)), float(np.dot(problem.weight, problem.s0)), y_floor


def _linreg_constants(problem: LinRegProblem, lr: float) -> tuple[float, float, float, float]:
    """(L, σ² at w_0, Δ_0 = ½Σλw*², Y_∞) of linear regression (σ² is raised to the largest seen by the runs)."""
    lam, weight, moments = problem.eigenvalues, problem.weights, problem.w_star**2
    trace, risk = float(np.sum(weight * lam)), float(np.sum(weight * lam * moments))
    start_variance = float(np.sum(weight * lam**2 * moments)) + (risk + problem.sigma**2) * trace
    y_floor = lr * problem.sigma**2 * float(np.sum(weight * lam**2 / (2.0 - lr * lam)))
    return float(lam.max()), start_variance, 0.5 * risk, y_floor


def _steps(problem, system: str, lr: float, batch: int, target: float, max_steps: int) -> tuple[float, float]:
    """(fractional K(B) or inf, the run's largest one-sample noise variance (NQM: 0, it is constant))."""
    if system == "nqm":
        reached = sgd_steps_to_gradient_norm(problem, lr=lr, batch=batch, target=target, max_steps=max_steps)
        return (math.inf if reached.fractional is None else reached.fractional), 0.0
    run = steps_to_gradient_norm(problem, lr=lr, batch=batch, target=target, max_steps=max_steps)
    return (math.inf if run.reached.fractional is None else run.reached.fractional), run.noise_variance


def batch_grid(low: float, high: float, per_octave: int = PER_OCTAVE) -> np.ndarray:
    """Distinct integers on a geometric grid from ⌊low⌋ (at least 1) to ⌈high⌉, ``per_octave`` points per doubling."""
    low, high = max(1.0, math.floor(low)), max(2.0, math.ceil(high))
    points = np.exp2(np.arange(math.log2(low), math.log2(high) + 1e-9, 1.0 / per_octave))
    return np.unique(np.round(points))


def measure_sfo_cbs(problem, *, lr: float, targets, max_steps: int = MAX_STEPS) -> SFOMeasurement:
    """Measured b* = argmin_B B·K(B) at each target, with the template's two predictions.

    The batch grid of a target runs from 2^{1/4}·Y_∞/ε (below Y_∞/ε the noise floor alone exceeds ε: unreachable on
    the NQM, and on linear regression whose floor is higher still) to twice the theorem's b*, both known before any
    run; a measured b* at the grid's edge is flagged (``measured.at_edge``).
    """
    system = _system(problem)
    targets = np.sort(errors.vector("targets", targets, positive=True, distinct=True))[::-1]
    max_steps = errors.integer("max_steps", max_steps)
    largest_curvature = float(problem.h.max() if system == "nqm" else problem.eigenvalues.max())
    lr = errors.real("lr", lr, gt=0, lt=2.0 / largest_curvature)  # the descent lemma's η < 2/L
    smoothness, variance, gap, y_floor = (_nqm_constants if system == "nqm" else _linreg_constants)(problem, lr)
    rows, largest = [], variance
    for target in targets:
        x, y, _ = theory.sgd_constants(smoothness, variance, gap, lr)
        # The template's own K(b*) = 2X/ε; near the floor's threshold the grid's first points need ~3× that.
        if not (theory.optimal_batch(y, target) <= MAX_BATCH and 2.0 * x / target <= max_steps / 10):
            raise errors.InvalidParameter(
                "targets", f"large enough that 2Y/eps <= {MAX_BATCH:g} and the template's steps 2X/eps <= max_steps/10"
                           f" = {max_steps / 10:g} (lr = {lr:g}: X = {x:.4g}, Y = {y:.4g})", float(target))
        batches = batch_grid(2**0.25 * y_floor / target, 2.0 * theory.optimal_batch(y, target))
        steps = []
        for batch in batches:
            k, seen = _steps(problem, system, lr, int(batch), float(target), max_steps)
            steps.append(k)
            largest = max(largest, seen)
        if not any(math.isfinite(k) for k in steps):
            raise errors.InvalidParameter("targets", f"reachable within max_steps = {max_steps} at some batch size "
                                                     f"up to {batches[-1]:g}", float(target))
        rows.append((float(target), batches, np.array(steps)))
    x, y, _ = theory.sgd_constants(smoothness, largest, gap, lr)
    results = []
    for target, batches, steps in rows:
        template = [theory.template_steps(batch, 1.0, y_floor, target) for batch in batches]
        results.append(SFOTarget(target, batches, steps, sfo_cbs(batches, steps), theory.optimal_batch(y, target),
                                 theory.optimal_batch(y_floor, target), sfo_cbs(batches, template).b_star))
    return SFOMeasurement(system, lr, SFOConstants(smoothness, largest, gap, x, y, y_floor), results)
