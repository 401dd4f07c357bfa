"""Exact expected loss of SGD with a power preconditioner on the NQM, and its steps to a target.

Per dimension (:mod:`batchlab.theory.nqm`) s(k) = r^k s(0) + n·G_k with G_k = Σ_{j<k} r^j = (r^k − 1)/(r − 1)
(k at r = 1), evaluated as two non-negative parts (``expm1`` for G_k): the equivalent form
s* + r^k(s(0) − s*) cancels catastrophically when the noise floor s* dwarfs s(0) (strong
preconditioning of small-h dimensions). The loss is L(k) = Σ_i ½w_ih_i s_i(k).

Each dimension's s_i(k) is monotone in k: non-increasing iff r < 1 and s(0) ≥ s* (i.e.
s(0)(1 − r) ≥ n), non-decreasing otherwise. So on a step interval [k1, k2] the loss is bounded
below by taking each non-increasing dimension at k2 and each other one at k1, and the first
step with L(k) ≤ target is found by a left-first branch and bound over [1, max_steps] with that
bound: exact, whether or not L is monotone (it need not be: dimensions whose noise floor lies
above their start rise while the others fall), at O(d) per bound and typically a few hundred bounds.
"""

import math

import numpy as np

from batchlab.sim import errors
from batchlab.sim._numba import jit
from batchlab.sim.nqm._problem import NQMProblem
from batchlab.sim.targets import StepsToTarget, steps_to_target
from batchlab.theory.nqm import sgd_coefficients, sgd_steady_state

MAX_STEPS = 10**9  # the NQM notebook's search horizon for SGD


@jit
def _dimensions(h, c, s0, counts, lr, batch, precond):
    """Per-dimension (½wh, n, r, ln r, non_increasing) of the closed form.

    As :func:`batchlab.theory.nqm.sgd_coefficients`, compiled.
    """
    d = h.size
    weight, n, r, log_r = np.empty(d), np.empty(d), np.empty(d), np.empty(d)
    non_increasing = np.empty(d, dtype=np.bool_)
    for i in range(d):
        x = lr * h[i] ** (1.0 - precond)
        weight[i] = 0.5 * counts[i] * h[i]
        n[i] = lr * lr * h[i] ** (-2.0 * precond) * c[i] / batch
        r[i] = (1.0 - x) ** 2
        log_r[i] = math.log(r[i]) if r[i] > 0.0 else -math.inf
        non_increasing[i] = r[i] < 1.0 and s0[i] * (1.0 - r[i]) >= n[i]
    return weight, n, r, log_r, non_increasing


@jit
def _second_moment(s0, n, r, log_r, k):
    """s(k) = r^k s0 + n·Σ_{j<k} r^j, both parts computed without cancellation."""
    if k == 0:
        return s0
    if r == 1.0:
        return s0 + n * k
    return math.exp(k * log_r) * s0 + n * (math.expm1(k * log_r) / (r - 1.0))


@jit
def _loss_at(weight, s0, n, r, log_r, k):
    total = 0.0
    for i in range(weight.size):
        total += weight[i] * _second_moment(s0[i], n[i], r[i], log_r[i], k)
    return total


@jit
def _lower_bound(weight, s0, n, r, log_r, non_increasing, k1, k2):
    total = 0.0
    for i in range(weight.size):
        total += weight[i] * _second_moment(s0[i], n[i], r[i], log_r[i], k2 if non_increasing[i] else k1)
    return total


@jit
def _first_crossing(weight, s0, n, r, log_r, non_increasing, target, max_steps):
    """Smallest k in [0, max_steps] with L(k) ≤ target, or −1."""
    if _loss_at(weight, s0, n, r, log_r, 0) <= target:
        return 0
    lows = np.empty(256, dtype=np.int64)
    highs = np.empty(256, dtype=np.int64)
    lows[0], highs[0], top = 1, max_steps, 1
    while top > 0:
        top -= 1
        lo, hi = lows[top], highs[top]
        if _lower_bound(weight, s0, n, r, log_r, non_increasing, lo, hi) > target:
            continue
        if lo == hi:
            if _loss_at(weight, s0, n, r, log_r, lo) <= target:
                return lo
            continue
        mid = (lo + hi) // 2
        lows[top], highs[top] = mid + 1, hi  # the right half waits ...
        lows[top + 1], highs[top + 1] = lo, mid  # ... while the left half is searched first
        top += 2
    return -1


@jit
def _crossing(h, c, s0, counts, lr, batch, precond, target, max_steps):
    """(first k with L(k) ≤ target or −1, L(k − 1), L(k)) for one learning rate, all in compiled code."""
    weight, n, r, log_r, non_increasing = _dimensions(h, c, s0, counts, lr, batch, precond)
    k = _first_crossing(weight, s0, n, r, log_r, non_increasing, target, max_steps)
    if k <= 0:
        return k, 0.0, 0.0
    return k, _loss_at(weight, s0, n, r, log_r, k - 1), _loss_at(weight, s0, n, r, log_r, k)


def _result(k, before, after, target) -> StepsToTarget:
    if k < 0:
        return StepsToTarget(None, None)
    if k == 0:
        return StepsToTarget(0, 0.0)
    return steps_to_target([before, after], target, first_step=k - 1)


def fractional_steps(problem: NQMProblem, lr: float, batch: int, precond: float, target: float,
                     max_steps: int) -> float:
    """The fractional first crossing (inf if none), without argument checks: the tuner's inner loop."""
    k, before, after = _crossing(problem.h, problem.c, problem.s0, problem.counts, lr, float(batch), precond, target,
                                 max_steps)
    result = _result(k, before, after, target)
    return math.inf if result.fractional is None else result.fractional


def _check(lr, batch, precond):
    return (errors.real("lr", lr, gt=0), errors.integer("batch", batch),
            errors.real("precond", precond, ge=0, le=1))


def sgd_loss(problem: NQMProblem, *, lr: float, batch: int, steps, precond: float = 0.0) -> np.ndarray:
    """Exact expected loss ½Σ w h E θ² after each of ``steps`` (non-negative integers) of constant-lr SGD."""
    lr, batch, precond = _check(lr, batch, precond)
    weight, n, r, log_r, _ = _dimensions(problem.h, problem.c, problem.s0, problem.counts, lr, float(batch), precond)
    steps = np.asarray(steps, dtype=np.int64)
    if np.any(steps < 0):
        raise errors.InvalidParameter("steps", "non-negative integers", int(steps.min()))
    return np.array([_loss_at(weight, problem.s0, n, r, log_r, int(k)) for k in steps.ravel()]).reshape(steps.shape)


def sgd_second_moments(problem: NQMProblem, *, lr: float, batch: int, step: int, precond: float = 0.0) -> np.ndarray:
    """E θ_i² after ``step`` steps of constant-lr SGD, per dimension (bin)."""
    lr, batch, precond = _check(lr, batch, precond)
    step = errors.integer("step", step, ge=0)
    _, n, r, log_r, _ = _dimensions(problem.h, problem.c, problem.s0, problem.counts, lr, float(batch), precond)
    return np.array([_second_moment(problem.s0[i], n[i], r[i], log_r[i], step) for i in range(problem.h.size)])


def sgd_steady_loss(problem: NQMProblem, *, lr: float, batch: int, precond: float = 0.0) -> float:
    """lim_k L(k) = ½Σ w h s*, inf unless every dimension is stable (0 < αh^{1−p} < 2)."""
    lr, batch, precond = _check(lr, batch, precond)
    x, _, n = sgd_coefficients(problem.h, problem.c, lr, batch, precond)
    return problem.loss(sgd_steady_state(x, n))


def sgd_steps_to_target(problem: NQMProblem, *, lr: float, batch: int, target: float, precond: float = 0.0,
                        max_steps: int = MAX_STEPS) -> StepsToTarget:
    """Exact first step k ≤ ``max_steps`` with L(k) ≤ ``target`` (loss need not be monotone).

    ``fractional`` interpolates log-linearly between steps k − 1 and k (:func:`batchlab.sim.targets.steps_to_target`).
    """
    lr, batch, precond = _check(lr, batch, precond)
    target = errors.real("target", target, gt=0)
    max_steps = errors.integer("max_steps", max_steps)
    k, before, after = _crossing(problem.h, problem.c, problem.s0, problem.counts, lr, float(batch), precond, target,
                                 max_steps)
    return _result(int(k), before, after, target)
