"""Learning-rate and batch-size schedules on the NQM: exact and Monte Carlo losses for every optimiser.

A :class:`Schedule` is a list of pieces, piece j running ``lengths[j]`` steps at learning rate ``lr[j]``
with batch size ``batch[j]``; per-step schedules are compressed into runs of equal steps, so a piecewise
constant schedule costs O(pieces), not O(steps). Momentum buffers and EMAs carry over between pieces.

Exact engine: per dimension the second moments S (2×2, of the optimiser's state y) go through piece j as

    S ← F^L S F^{Lᵀ} + W_L,   F^L = C_L I + U_L (F − (τ/2)I),   W_L = σ² Σ_{k<L} F^k g gᵀ F^{kᵀ},

the transport by the Lucas functions C_L, U_L (:mod:`batchlab.sim.nqm._crossing`: accurate where 1 − λ is tiny) and
the piece's noise W_L by doubling, a sum of positive semidefinite terms (centring on the steady state
instead, S* + F^L(S − S*)F^{Lᵀ}, cancels where the steady state dwarfs S: a flat direction, a short piece).
A piece of L steps costs O(log L) per dimension; the loss can be read at any step (pieces are split there).

Optimised schedules (the paper's protocol, [Zhang 2019] in docs/references.md; SGD): K pieces of equal length over T
steps, log learning rates chosen by L-BFGS-B to minimise the loss at step T, each capped at
2/(h_max^{1−p} + h_min^{1−p}) (the step that contracts the extreme dimensions equally); the steps of a batch
size are the smallest T at which the optimised loss reaches the target, found by bisection on T (the optimised
loss at T is non-increasing in T for a single piece, and, as in the notebook, assumed so for K pieces; the
answer is checked at T − 1). K = 1 is the constant learning rate under the same cap.
"""

import math
from dataclasses import dataclass

import numpy as np
from scipy.optimize import minimize, minimize_scalar

from batchlab.sim import errors
from batchlab.sim._numba import jit
from batchlab.sim.montecarlo import MonteCarlo
from batchlab.sim.nqm._crossing import _eigen, _lucas
from batchlab.sim.nqm._exact import _dimensions, _second_moment
from batchlab.sim.nqm._linear import _FOLLOW, _OUTPUT, linear_system, optimizer_code, system_arrays
from batchlab.sim.nqm._montecarlo import piecewise_monte_carlo
from batchlab.sim.nqm._problem import NQMProblem
from batchlab.sim.parallel import Workers
from batchlab.sim.results import JSONResult
from batchlab.sim.sweep import DEFAULT, column, sweep


@dataclass(frozen=True)
class Schedule(JSONResult):
    """Piecewise-constant hyperparameters: ``lengths[j]`` steps at ``lr[j]`` with batch size ``batch[j]``."""

    lengths: np.ndarray
    lr: np.ndarray
    batch: np.ndarray

    def __post_init__(self):
        lengths = np.asarray(self.lengths, dtype=np.int64)
        lr = errors.vector("lr", self.lr, positive=True)
        batch = np.asarray(self.batch, dtype=np.float64)
        if lengths.ndim != 1 or lengths.size != lr.size or np.any(lengths < 1):
            raise errors.InvalidParameter("lengths", f"{lr.size} positive step counts (one per piece)",
                                          lengths.tolist())
        if batch.shape != lr.shape or np.any(batch < 1) or np.any(batch != np.round(batch)):
            raise errors.InvalidParameter("batch", f"{lr.size} integers >= 1 (one per piece)", batch.tolist())
        object.__setattr__(self, "lengths", lengths)
        object.__setattr__(self, "lr", lr)
        object.__setattr__(self, "batch", batch)

    @property
    def total_steps(self) -> int:
        return int(self.lengths.sum())

    @classmethod
    def constant(cls, lr: float, batch: int, steps: int) -> "Schedule":
        return cls([errors.integer("steps", steps)], [lr], [errors.integer("batch", batch)])

    @classmethod
    def piecewise(cls, lrs, batch: int, steps: int) -> "Schedule":
        """``len(lrs)`` pieces of (nearly) equal length over ``steps`` steps: the first steps mod K are one longer."""
        lrs = errors.vector("lrs", lrs, positive=True)
        steps = errors.integer("steps", steps, ge=lrs.size)
        lengths = np.full(lrs.size, steps // lrs.size)
        lengths[: steps % lrs.size] += 1
        return cls(lengths, lrs, np.full(lrs.size, errors.integer("batch", batch)))

    @classmethod
    def per_step(cls, lr, batch) -> "Schedule":
        """Step t uses ``lr[t]`` and ``batch[t]`` (a scalar batch applies to every step); runs are merged."""
        lr = errors.vector("lr", lr, positive=True)
        batch = np.broadcast_to(np.asarray(batch, dtype=np.float64), lr.shape)
        change = np.flatnonzero((np.diff(lr) != 0) | (np.diff(batch) != 0)) + 1
        starts = np.concatenate([[0], change])
        return cls(np.diff(np.concatenate([starts, [lr.size]])), lr[starts], batch[starts])

    @classmethod
    def growth(cls, lr: float, batch: int, stage_steps: int, stages: int, *, lr_factor: float = 1.4,
               batch_factor: float = 2.0) -> "Schedule":
        """Iiduka-group growth: stage m runs ``stage_steps`` steps at η_m = η_0 γ^m with b_m = round(b_0 δ^m)."""
        stages = errors.integer("stages", stages)
        lr_factor = errors.real("lr_factor", lr_factor, gt=0)
        batch_factor = errors.real("batch_factor", batch_factor, ge=1)
        m = np.arange(stages)
        return cls(np.full(stages, errors.integer("stage_steps", stage_steps)), lr * lr_factor**m,
                   np.round(errors.integer("batch", batch) * batch_factor**m))

    def split_at(self, steps) -> tuple["Schedule", np.ndarray]:
        """The same schedule with pieces split at ``steps``, and each step's index into the loss list.

        The loss list is :func:`schedule_loss`'s: entry 0 at step 0, entry j + 1 at the end of piece j.
        """
        steps = np.asarray(steps, dtype=np.int64)
        if steps.ndim != 1 or np.any(steps < 0) or np.any(steps > self.total_steps):
            raise errors.InvalidParameter("steps", f"step counts in [0, {self.total_steps}]", steps.tolist())
        ends = np.cumsum(self.lengths)
        cuts = np.union1d(ends, steps[steps > 0])
        owner = np.searchsorted(ends, cuts, side="left")  # the piece each new piece lies in
        lengths = np.diff(np.concatenate([[0], cuts]))
        split = Schedule(lengths, self.lr[owner], self.batch[owner])
        return split, np.where(steps == 0, 0, np.searchsorted(cuts, steps) + 1)  # 0: before any piece


@jit
def _noise_gramian(F, g, noise, steps):
    """W = Σ_{k<steps} F^k g gᵀ F^{kᵀ}·noise (2×2, as (W₁₁, W₂₂, W₁₂)) by doubling: W_{2m} = W_m + F^m W_m F^{mᵀ}.

    Every update adds a positive semidefinite term, so nothing cancels however slowly F contracts.
    """
    result = np.zeros(3)
    power = np.eye(2)  # F^m for the part already summed (m = the steps taken so far)
    base_F = F.copy()
    base_W = np.array([g[0] * g[0] * noise, g[1] * g[1] * noise, g[0] * g[1] * noise])
    while steps > 0:
        if steps & 1:  # the next 2^k steps come after the summed ones: W ← W + F^m W_{2^k} F^{mᵀ}
            result += _congruence(power, base_W)
            power = power @ base_F
        base_W = base_W + _congruence(base_F, base_W)
        base_F = base_F @ base_F
        steps >>= 1
    return result


@jit
def _congruence(A, S):
    """A S Aᵀ for symmetric S stored as (S₁₁, S₂₂, S₁₂)."""
    a, b, e = S[0], S[1], S[2]
    return np.array([A[0, 0] ** 2 * a + 2.0 * A[0, 0] * A[0, 1] * e + A[0, 1] ** 2 * b,
                     A[1, 0] ** 2 * a + 2.0 * A[1, 0] * A[1, 1] * e + A[1, 1] ** 2 * b,
                     A[0, 0] * A[1, 0] * a + (A[0, 0] * A[1, 1] + A[0, 1] * A[1, 0]) * e + A[0, 1] * A[1, 1] * b])


@jit
def _propagate(code, h, c, s0, weight, precond, knob, lengths, lrs, batches):
    """Loss ½Σwh E y_out² at step 0 and after each piece, for optimiser ``code`` (SGD: heavy ball with β = 0)."""
    d = h.size
    output = _OUTPUT[code]
    follow = _FOLLOW[code]
    S = np.empty((d, 3))  # (E y₁², E y₂², E y₁y₂)
    for i in range(d):
        S[i, 0], S[i, 1], S[i, 2] = s0[i], follow * follow * s0[i], follow * s0[i]
    out = np.empty(lengths.size + 1)
    out[0] = np.sum(weight * S[:, output])
    row = np.zeros(11)
    power = np.empty((2, 2))
    for j in range(lengths.size):
        F, g, noise, _, trace, det, disc, at_one, at_minus_one, _ = system_arrays(
            code, h, c, s0, lrs[j], batches[j], knob, precond)
        for i in range(d):
            kind = _eigen(trace[i], det[i], disc[i], at_one[i], at_minus_one[i], row)
            cu, uu = _lucas(kind, row, float(lengths[j]))  # F^L = C_L I + U_L (F − (τ/2)I)
            half = 0.5 * trace[i]
            power[0, 0], power[0, 1] = cu + uu * (F[i, 0, 0] - half), uu * F[i, 0, 1]
            power[1, 0], power[1, 1] = uu * F[i, 1, 0], cu + uu * (F[i, 1, 1] - half)
            S[i] = _congruence(power, S[i]) + _noise_gramian(F[i], g[i], noise[i], lengths[j])
        total = np.sum(weight * S[:, output])
        out[j + 1] = total if math.isfinite(total) else math.inf
    return out


def schedule_loss(problem: NQMProblem, schedule: Schedule, *, optimizer: str = "sgd", momentum: float = 0.0,
                  ema_decay: float = 0.0, precond: float = 0.0, steps=None) -> np.ndarray:
    """Exact expected loss ½Σ w h E(output)² under ``schedule``, at the end of every piece (or at ``steps``).

    ``optimizer``: 'sgd', 'momentum', 'nesterov' or 'ema' (β = ``momentum`` or γ = ``ema_decay``, held fixed); the
    buffers carry over between pieces. Without ``steps`` the result has one entry per piece end, after step 0.
    """
    code, knob = optimizer_code(optimizer, momentum=momentum, ema_decay=ema_decay)
    precond = errors.real("precond", precond, ge=0, le=1)
    split, index = (schedule, None) if steps is None else schedule.split_at(steps)
    losses = _propagate(code, problem.h, problem.c, problem.s0, problem.weight, precond, knob, split.lengths,
                        split.lr, split.batch)
    return losses if index is None else losses[index]


def schedule_monte_carlo(problem: NQMProblem, schedule: Schedule, steps, *, optimizer: str = "sgd",
                         momentum: float = 0.0, ema_decay: float = 0.0, precond: float = 0.0, reps: int = 200,
                         seed: int = 0, workers: Workers = None) -> MonteCarlo:
    """Monte Carlo loss under ``schedule`` after each of ``steps`` (as :func:`schedule_loss`.

    Replicate streams as :func:`batchlab.sim.nqm.system_monte_carlo`).
    """
    systems = [linear_system(problem, optimizer, lr=lr, batch=int(batch), momentum=momentum, ema_decay=ema_decay,
                             precond=precond)
               for lr, batch in zip(schedule.lr, schedule.batch)]
    if np.any(np.asarray(steps) > schedule.total_steps):
        raise errors.InvalidParameter("steps", f"at most the schedule's {schedule.total_steps} steps", list(steps))
    return piecewise_monte_carlo(problem, systems, np.cumsum(schedule.lengths), steps, reps=reps, seed=seed,
                                 workers=workers)


def schedule_cap(problem: NQMProblem, precond: float) -> float:
    """The protocol's cap on every piece's learning rate: 2/(h_max^{1−p} + h_min^{1−p})."""
    curvature = problem.h ** (1.0 - precond)
    return float(2.0 / (curvature.max() + curvature.min()))


@jit
def _sgd_final_loss(h, c, s0, counts, log_lrs, batch, lengths, precond):
    """SGD's loss after the pieces (log learning rates, lengths), by the SGD engine's closed form per piece."""
    s = s0.copy()
    for j in range(lengths.size):
        _, n, r, log_r, _ = _dimensions(h, c, s0, counts, math.exp(log_lrs[j]), batch, precond)
        for i in range(h.size):
            s[i] = _second_moment(s[i], n[i], r[i], log_r[i], lengths[j])
    return np.sum(0.5 * counts * h * s)


@dataclass(frozen=True)
class OptimisedSchedule(JSONResult):
    """The schedule with the lowest loss at ``schedule.total_steps`` among K equal pieces under ``cap``."""

    schedule: Schedule
    loss: float
    cap: float


def optimise_schedule(problem: NQMProblem, *, batch: int, steps: int, pieces: int = 10, precond: float = 0.0,
                      start=None) -> OptimisedSchedule:
    """L-BFGS-B over the ``pieces`` log learning rates (each in [10⁻⁸·cap, cap]) minimising the log loss at ``steps``.

    Started from ``start`` (log learning rates) or from the best constant learning rate (bounded Brent), so the
    result is never worse than the best constant schedule under the same cap.
    """
    batch, pieces = errors.integer("batch", batch), errors.integer("pieces", pieces)
    steps = errors.integer("steps", steps, ge=pieces)
    precond = errors.real("precond", precond, ge=0, le=1)
    cap = schedule_cap(problem, precond)
    lengths = Schedule.piecewise(np.ones(pieces), batch, steps).lengths
    low, high = math.log(cap) + math.log(1e-8), math.log(cap)

    def objective(log_lrs):
        return math.log(_sgd_final_loss(problem.h, problem.c, problem.s0, problem.counts, np.asarray(log_lrs, float),
                                        float(batch), lengths, precond))

    constant = minimize_scalar(lambda v: objective(np.full(pieces, v)), bounds=(low, high), method="bounded",
                               options={"xatol": 1e-6})
    x0 = np.full(pieces, constant.x)
    best_x, best = x0, constant.fun
    if pieces > 1:
        for guess in ([x0] if start is None else [x0, np.clip(np.asarray(start, float), low, high)]):
            result = minimize(objective, guess, method="L-BFGS-B", bounds=[(low, high)] * pieces,
                              options={"ftol": 1e-12, "gtol": 1e-9, "maxiter": 500})
            if result.fun < best:
                best_x, best = result.x, float(result.fun)
    return OptimisedSchedule(Schedule(lengths, np.exp(best_x), np.full(pieces, float(batch))), math.exp(best), cap)


@dataclass(frozen=True)
class ScheduleSteps(JSONResult):
    """Fewest steps to the target with an optimised K-piece schedule (None: not within ``max_steps``)."""

    steps: int | None
    optimised: OptimisedSchedule | None


def schedule_steps(problem: NQMProblem, *, batch: int, target: float, pieces: int = 10, precond: float = 0.0,
                   max_steps: int = 10**9) -> ScheduleSteps:
    """Smallest T at which the optimised ``pieces``-piece schedule's loss at T is ≤ ``target`` (bisection on T)."""
    target = errors.real("target", target, gt=0)
    pieces = errors.integer("pieces", pieces)
    cache = {}

    def solve(T):
        if T not in cache:
            nearest = min(cache, key=lambda t: abs(t - T), default=None)
            start = None if nearest is None else np.log(cache[nearest].schedule.lr)
            cache[T] = optimise_schedule(problem, batch=batch, steps=T, pieces=pieces, precond=precond, start=start)
        return cache[T]

    high = pieces
    while solve(high).loss > target:
        if high >= max_steps:
            return ScheduleSteps(None, None)
        high = min(2 * high, max_steps)
    low = high // 2 if high > pieces else pieces - 1  # solve(low) > target, or low is below the smallest T
    while high - low > 1:
        mid = (low + high) // 2
        low, high = (low, mid) if solve(mid).loss <= target else (mid, high)
    return ScheduleSteps(high, solve(high))


def schedule_task(problem: dict, batch: int, target: float, precond: float, pieces: int) -> dict:
    """Sweep task: :func:`schedule_steps` for one (p, B, K), as JSON."""
    result = schedule_steps(NQMProblem.from_spec(problem), batch=batch, target=target, pieces=pieces, precond=precond)
    if result.steps is None:
        return {"steps": None, "lr": None, "cap": None}
    return {"steps": result.steps, "lr": result.optimised.schedule.lr.tolist(), "cap": result.optimised.cap}


@dataclass(frozen=True)
class ScheduleCurve(JSONResult):
    """Steps to ``target`` against batch size with an optimised ``pieces``-piece schedule (1: constant).

    ``steps[k]`` (nan where never), ``lr[k]`` the optimised learning rates of batch size k (nan where never).
    """

    precond: float
    pieces: int
    target: float
    batch_sizes: np.ndarray
    steps: np.ndarray
    lr: np.ndarray
    cap: float


def schedule_curves(problem: NQMProblem, *, preconds=(0.0,), pieces=(1, 10), batches=(4, 64), target: float = 0.01,
                    cache=DEFAULT, workers: Workers = None) -> list[ScheduleCurve]:
    """:class:`ScheduleCurve` for every (p, K), as one cached sweep (order: p outer, K inner)."""
    target = errors.real("target", target, gt=0)
    preconds = [errors.real("precond", p, ge=0, le=1) for p in preconds]
    pieces = [errors.integer("pieces", k) for k in pieces]
    batches = sorted({errors.integer("batches", b) for b in batches})
    configs = [dict(problem=problem.spec, batch=b, target=target, precond=p, pieces=k)
               for p in preconds for k in pieces for b in batches]
    records = iter(sweep(schedule_task, configs, cache=cache, workers=workers, desc="NQM: optimise schedules"))
    curves = []
    for precond in preconds:
        for k in pieces:
            rows = [next(records) for _ in batches]
            curves.append(ScheduleCurve(
                precond, k, target, np.array(batches, dtype=np.float64),
                column(rows, "steps"),
                np.array([np.full(k, np.nan) if r["lr"] is None else r["lr"] for r in rows]),
                schedule_cap(problem, precond)))
    return curves
