"""Steps to a target against batch size on the NQM, hyperparameters tuned per batch size, and its CBS.

The notebook's protocol ([Zhang 2019] in docs/references.md): per batch size B = 2^2..2^21 the
hyperparameters minimising the steps to reach the target (0.01) are picked from its grids
(``lr_grid="notebook"``, no refinement): SGD's learning rate from ``logspace(−5, 0.5, 100)``; with
heavy-ball or Nesterov momentum, or an EMA of the iterates, the learning rate from
``logspace(−8, 1, 100)`` and β (or γ) from ``1 − logspace(−5, 0, 20)``. ``lr_grid="fine"`` tunes over
the stable range instead: for SGD fractions 10⁻⁶..0.999 of 2/max h^{1−p} (40 points, then Brent); for the
others, at each β of the notebook's grid, 200 geometric points from an effective learning rate α/(1 − β)
of 10⁻⁶·2/max h^{1−p} up to 0.999 of that β's own stability limit (a grid in α alone, as the
notebook's, cannot follow the optimum as β → 1, where α = (1 − β)·α_eff). Steps are the exact first crossing
(:func:`batchlab.sim.nqm.sgd_steps_to_target`, :func:`batchlab.sim.nqm.system_steps_to_target`), fractional for the
tuning, so ties between grid points are broken by how far past the target each gets.

The critical batch size of the curve uses the toolkit's definitions: the overhead rule of
Definition 3 with linear scaling drawn from the smallest batch size
(:func:`batchlab.sim.critical_batch.linear_scaling_cbs`), located on the integers between the grid points that
bracket it by tuning there too (:func:`batchlab.sim.critical_batch.refine_on_integers`), the fitted form a + b/B^α
and the SFO minimiser.
Every (p, B) tuning is a :func:`batchlab.sim.sweep.sweep` task: parallel, cached, resumable.
"""

import math
from dataclasses import dataclass

import numpy as np

from batchlab.sim import errors
from batchlab.sim.critical_batch import (
    CBSCurve,
    check_overhead,
    curve_definitions,
    grid_warnings,
    linear_scaling_cbs,
    refine_on_integers,
)
from batchlab.sim.nqm._crossing import grid_steps, system_steps_to_target
from batchlab.sim.nqm._exact import MAX_STEPS, fractional_steps, sgd_second_moments, sgd_steps_to_target
from batchlab.sim.nqm._linear import (
    CODES,
    OPTIMIZERS,
    SECOND_PARAMETER,
    linear_system,
    second_parameter,
    system_second_moments,
)
from batchlab.sim.nqm._problem import NQMProblem
from batchlab.sim.parallel import Workers
from batchlab.sim.results import JSONResult
from batchlab.sim.sweep import DEFAULT, column, sweep
from batchlab.sim.tuning import minimize_log, minimize_on_grid
from batchlab.theory.nqm import gradient_noise_scales, stable_x_limit

NOTEBOOK_LRS = np.logspace(-5, 0.5, 100)
NOTEBOOK_LINEAR_LRS = np.logspace(-8, 1, 100)  # momentum and EMA
NOTEBOOK_KNOBS = np.sort(1.0 - np.logspace(-5, 0, 20))  # β or γ, from 0 (plain SGD) up to 1 − 10⁻⁵
FINE_POINTS = 200
PAPER_BATCHES = [2**j for j in range(2, 22)]
LR_GRIDS = ("notebook", "fine")


def stability_cap(problem: NQMProblem, precond: float, optimizer: str = "sgd", momentum: float = 0.0) -> float:
    """The largest stable learning rate.

    x = αh^{1−p} below :func:`batchlab.theory.nqm.stable_x_limit` everywhere (β = ``momentum`` for 'momentum' and
    'nesterov'; SGD's and EMA's do not depend on it).
    """
    return float(stable_x_limit(optimizer, momentum) / np.max(problem.h ** (1.0 - precond)))


def _check(optimizer, batch, target, precond, lr_grid):
    if optimizer not in OPTIMIZERS:
        raise errors.InvalidParameter("optimizer", "one of " + ", ".join(OPTIMIZERS), optimizer)
    if lr_grid not in LR_GRIDS:
        raise errors.InvalidParameter("lr_grid", "'notebook' or 'fine'", lr_grid)
    return (errors.integer("batch", batch), errors.real("target", target, gt=0),
            errors.real("precond", precond, ge=0, le=1))


@dataclass(frozen=True)
class TunedSteps(JSONResult):
    """The fewest steps to the target at one batch size, hyperparameters tuned on a grid.

    ``steps``: the exact first step at or below the target and ``fractional`` the tuning criterion (log-linear
    between steps), both None if no setting reaches it; ``lr``, ``momentum`` (β, for 'momentum' and 'nesterov')
    and ``ema_decay`` (γ, for 'ema') the optimum, None where they do not apply or nothing reached the target.
    ``scan_values`` is the grid of the second hyperparameter (β or γ; SGD has the one entry 0), and ``scan_steps``
    and ``scan_lr`` the best fractional steps at each and the learning rate giving them (nan where that value did
    not come within 1% of the overall best: the tuner stops such searches early). ``at_edge``: the optimum is at
    an end of a grid.
    """

    optimizer: str
    steps: int | None
    fractional: float | None
    lr: float | None
    momentum: float | None
    ema_decay: float | None
    at_edge: bool
    scan_values: np.ndarray
    scan_steps: np.ndarray
    scan_lr: np.ndarray

    @property
    def second(self) -> dict:
        """The keyword of the tuned β or γ (``{}`` for SGD), as :func:`batchlab.sim.nqm.linear_system` takes it."""
        return second_parameter(self.optimizer, self.momentum if self.ema_decay is None else self.ema_decay)

    @property
    def effective_lr(self) -> float | None:
        """α/(1 − β) for heavy-ball and Nesterov momentum (the step size of the equivalent SGD), else α."""
        if self.lr is None or self.momentum is None:
            return self.lr
        return self.lr / (1.0 - self.momentum)


def _tuned(optimizer, steps, fractional, lr, value, at_edge, scan_values, scan_steps, scan_lr) -> TunedSteps:
    own = SECOND_PARAMETER[optimizer]
    return TunedSteps(optimizer, steps, fractional, lr, value if own == "momentum" else None,
                      value if own == "ema_decay" else None, at_edge, scan_values,
                      np.where(np.isfinite(scan_steps), scan_steps, np.nan), scan_lr)


def tuned_steps(problem: NQMProblem, *, batch: int, target: float, precond: float = 0.0, optimizer: str = "sgd",
                lr_grid: str = "notebook", max_steps: int = MAX_STEPS) -> TunedSteps:
    """Min over the hyperparameter grid of the fractional steps to ``target`` (inf: never within ``max_steps``)."""
    batch, target, precond = _check(optimizer, batch, target, precond, lr_grid)
    max_steps = errors.integer("max_steps", max_steps)
    if optimizer == "sgd":
        return _tuned_sgd(problem, batch, target, precond, lr_grid, max_steps)
    knobs = NOTEBOOK_KNOBS
    if lr_grid == "notebook":
        lrs = np.tile(NOTEBOOK_LINEAR_LRS, (knobs.size, 1))
    else:  # from 10⁻⁶ of SGD's cap in effective lr α/(1 − β) (γ: α) up to 0.999 of this β's own stability cap
        sgd_cap = stability_cap(problem, precond)
        scale = (1.0 - knobs) if optimizer != "ema" else np.ones_like(knobs)
        lrs = np.array([np.geomspace(1e-6 * sgd_cap * s, 0.999 * stability_cap(problem, precond, optimizer, knob),
                                     FINE_POINTS) for knob, s in zip(knobs, scale)])
    values = grid_steps(problem, CODES[optimizer], batch=batch, precond=precond, knobs=knobs, lrs=lrs, target=target,
                        max_steps=max_steps)
    best_i = np.argmin(values, axis=1)
    knob_steps = values[np.arange(knobs.size), best_i]
    knob_lr = np.where(np.isfinite(knob_steps), lrs[np.arange(knobs.size), best_i], math.nan)
    j = int(np.argmin(knob_steps))
    if not math.isfinite(knob_steps[j]):
        return _tuned(optimizer, None, None, None, None, False, knobs, knob_steps, knob_lr)
    lr, knob = float(knob_lr[j]), float(knobs[j])
    system = linear_system(problem, optimizer, lr=lr, batch=batch, **second_parameter(optimizer, knob), precond=precond)
    exact = system_steps_to_target(problem, system, target=target, max_steps=max_steps)
    edge = best_i[j] in (0, lrs.shape[1] - 1) or j == knobs.size - 1
    return _tuned(optimizer, exact.steps, float(knob_steps[j]), lr, knob, bool(edge), knobs, knob_steps, knob_lr)


def _tuned_sgd(problem, batch, target, precond, lr_grid, max_steps) -> TunedSteps:
    def criterion(lr, cap):
        limit = max_steps if math.isinf(cap) else max(1, min(max_steps, math.ceil(cap) + 1))
        return fractional_steps(problem, lr, batch, precond, target, limit)

    if lr_grid == "notebook":
        tuned = minimize_on_grid(criterion, NOTEBOOK_LRS, refine=False)
    else:
        cap = stability_cap(problem, precond)
        tuned = minimize_log(criterion, 1e-6 * cap, 0.999 * cap, grid=40)
    single = np.array([0.0]), np.array([tuned.value]), np.array([math.nan if tuned.argmin is None else tuned.argmin])
    if not tuned.found:
        return _tuned("sgd", None, None, None, None, False, *single)
    exact = sgd_steps_to_target(problem, lr=tuned.argmin, batch=batch, target=target, precond=precond,
                                max_steps=max_steps)
    return _tuned("sgd", exact.steps, tuned.value, tuned.argmin, None, tuned.at_edge, *single)


def gradient_noise_path(problem: NQMProblem, *, lr: float, batch: int, steps, optimizer: str = "sgd",
                        momentum: float = 0.0, ema_decay: float = 0.0,
                        precond: float = 0.0) -> tuple[np.ndarray, np.ndarray]:
    """McCandlish's (B_simple, B_noise) along a run, at each of ``steps``, from the exact E θ².

    θ is where the gradient is taken; see :func:`batchlab.theory.nqm.gradient_noise_scales`.
    """
    batch, _, precond = _check(optimizer, batch, 1.0, precond, "notebook")
    steps = [errors.integer("steps", k, ge=0) for k in np.atleast_1d(steps).tolist()]
    if optimizer == "sgd":
        states = [sgd_second_moments(problem, lr=lr, batch=batch, step=k, precond=precond) for k in steps]
    else:
        system = linear_system(problem, optimizer, lr=lr, batch=batch, momentum=momentum, ema_decay=ema_decay,
                               precond=precond)
        states = [system_second_moments(problem, system, k) for k in steps]
    scales = np.array([gradient_noise_scales(problem.h, problem.c, problem.counts, s, precond) for s in states])
    return scales[:, 0], scales[:, 1]


def steps_task(problem: dict, optimizer: str, batch: int, target: float, precond: float, lr_grid: str) -> dict:
    """Sweep task: :func:`tuned_steps` for one (optimizer, p, B), as JSON."""
    return tuned_steps(NQMProblem.from_spec(problem), batch=batch, target=target, precond=precond,
                       optimizer=optimizer, lr_grid=lr_grid).to_dict()


@dataclass(frozen=True, kw_only=True)
class StepsCurve(CBSCurve):
    """Steps to ``target`` against batch size for one optimiser setting, with the CBS by each definition.

    A :class:`batchlab.sim.critical_batch.CBSCurve`: ``steps`` are the tuned fractional steps (log-linear between
    steps; nan where the target is never reached) and ``first_step`` the exact first step at or below the target
    (integer-valued; nan where never). ``lr``, ``momentum`` (β; None unless 'momentum' or 'nesterov') and
    ``ema_decay`` (γ; None unless 'ema') the tuned hyperparameters per batch size. ``paper`` is Definition 3's
    overhead rule with linear scaling from the smallest batch size that reaches the target. ``b_noise``/``b_simple``:
    McCandlish's scales (:func:`batchlab.theory.nqm.gradient_noise_scales`) at the state where that batch size's
    optimal run first reaches the target, i.e. measured in ordinary small-batch training; under his model B_noise
    is the batch size at 2× the linear-scaling steps.
    """

    optimizer: str
    precond: float
    target: float
    lr_grid: str
    first_step: np.ndarray
    lr: np.ndarray
    momentum: np.ndarray | None
    ema_decay: np.ndarray | None

    @property
    def effective_lr(self) -> np.ndarray:
        """α/(1 − β) for heavy-ball and Nesterov momentum (the step size of the equivalent SGD), else α."""
        return self.lr if self.momentum is None else self.lr / (1.0 - self.momentum)


def steps_curves(problem: NQMProblem, *, optimizer: str = "sgd", preconds=(0.0,), batches=PAPER_BATCHES,
                 target: float = 0.01, lr_grid: str = "notebook", overhead: float = 1.2, cache=DEFAULT,
                 workers: Workers = None) -> list[StepsCurve]:
    """:class:`StepsCurve` of ``optimizer`` for each preconditioning power in ``preconds``, as one cached sweep."""
    _check(optimizer, 1, target, 0.0, lr_grid)
    preconds = [errors.real("precond", p, ge=0, le=1) for p in preconds]
    overhead = check_overhead(overhead)
    batches = sorted({errors.integer("batches", b) for b in batches})
    if len(batches) < 2:
        raise errors.InvalidParameter("batches", "at least two batch sizes", batches)
    configs = [dict(problem=problem.spec, optimizer=optimizer, batch=b, target=target, precond=p, lr_grid=lr_grid)
               for p in preconds for b in batches]
    records = iter(sweep(steps_task, configs, cache=cache, workers=workers,
                         desc=f"NQM {optimizer}: tune per batch size"))
    own = SECOND_PARAMETER[optimizer]
    grid = np.array(batches, dtype=np.float64)
    measured = []
    for precond in preconds:
        rows = [next(records) for _ in batches]
        steps = column(rows, "fractional")
        finite = np.isfinite(steps)
        if not finite.any():
            raise errors.InvalidParameter("target", f"reachable at some batch size (p = {precond})", target)
        first = int(np.argmax(finite))
        measured.append((precond, rows, steps, first,
                         linear_scaling_cbs(grid, steps, reference=grid[first], overhead=overhead)))

    def steps_at(requests):  # the tuned steps at integer B between grid points: one sweep per round
        configs = [dict(problem=problem.spec, optimizer=optimizer, batch=b, target=target, precond=measured[i][0],
                        lr_grid=lr_grid) for i, b in requests]
        return list(column(sweep(steps_task, configs, cache=cache, workers=workers,
                                  desc=f"NQM {optimizer}: refine B* on integers"), "fractional"))

    papers = refine_on_integers([paper for *_, paper in measured], steps_at)
    curves = []
    for (precond, rows, steps, first, _), paper in zip(measured, papers):
        reference = rows[first]
        (b_simple,), (b_noise,) = gradient_noise_path(
            problem, lr=reference["lr"], batch=batches[first], steps=[reference["steps"]], optimizer=optimizer,
            **second_parameter(optimizer, reference[own] if own else 0.0), precond=precond)
        curves.append(StepsCurve(
            batch_sizes=grid, steps=steps,
            **curve_definitions(grid, steps, b_opt=grid[first], overhead=overhead, paper=paper),
            b_noise=float(b_noise), b_simple=float(b_simple), warnings=grid_warnings(grid, paper),
            optimizer=optimizer, precond=precond, target=target, lr_grid=lr_grid, first_step=column(rows, "steps"),
            lr=column(rows, "lr"), momentum=column(rows, "momentum") if own == "momentum" else None,
            ema_decay=column(rows, "ema_decay") if own == "ema_decay" else None))
    return curves
