"""Muon's SFO-optimal batch size measured by Monte Carlo, against the first-moment template ([Sato 2025]).

Muon at fixed learning rate η, momentum β = 1 − α (Nesterov or not) and weight decay λ, on a test problem of
:mod:`batchlab.sim.scg._problems`: the mean suboptimality E f(X_k) − f* over ``reps`` runs at every step, for each
batch size b of a grid. K(b) is the first step at which the mean reaches ε, and the measured b* the argmin of
b·K(b) (:func:`batchlab.sim.critical_batch.sfo_cbs`).

A normalised step's noise floor falls as 1/√b, not 1/b: the floor after the transient (the mean of the last quarter
of the run) is fitted by least squares to Y/√b + Z, and the first-moment template X/K + Y/√b + Z
(:mod:`batchlab.theory.sfo`) then predicts b* = 9Y²/(4(ε − Z)²). The fit and the first passage rest on Monte Carlo
means: fixed seeds make them reproducible, and the band of a comparison has to cover their standard errors.
"""

import math
from dataclasses import dataclass

import numpy as np

from batchlab.sim import errors
from batchlab.sim.critical_batch import SFO, loglog_slope, sfo_cbs
from batchlab.sim.parallel import Workers
from batchlab.sim.results import JSONResult, jsonable, number
from batchlab.sim.scg._montecarlo import SCGSettings, scg_monte_carlo
from batchlab.sim.scg._problems import SCGProblem, problem_from_spec
from batchlab.sim.sweep import DEFAULT, sweep
from batchlab.sim.targets import steps_to_target
from batchlab.theory import sfo as template

BATCHES = tuple(float(b) for b in np.unique(np.round(2.0 ** np.arange(0, 13, 0.5))))


@dataclass(frozen=True)
class MuonSFO(JSONResult):
    """Measured and predicted b* at each target for one Muon setting.

    ``floors[j]``: mean suboptimality over the last quarter of the run at ``batches[j]``; ``y``, ``z``: the fit
    floor ≈ Y/√b + Z; per target ``measured`` (an :class:`SFO`) and ``predicted`` 9Y²/(4(ε − Z)²) (inf where
    ε ≤ Z).
    """

    settings: SCGSettings
    batches: np.ndarray
    floors: np.ndarray
    y: float
    z: float
    targets: np.ndarray
    measured: list[SFO]
    predicted: np.ndarray

    @property
    def b_star(self) -> np.ndarray:
        """The measured b* at each target (what :attr:`measured` holds, as one array)."""
        return np.array([m.b_star for m in self.measured])

    def to_dict(self) -> dict:
        """Every field, JSON-safe, and the measured :attr:`b_star` beside the ``predicted`` one."""
        return {**super().to_dict(), "b_star": jsonable(self.b_star)}

    def slope(self) -> float:
        """Log-log slope of the measured b* against ε − Z (the first-moment template says −2)."""
        return loglog_slope(self.targets - self.z, self.b_star)


def mean_path_task(problem: dict, settings: dict, batch: int, steps: int, reps: int, seed: int) -> dict:
    """Sweep task: the mean suboptimality at every step 0..``steps`` of ``reps`` runs at one batch size (β = 1).

    ``mean`` is None where a run diverged (JSON has no inf).
    """
    run = scg_monte_carlo(problem_from_spec(problem), SCGSettings(**settings), batch=batch, tokens=batch * steps,
                          beta=1.0, steps=range(steps + 1), reps=reps, seed=seed, workers=1)
    return {"mean": None if run.mean is None else [number(v) for v in run.mean]}


def muon_sfo_cbs(problem: SCGProblem, settings: SCGSettings, *, targets, batches=BATCHES, steps: int = 1500,
                 reps: int = 32, seed: int = 0, cache=DEFAULT, workers: Workers = None) -> MuonSFO:
    """b* = argmin b·K(b) per target by Monte Carlo, and the first-moment template's prediction.

    The prediction uses the fitted floor (module docstring). Every batch size runs ``steps`` steps (a target not
    reached by then counts as unreachable at that b); each batch size's mean path is one task of a cached sweep
    (:func:`batchlab.sim.sweep.sweep`), so a measurement repeated anywhere with the same cache is read back.
    """
    targets = np.sort(errors.vector("targets", targets, positive=True, distinct=True))[::-1]
    batches = np.unique(errors.vector("batches", batches, positive=True))
    steps = errors.integer("steps", steps, ge=8)
    configs = [dict(problem=problem.spec, settings=settings.to_dict(), batch=int(b), steps=steps,
                    reps=errors.integer("reps", reps, ge=2), seed=errors.integer("seed", seed, ge=0)) for b in batches]
    records = sweep(mean_path_task, configs, cache=cache, workers=workers, desc="Muon: mean paths")
    means = np.array([[math.nan if v is None else v for v in (record["mean"] or [None] * (steps + 1))]
                      for record in records])
    if not np.all(np.isfinite(means)):
        raise errors.InvalidParameter("settings", "settings whose runs do not diverge", settings.to_dict())
    floors = means[:, -(steps // 4):].mean(axis=1)
    (y, z), *_ = np.linalg.lstsq(np.column_stack([batches**-0.5, np.ones_like(batches)]), floors, rcond=None)
    measured, predicted = [], []
    for eps in targets:
        first = np.array([math.inf if k is None else k for k in
                          (steps_to_target(m, eps, first_step=0).fractional for m in means)])
        if not np.any(np.isfinite(first)):
            raise errors.InvalidParameter("targets", f"reached within {steps} steps at some batch size up to "
                                                     f"{batches[-1]:g}", float(eps))
        measured.append(sfo_cbs(batches, first))
        predicted.append(template.optimal_batch(y, eps, z, "first-moment") if eps > z and y > 0 else math.inf)
    return MuonSFO(settings, batches, floors, float(y), float(z), targets, measured, np.array(predicted))
