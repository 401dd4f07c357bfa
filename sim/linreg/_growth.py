"""Stagewise growth of batch size and learning rate on linear regression: the gradients spent to reach a risk.

Stage m = 0, 1, ... runs ``stage_steps`` steps of SGD at b_m = round(b_0δ^m) and γ_m = min(γ_0ρ^m, γ_max)
([Umeda 2025]; δ = ρ = 1 is a constant batch size and learning rate), by the exact moment recursion one step at a
time (:func:`batchlab.sim.linreg._strategies.plain_step`); the last iterate's excess risk Σλ_i s_i is watched after
every step, so the first step at or below the target is exact. The SFO count is Σ b_m over the steps taken,
fractional in the crossing step as :func:`batchlab.sim.targets.steps_to_target`.
"""

import functools
import math

import numpy as np

from batchlab.sim import errors
from batchlab.sim._numba import jit
from batchlab.sim.linreg._exact import lane_sum
from batchlab.sim.linreg._problem import LinRegProblem
from batchlab.sim.linreg._strategies import plain_step
from batchlab.sim.targets import compiled_crossing_share
from batchlab.theory.linreg import ms_stability_limit

MAX_BATCH = 2.0**50  # b_m stops growing here
MAX_STEPS = 10**7  # default step limit: a target below the noise floor is never reached


@jit
def _growth_sfo(lam, weight, s, sigma2, lr0, lr_factor, lr_cap, batch0, batch_factor, stage_steps, target, budget,
                max_steps, blowup):
    """SFO to the first step with risk ≤ ``target`` from s = w*² (in place).

    inf past ``budget`` gradients or ``max_steps`` steps, or on blow-up.
    """
    lw = lam * weight
    unused = np.empty(0)
    risk_terms = np.empty(lam.size)
    risk = lane_sum(lw * s)
    if risk <= target:
        return 0.0
    sfo, lr, batch = 0.0, lr0, batch0
    for _ in range(max(1, max_steps // stage_steps)):
        rounded = float(round(min(batch, MAX_BATCH)))
        step = min(lr, lr_cap)
        for k in range(1, min(stage_steps, max_steps) + 1):
            plain_step(s, unused, unused, lam, lw, step, rounded, step * step / rounded * (risk + sigma2), 0.0,
                       False, risk_terms, unused)
            before, risk = risk, lane_sum(risk_terms)
            if risk <= target:
                return sfo + rounded * (k - 1 + compiled_crossing_share(before, risk, target))
            if not risk <= blowup:
                return math.inf
        sfo += rounded * stage_steps
        if sfo > budget:
            return math.inf
        lr *= lr_factor
        batch *= batch_factor
    return math.inf


@functools.lru_cache(maxsize=256)
def _stability_limit(problem: LinRegProblem, batch: int) -> float:
    """The mean-square stability limit at ``batch`` (kept: a search asks for the same few batch sizes many times)."""
    return ms_stability_limit(problem.eigenvalues, batch, problem.weights)


def growth_sfo(problem: LinRegProblem, *, lr: float, batch: float, stage_steps: int, target: float,
               lr_factor: float = 1.0, batch_factor: float = 1.0, lr_cap: float | None = None,
               budget: float = math.inf, max_steps: int = MAX_STEPS) -> float:
    """Stochastic gradients (fractional) until the last iterate's expected excess risk first reaches ``target``.

    γ_m = min(``lr``·ρ^m, ``lr_cap``), b_m = round(``batch``·δ^m) with ρ = ``lr_factor``, δ = ``batch_factor``.
    ``lr_cap`` defaults to 0.999 of the mean-square stability limit at b_0 (the limit grows with the batch, so
    every stage is stable) and may not exceed it. inf if the risk does not get there within ``budget`` gradients
    (a search's pruning bound) and ``max_steps`` steps (each costs O(d); a target below the noise floor is never
    reached), or blows up.
    """
    lr = errors.real("lr", lr, gt=0)
    batch = errors.real("batch", batch, ge=1)
    stable = _stability_limit(problem, round(batch))
    lr_cap = 0.999 * stable if lr_cap is None else errors.real("lr_cap", lr_cap, gt=0, le=stable)
    budget = math.inf if budget == math.inf else errors.real("budget", budget, gt=0)
    max_steps = errors.integer("max_steps", max_steps)
    lr_factor, batch_factor = errors.real("lr_factor", lr_factor, gt=0), errors.real("batch_factor", batch_factor, ge=1)
    return float(_growth_sfo(problem.eigenvalues, problem.weights, problem.w_star**2, problem.sigma**2, lr, lr_factor,
                             lr_cap, batch, batch_factor, errors.integer("stage_steps", stage_steps),
                             errors.real("target", target, gt=0), budget, max_steps, problem.blowup_threshold))
