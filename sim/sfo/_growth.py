"""Growth schedules of batch size and learning rate against the best constant ones, in stochastic gradients.

[Umeda 2025]: stage m runs L steps at b_m = b_0δ^m and η_m = η_0γ^m; the noise the stages add to a direction too
flat to contract grows by γ²/δ a stage, so it stays bounded iff γ² < δ (tested in test_nqm_schedule.py). Here the
learning rate is also capped at the engine's stability limit (0.999 of it), as every tuned learning rate in
batchlab is: past the cap only the batch grows.

The comparison, per target ε on the expected loss (NQM) or the last iterate's excess risk (linear regression):

* **constant**: min over B on a 2^{1/2} grid of B·K(B), the learning rate tuned per B (:func:`minimize_log`);
* **growth** (δ, γ): min over b_0 and L on 2× grids of the SFO count, η_0 tuned per (b_0, L), each run stopped
  once it has spent more than the best count so far (which cannot change the minimum).

The SFO counts come from the exact engines' growth first passages (:func:`batchlab.sim.nqm.growth_sfo`,
:func:`batchlab.sim.linreg.growth_sfo`). The grids bound how close to the true optima the searches get:
a saving below ~5–10% is within their resolution.
"""

import math
from dataclasses import dataclass

import numpy as np

from batchlab.sim import errors, linreg, nqm
from batchlab.sim.results import JSONResult
from batchlab.sim.tuning import minimize_log

FACTORS = tuple((delta, gamma) for delta in (2.0, 4.0)
                for gamma in (1.0, delta**0.25, 0.95 * delta**0.5, 1.2 * delta**0.5))  # γ² < δ for the first three
LR_RANGE = 1e-4  # η (η_0) is tuned over [LR_RANGE·cap, cap]
BUDGET = 2.0  # growth runs stop past this multiple of the constant optimum's count (their ``sfo`` is then inf)


@dataclass(frozen=True)
class GrowthPoint(JSONResult):
    """The best SFO count found for one (δ, γ) (δ = γ = 1: constant), and the b_0, η_0, L that give it.

    ``sfo`` is inf (and the rest None) when no schedule of the search came within the budget.
    """

    batch_factor: float
    lr_factor: float
    sfo: float
    batch: float | None
    lr: float | None
    stage_steps: int | None

    @property
    def bounded(self) -> bool:
        """γ² < δ: the noise the stages add stays bounded (without the learning-rate cap)."""
        return self.lr_factor**2 < self.batch_factor


@dataclass(frozen=True)
class GrowthComparison(JSONResult):
    """Growth schedules against the best constant batch size and learning rate at one target."""

    system: str
    target: float
    constant: GrowthPoint
    growth: list[GrowthPoint]

    @property
    def best(self) -> GrowthPoint:
        return min(self.growth, key=lambda point: point.sfo)

    @property
    def saving(self) -> float:
        """Constant SFO / best growth SFO (> 1: growth needs fewer stochastic gradients)."""
        return self.constant.sfo / self.best.sfo


def _engine(problem):
    if isinstance(problem, nqm.NQMProblem):
        return "nqm", nqm.growth_sfo
    if isinstance(problem, linreg.LinRegProblem):
        return "linreg", linreg.growth_sfo
    raise errors.InvalidParameter("problem", "an NQMProblem or a LinRegProblem", type(problem).__name__)


def _lr_cap(problem, system: str, batch: float) -> float:
    """The default cap of the engine's growth_sfo: 0.999 of the stability limit (at b_0 for linear regression)."""
    if system == "nqm":
        return 0.999 * nqm.stability_cap(problem, 0.0)
    return 0.999 * linreg.ms_stability_limit(problem.eigenvalues, round(batch), problem.weights)


def _best(problem, system, run, batch_factor, lr_factor, batches, stages, target, max_steps, budget) -> GrowthPoint:
    best = GrowthPoint(batch_factor, lr_factor, math.inf, None, None, None)
    for batch in batches:
        cap_lr = _lr_cap(problem, system, batch)
        for stage_steps in stages:
            def criterion(lr, cap, batch=batch, stage_steps=stage_steps):
                return run(problem, lr=lr, batch=batch, stage_steps=int(stage_steps), target=target,
                           lr_factor=lr_factor, batch_factor=batch_factor, budget=min(cap, best.sfo, budget),
                           max_steps=max_steps)

            tuned = minimize_log(criterion, LR_RANGE * cap_lr, cap_lr)
            if tuned.found and tuned.value < best.sfo:
                best = GrowthPoint(batch_factor, lr_factor, tuned.value, float(batch), tuned.argmin, int(stage_steps))
    return best


def compare_growth(problem, *, target: float, factors=FACTORS, batches=None, stages=None,
                   max_steps: int = 10**6) -> GrowthComparison:
    """The fewest stochastic gradients to ``target`` with a constant batch and learning rate, and with each growth.

    ``batches``: the constant batch sizes searched (default 2^{k/2}, k = 0..40) and, every other one, the growth
    schedules' b_0; ``stages``: the stage lengths L (default 2^3..2^18). ``max_steps`` limits every run.
    """
    system, run = _engine(problem)
    start = problem.loss(problem.s0) if system == "nqm" else float(np.sum(problem.weights * problem.eigenvalues *
                                                                              problem.w_star**2))
    target = errors.real("target", target, gt=0, lt=start)
    max_steps = errors.integer("max_steps", max_steps)
    batches = np.unique(np.round(2.0 ** (np.arange(41) / 2))) if batches is None else \
        np.unique(errors.vector("batches", batches, positive=True))
    stages = 2 ** np.arange(3, 19) if stages is None else np.unique(errors.vector("stages", stages, positive=True))
    factors = [(errors.real("batch_factor", d, ge=1), errors.real("lr_factor", g, gt=0)) for d, g in factors]
    # Constant: one stage longer than any run (L = max_steps), so only b and η matter.
    constant = _best(problem, system, run, 1.0, 1.0, batches, [max_steps], target, max_steps, math.inf)
    if constant.batch is None:
        raise errors.InvalidParameter("target", f"reachable with a constant batch size within {max_steps} steps",
                                      target)
    growth = [_best(problem, system, run, delta, gamma, batches[::2], stages, target, max_steps,
                    BUDGET * constant.sfo) for delta, gamma in factors]
    return GrowthComparison(system, target, constant, growth)
