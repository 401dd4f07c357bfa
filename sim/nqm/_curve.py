"""Steps to a target against batch size on the NQM, learning rate tuned per batch size, and its CBS.

The notebook's protocol (Zhang et al. 2019, reference nqm.md): per batch size B = 2^2..2^21 the
learning rate minimising the steps to reach the target (0.01) is picked from
``logspace(−5, 0.5, 100)`` (``lr_grid="notebook"``, no refinement); ``lr_grid="fine"`` tunes
over the stable range instead (fractions 10⁻⁶..0.999 of 2/max h^{1−p}, 40 points, then Brent).
Steps are the exact first crossing (:func:`sim.nqm.sgd_steps_to_target`), fractional for the
tuning, so ties between grid points are broken by how far past the target each gets.

The critical batch size of the curve uses the toolkit's definitions: the overhead rule of
Definition 3 with linear scaling drawn from the smallest batch size
(:func:`sim.critical_batch.linear_scaling_cbs`), the fitted form a + b/B^α and the SFO minimiser.
Every (p, B) tuning is a :func:`sim.sweep.sweep` task: parallel, cached, resumable.
"""

import math
from dataclasses import dataclass

import numpy as np

from sim import errors
from sim.critical_batch import SFO, Definition3, FittedForm, fit_steps, linear_scaling_cbs, sfo_cbs
from sim.nqm._exact import MAX_STEPS, fractional_steps, sgd_second_moments, sgd_steps_to_target
from sim.nqm._problem import NQMProblem
from sim.sweep import DEFAULT, sweep
from sim.tuning import Tuned, minimize_log, minimize_on_grid
from theory.nqm import gradient_noise_scales

NOTEBOOK_LRS = np.logspace(-5, 0.5, 100)
PAPER_BATCHES = [2**j for j in range(2, 22)]
LR_GRIDS = ("notebook", "fine")


def stability_cap(problem: NQMProblem, precond: float) -> float:
    """SGD is stable iff αh^{1−p} < 2 in every dimension: α < 2/max h^{1−p}."""
    return float(2.0 / np.max(problem.h ** (1.0 - precond)))


def tuned_sgd_steps(problem: NQMProblem, *, batch: int, target: float, precond: float = 0.0,
                    lr_grid: str = "notebook", max_steps: int = MAX_STEPS) -> Tuned:
    """min over α of the fractional steps of SGD to reach ``target`` (inf: never within ``max_steps``)."""
    if lr_grid not in LR_GRIDS:
        raise errors.InvalidParameter("lr_grid", "'notebook' or 'fine'", lr_grid)
    batch = errors.integer("batch", batch)
    target = errors.real("target", target, gt=0)
    precond = errors.real("precond", precond, ge=0, le=1)
    max_steps = errors.integer("max_steps", max_steps)

    def criterion(lr, cap):
        limit = max_steps if math.isinf(cap) else max(1, min(max_steps, math.ceil(cap) + 1))
        return fractional_steps(problem, lr, batch, precond, target, limit)

    if lr_grid == "notebook":
        return minimize_on_grid(criterion, NOTEBOOK_LRS, refine=False)
    cap = stability_cap(problem, precond)
    return minimize_log(criterion, 1e-6 * cap, 0.999 * cap, grid=40)


def sgd_steps_task(problem: dict, batch: int, target: float, precond: float, lr_grid: str) -> dict:
    """Sweep task: :func:`tuned_sgd_steps` for one (p, B), as JSON."""
    problem = NQMProblem.from_spec(problem)
    tuned = tuned_sgd_steps(problem, batch=batch, target=target, precond=precond, lr_grid=lr_grid)
    if not tuned.found:
        return {"steps": None, "fractional": None, "lr": None, "lr_flat_range": None, "at_edge": False}
    exact = sgd_steps_to_target(problem, lr=tuned.argmin, batch=batch, target=target, precond=precond)
    return {"steps": exact.steps, "fractional": tuned.value, "lr": tuned.argmin,
            "lr_flat_range": list(tuned.flat_range), "at_edge": tuned.at_edge}


@dataclass(frozen=True)
class StepsCurve:
    """Steps to ``target`` against batch size for one optimiser setting, with the CBS by each definition.

    ``steps`` are integers (first step at or below the target), ``fractional`` their log-linear
    refinement (inf where the target is never reached), ``lr`` the tuned learning rates.
    ``linear`` is Definition 3's overhead rule with linear scaling from the smallest batch size.
    ``b_noise``/``b_simple``: McCandlish's scales (:func:`theory.nqm.gradient_noise_scales`) at the state
    where the smallest batch size's optimal run first reaches the target, i.e. measured in ordinary
    small-batch training; under his model B_noise is the batch size at 2× the linear-scaling steps.
    """

    precond: float
    target: float
    lr_grid: str
    batch_sizes: np.ndarray
    steps: np.ndarray
    fractional: np.ndarray
    lr: np.ndarray
    linear: Definition3
    fit: FittedForm | None
    sfo: SFO
    b_noise: float
    b_simple: float


def sgd_curves(problem: NQMProblem, *, preconds=(0.0,), batches=PAPER_BATCHES, target: float = 0.01,
               lr_grid: str = "notebook", overhead: float = 1.2, cache=DEFAULT,
               workers: int | None = None) -> list[StepsCurve]:
    """:class:`StepsCurve` of SGD for each preconditioning power in ``preconds``, as one cached sweep."""
    target = errors.real("target", target, gt=0)
    preconds = [errors.real("precond", p, ge=0, le=1) for p in preconds]
    batches = sorted({errors.integer("batches", b) for b in batches})
    if len(batches) < 2:
        raise errors.InvalidParameter("batches", "at least two batch sizes", batches)
    if lr_grid not in LR_GRIDS:
        raise errors.InvalidParameter("lr_grid", "'notebook' or 'fine'", lr_grid)
    configs = [dict(problem=problem.spec, batch=b, target=target, precond=p, lr_grid=lr_grid)
               for p in preconds for b in batches]
    records = iter(sweep(sgd_steps_task, configs, cache=cache, workers=workers, desc="NQM: tune lr per batch"))
    curves = []
    for precond in preconds:
        rows = [next(records) for _ in batches]
        fractional = np.array([math.inf if r["fractional"] is None else r["fractional"] for r in rows])
        finite = np.isfinite(fractional)
        first = int(np.argmax(finite))
        fit = (fit_steps(np.array(batches)[finite], fractional[finite], b_opt=batches[first], overhead=overhead)
               if finite.sum() >= 2 else None)
        reference = rows[first]
        state = sgd_second_moments(problem, lr=reference["lr"], batch=batches[first], step=reference["steps"],
                                   precond=precond)
        b_simple, b_noise = gradient_noise_scales(problem.h, problem.c, problem.counts, state, precond)
        curves.append(StepsCurve(
            precond, target, lr_grid, np.array(batches, dtype=np.float64),
            np.array([-1 if r["steps"] is None else r["steps"] for r in rows]), fractional,
            np.array([math.nan if r["lr"] is None else r["lr"] for r in rows]),
            linear_scaling_cbs(batches, fractional, reference=float(batches[first]), overhead=overhead), fit,
            sfo_cbs(batches, fractional), b_noise, b_simple))
    return curves
