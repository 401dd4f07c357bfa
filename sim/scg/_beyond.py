"""Optimisers beyond the critical batch size on matrix problems ([Essential AI 2025]).

Steps to a target against batch size for Muon (spectral LMO), sign descent (entrywise ℓ∞ LMO, Adam's limit) and
SGD, all with the same Nesterov momentum, the learning rate tuned per batch size.

Steps K(B): the first step at which the Monte Carlo mean suboptimality (``reps`` runs, fixed seed) reaches the
target, fractional as :func:`batchlab.sim.targets.steps_to_target`; the learning rate minimises K(B) over a log
grid refined by Brent (:func:`batchlab.sim.tuning.minimize_log`), each run stopped at the best count so far. The
CBS is Definition 3 with the linear-scaling line through the smallest batch size
(:func:`batchlab.sim.critical_batch.linear_scaling_cbs`, overhead 1.2).
"""

import math
from dataclasses import dataclass

import numpy as np

from batchlab.sim import errors
from batchlab.sim.critical_batch import linear_scaling_cbs
from batchlab.sim.parallel import Workers
from batchlab.sim.results import JSONResult, number
from batchlab.sim.scg._montecarlo import SCGSettings, scg_monte_carlo
from batchlab.sim.scg._problems import SCGProblem, problem_from_spec
from batchlab.sim.sweep import DEFAULT, sweep
from batchlab.sim.targets import steps_to_target
from batchlab.sim.tuning import minimize_log

# name: (algorithm, lmo, learning-rate search range)
METHODS = {"muon": ("muon", "spectral", (1e-4, 1.0)), "sign": ("muon", "linf", (1e-5, 0.3)),
           "sgd": ("sgd", "l2", (1e-3, 30.0))}


@dataclass(frozen=True)
class BeyondCurve(JSONResult):
    """Tuned steps to ``target`` at each batch size for one method, its learning rates and its CBS."""

    method: str
    target: float
    batch_sizes: np.ndarray
    steps: np.ndarray
    lr: np.ndarray
    cbs: float

    def speedup(self) -> np.ndarray:
        """K(B_min)/K(B): B/B_min under linear scaling."""
        return self.steps[0] / self.steps


def tuned_steps(problem: SCGProblem, method: str, *, batch: int, target: float, alpha: float = 0.1,
                max_steps: int = 4000, reps: int = 16, seed: int = 0,
                workers: Workers = None) -> tuple[float, float | None]:
    """(fewest steps to ``target`` over the learning rate, that learning rate) at one batch size.

    (inf, None) if no learning rate of the range reaches it within ``max_steps``.
    """
    if method not in METHODS:
        raise errors.InvalidParameter("method", "one of " + ", ".join(METHODS), method)
    algorithm, lmo, (low, high) = METHODS[method]

    def criterion(lr, cap):
        limit = int(min(max_steps, math.ceil(cap) + 1)) if math.isfinite(cap) else max_steps
        settings = SCGSettings(lmo=lmo, alpha=alpha, radius=lr, algorithm=algorithm, nesterov=True)
        run = scg_monte_carlo(problem, settings, batch=batch, tokens=batch * limit, beta=1.0,
                              steps=range(limit + 1), reps=reps, seed=seed, workers=workers)
        if run.mean is None or not np.all(np.isfinite(run.mean)):
            return math.inf
        reached = steps_to_target(run.mean, target, first_step=0).fractional
        return math.inf if reached is None else reached

    tuned = minimize_log(criterion, low, high, grid=10, xtol=0.05)
    return (tuned.value, tuned.argmin) if tuned.found else (math.inf, None)


def tuned_steps_task(problem: dict, method: str, batch: int, target: float, alpha: float, max_steps: int, reps: int,
                     seed: int) -> dict:
    """Sweep task: :func:`tuned_steps` at one batch size (``steps`` None where no learning rate reaches it)."""
    steps, lr = tuned_steps(problem_from_spec(problem), method, batch=batch, target=target, alpha=alpha,
                            max_steps=max_steps, reps=reps, seed=seed, workers=1)
    return {"steps": number(steps), "lr": lr}


def beyond_cbs_curves(problem: SCGProblem, *, target: float, batches, methods=tuple(METHODS), alpha: float = 0.1,
                      max_steps: int = 4000, reps: int = 16, seed: int = 0, cache=DEFAULT,
                      workers: Workers = None) -> list[BeyondCurve]:
    """:class:`BeyondCurve` of each method over ``batches`` (the smallest must reach the target).

    Each (method, batch size) is one task of a cached sweep (:func:`batchlab.sim.sweep.sweep`).
    """
    target = errors.real("target", target, gt=0)
    batches = np.unique(errors.vector("batches", batches, positive=True))
    for method in methods:
        if method not in METHODS:
            raise errors.InvalidParameter("methods", "among " + ", ".join(METHODS), method)
    configs = [dict(problem=problem.spec, method=method, batch=int(b), target=target, alpha=alpha,
                    max_steps=errors.integer("max_steps", max_steps), reps=errors.integer("reps", reps, ge=2),
                    seed=errors.integer("seed", seed, ge=0)) for method in methods for b in batches]
    records = iter(sweep(tuned_steps_task, configs, cache=cache, workers=workers, desc="beyond the CBS"))
    curves = []
    for method in methods:
        rows = [next(records) for _ in batches]
        steps = np.array([math.inf if row["steps"] is None else row["steps"] for row in rows])
        lrs = np.array([math.nan if row["lr"] is None else row["lr"] for row in rows])
        cbs = linear_scaling_cbs(batches, steps).b_star
        curves.append(BeyondCurve(method, target, batches, steps, lrs, float(cbs)))
    return curves
