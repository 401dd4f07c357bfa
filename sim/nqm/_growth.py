"""Stagewise growth of batch size and learning rate on the NQM: the stochastic gradients spent to reach a loss.

Stage m = 0, 1, ... runs ``stage_steps`` steps of SGD (P = H^{−p}) at b_m = round(b_0δ^m) and η_m = min(η_0γ^m,
η_max) ([Umeda 2025]; δ = γ = 1 is a constant batch size and learning rate). Within a stage the closed form of the
constant engine holds from the stage's starting second moments (:mod:`batchlab.sim.nqm._exact`), so the first
step with loss ≤ target is found stage by stage by that engine's crossing search, exact whether or not the loss is
monotone, and a stage's end state is its closed form at ``stage_steps``. The SFO count is Σ b_m over the steps
taken, fractional in the crossing step as :func:`batchlab.sim.targets.steps_to_target`.
"""

import math

from batchlab.sim import errors
from batchlab.sim._numba import jit
from batchlab.sim.nqm._curve import stability_cap
from batchlab.sim.nqm._exact import _dimensions, _first_crossing, _second_moment, _value_at
from batchlab.sim.nqm._problem import NQMProblem
from batchlab.sim.targets import compiled_crossing_share

MAX_BATCH = 2.0**50  # b_m stops growing here (it is a float in the kernel; no count comes near it)
MAX_STEPS = 10**7  # default step limit: a target below the noise floor is never reached


@jit
def _growth_sfo(h, c, s0, counts, precond, lr0, lr_factor, lr_cap, batch0, batch_factor, stage_steps, target,
                budget, max_steps):
    """SFO to the first step with loss ≤ ``target``; inf past ``budget`` gradients or ``max_steps`` steps."""
    s = s0.copy()
    sfo = 0.0
    lr, batch = lr0, batch0
    for stage in range(max(1, max_steps // stage_steps)):
        rounded = float(round(min(batch, MAX_BATCH)))
        weight, n, r, log_r, non_increasing = _dimensions(h, c, s, counts, min(lr, lr_cap), rounded, precond)
        steps = min(stage_steps, max_steps - stage * stage_steps)
        k = _first_crossing(weight, s, n, r, log_r, non_increasing, target, steps, False)
        if k == 0:
            return sfo
        if k > 0:
            before = _value_at(weight, s, n, r, log_r, k - 1, False)
            after = _value_at(weight, s, n, r, log_r, k, False)
            return sfo + rounded * (k - 1 + compiled_crossing_share(before, after, target))
        sfo += rounded * stage_steps
        if sfo > budget:
            return math.inf
        for i in range(s.size):
            s[i] = _second_moment(s[i], n[i], r[i], log_r[i], stage_steps)
        lr *= lr_factor
        batch *= batch_factor
    return math.inf


def growth_sfo(problem: NQMProblem, *, lr: float, batch: float, stage_steps: int, target: float,
               lr_factor: float = 1.0, batch_factor: float = 1.0, lr_cap: float | None = None,
               budget: float = math.inf, max_steps: int = MAX_STEPS, precond: float = 0.0) -> float:
    """Stochastic gradients (fractional) until the expected loss first reaches ``target`` under growth.

    η_m = min(``lr``·γ^m, ``lr_cap``), b_m = round(``batch``·δ^m) with γ = ``lr_factor``, δ = ``batch_factor``;
    ``lr_cap`` defaults to 0.999 of the stability cap (as the tuned learning rates of
    :func:`batchlab.sim.nqm.tuned_steps`) and may not exceed it. inf if the loss does not get there within
    ``budget`` gradients (a search's pruning bound) and ``max_steps`` steps (a target below the noise floor is
    never reached).
    """
    stable = stability_cap(problem, errors.real("precond", precond, ge=0, le=1))
    lr_cap = 0.999 * stable if lr_cap is None else errors.real("lr_cap", lr_cap, gt=0, le=stable)
    lr = errors.real("lr", lr, gt=0)
    batch = errors.real("batch", batch, ge=1)
    stage_steps = errors.integer("stage_steps", stage_steps)
    target = errors.real("target", target, gt=0)
    lr_factor = errors.real("lr_factor", lr_factor, gt=0)
    batch_factor = errors.real("batch_factor", batch_factor, ge=1)
    return float(_growth_sfo(problem.h, problem.c, problem.s0, problem.counts, float(precond), lr, lr_factor, lr_cap,
                             batch, batch_factor, stage_steps, target, float(budget),
                             errors.integer("max_steps", max_steps)))
