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

The same search runs on the mean of E‖∇L‖² = Σ counts·h²·s_i over the first K iterates (the measure of the
SFO-complexity bounds, :func:`sgd_steps_to_gradient_norm`): Σ_{j<K} s(j) = s(0)·G_K + n·Σ_{j<K} G_j by binary
powering (:func:`_power_sums`), and a running mean of a monotone sequence is monotone the same way.
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
def _power_sums(r, k):
    """(r^k, G_k = Σ_{j<k} r^j, H_k = Σ_{j<k} G_j) by binary powering of the affine map (s, S) → (rs + n, S + s).

    Doubling m → 2m takes (r^m, G_m, H_m) to (r^{2m}, G_m(1 + r^m), 2H_m + G_m²) and a step m → m + 1 to
    (r^{m+1}, rG_m + 1, H_m + G_m): sums of non-negative terms for 0 ≤ r, so no cancellation however close r is to 1.
    """
    power, g, h = 1.0, 0.0, 0.0
    for bit in range(62, -1, -1):
        power, g, h = power * power, g * (1.0 + power), 2.0 * h + g * g
        if (k >> bit) & 1:
            power, g, h = power * r, r * g + 1.0, h + g
    return power, g, h


@jit
def _mean_second_moment(s0, n, r, k):
    """(1/k) Σ_{j<k} s(j) = (s0·G_k + n·H_k)/k for k ≥ 1: the mean over the first k iterates θ_0..θ_{k−1}."""
    _, g, h = _power_sums(r, k)
    return (s0 * g + n * h) / k


@jit
def _value_at(weight, s0, n, r, log_r, k, mean):
    """Σ weight_i·s_i(k), or with ``mean`` Σ weight_i·(mean of s_i over the first k iterates)."""
    total = 0.0
    for i in range(weight.size):
        if mean:
            total += weight[i] * _mean_second_moment(s0[i], n[i], r[i], k)
        else:
            total += weight[i] * _second_moment(s0[i], n[i], r[i], log_r[i], k)
    return total


@jit
def _lower_bound(weight, s0, n, r, log_r, non_increasing, k1, k2, mean):
    """Σ weight_i·s_i at k2 for the non-increasing dimensions and k1 for the others: a lower bound on [k1, k2].

    A running mean of a monotone sequence is monotone the same way, so this bounds the ``mean`` value too.
    """
    total = 0.0
    for i in range(weight.size):
        k = k2 if non_increasing[i] else k1
        if mean:
            total += weight[i] * _mean_second_moment(s0[i], n[i], r[i], k)
        else:
            total += weight[i] * _second_moment(s0[i], n[i], r[i], log_r[i], k)
    return total


@jit
def _first_crossing(weight, s0, n, r, log_r, non_increasing, target, max_steps, mean):
    """Smallest k in [first, max_steps] with value(k) ≤ target, or −1; first = 1 for a ``mean`` (of k iterates)."""
    first = 1 if mean else 0
    if _value_at(weight, s0, n, r, log_r, first, mean) <= target:
        return first
    lows = np.empty(256, dtype=np.int64)
    highs = np.empty(256, dtype=np.int64)
    lows[0], highs[0], top = first + 1, max_steps, 1
    while top > 0:
        top -= 1
        lo, hi = lows[top], highs[top]
        if _lower_bound(weight, s0, n, r, log_r, non_increasing, lo, hi, mean) > target:
            continue
        if lo == hi:
            if _value_at(weight, s0, n, r, log_r, lo, mean) <= target:
                return lo
            continue
        mid = (lo + hi) // 2
        lows[top], highs[top] = mid + 1, hi  # the right half waits ...
        lows[top + 1], highs[top + 1] = lo, mid  # ... while the left half is searched first
        top += 2
    return -1


@jit
def _crossing(h, c, s0, counts, lr, batch, precond, target, max_steps, gradient_norm):
    """(first k with value(k) ≤ target or −1, value(k − 1), value(k)) for one learning rate, in compiled code.

    The value is the loss L(k), or with ``gradient_norm`` the mean of E‖∇L(θ_j)‖² = Σ counts·h²·s_j over j < k.
    """
    weight, n, r, log_r, non_increasing = _dimensions(h, c, s0, counts, lr, batch, precond)
    if gradient_norm:
        weight = counts * h * h
    k = _first_crossing(weight, s0, n, r, log_r, non_increasing, target, max_steps, gradient_norm)
    if k <= int(gradient_norm):  # not reached (−1), or at the first value
        return k, 0.0, 0.0
    return (k, _value_at(weight, s0, n, r, log_r, k - 1, gradient_norm),
            _value_at(weight, s0, n, r, log_r, k, gradient_norm))


def _result(k, before, after, target, first: int = 0) -> StepsToTarget:
    if k < 0:
        return StepsToTarget(None, None)
    if k == first:
        return StepsToTarget(first, float(first))
    return steps_to_target([before, after], target, first_step=k - 1)


def fractional_steps(problem: NQMProblem, lr: float, batch: int, precond: float, target: float,
                     max_steps: int) -> float:
    """The fractional first crossing (inf if none), without argument checks: the tuner's inner loop."""
    k, before, after = _crossing(problem.h, problem.c, problem.s0, problem.counts, lr, float(batch), precond, target,
                                 max_steps, False)
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
    return np.array([_value_at(weight, problem.s0, n, r, log_r, int(k), False)
                     for k in steps.ravel()]).reshape(steps.shape)


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
                                 max_steps, False)
    return _result(int(k), before, after, target)


def sgd_mean_gradient_norm(problem: NQMProblem, *, lr: float, batch: int, steps) -> np.ndarray:
    """(1/K) Σ_{k<K} E‖∇L(θ_k)‖² (= Σ counts·h²·E θ_k², over θ_0..θ_{K−1}) for each K in ``steps`` (≥ 1), plain SGD.

    The measure the SFO-complexity bounds of constant-step SGD are on (:mod:`batchlab.theory.sfo`).
    """
    lr, batch, _ = _check(lr, batch, 0.0)
    _, n, r, log_r, _ = _dimensions(problem.h, problem.c, problem.s0, problem.counts, lr, float(batch), 0.0)
    steps = np.asarray(steps, dtype=np.int64)
    if np.any(steps < 1):
        raise errors.InvalidParameter("steps", "integers >= 1 (a mean over the first K iterates)", int(steps.min()))
    weight = problem.counts * problem.h**2
    return np.array([_value_at(weight, problem.s0, n, r, log_r, int(k), True)
                     for k in steps.ravel()]).reshape(steps.shape)


def sgd_steps_to_gradient_norm(problem: NQMProblem, *, lr: float, batch: int, target: float,
                               max_steps: int = MAX_STEPS) -> StepsToTarget:
    """Exact first K ≤ ``max_steps`` with (1/K) Σ_{k<K} E‖∇L(θ_k)‖² ≤ ``target``, plain SGD.

    ``fractional`` as in :func:`sgd_steps_to_target`.
    """
    lr, batch, _ = _check(lr, batch, 0.0)
    target = errors.real("target", target, gt=0)
    max_steps = errors.integer("max_steps", max_steps)
    k, before, after = _crossing(problem.h, problem.c, problem.s0, problem.counts, lr, float(batch), 0.0, target,
                                 max_steps, True)
    return _result(int(k), before, after, target, first=1)
