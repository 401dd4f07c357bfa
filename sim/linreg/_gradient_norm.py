"""Exact mean squared gradient norm of constant-step SGD on linear regression: the SFO bounds' measure.

With f(w) = ½E(xᵀw − y)² (the update w ← w − (γ/B)Σ x(xᵀw − y) is SGD on it), ∇f(w) = H(w − w*) and
E‖∇f(w_k)‖² = Σ_i λ_i² s_{k,i} for the diagonal second moments s_k of the exact recursion
(:mod:`batchlab.sim.linreg._exact`; stepped here by :func:`batchlab.sim.linreg._strategies.plain_step`). The
SFO-complexity bounds ([Sato 2025], :mod:`batchlab.theory.sfo`) hold the mean over the first K iterates,

    G(K) = (1/K) Σ_{k<K} E‖∇f(w_k)‖²,

and need σ², a bound on the variance of a one-sample gradient along the run. For Gaussian x that variance is

    E‖x(xᵀv − ξ) − Hv‖² = ‖Hv‖² + (vᵀHv + σ²)·tr H,   v = w − w*, ξ the label noise,

whose expectation at step k is Σλ²s_k + (Σλs_k + σ²)·Σλ: the run records its largest value.
"""

from dataclasses import dataclass

import numpy as np

from batchlab.sim import errors
from batchlab.sim._numba import jit
from batchlab.sim.linreg._exact import lane_sum
from batchlab.sim.linreg._problem import LinRegProblem
from batchlab.sim.linreg._strategies import plain_step
from batchlab.sim.results import JSONResult
from batchlab.sim.targets import StepsToTarget, steps_to_target


@jit
def _gradient_norm_kernel(lam, weight, s, sigma2, lr, batch, steps, target, blowup, path):
    """Run up to ``steps`` steps from s = w*², stopping at the first K with G(K) ≤ ``target``.

    Fills ``path[K − 1]`` = G(K) where ``path`` has room. Returns (K run, diverged, G(K − 1), G(K), the largest
    one-sample noise variance seen).
    """
    lw = lam * weight
    trace = lane_sum(lw)
    risk_terms, unused = np.empty(lam.size), np.empty(0)
    gradient_terms = np.empty(lam.size)
    for i in range(lam.size):
        gradient_terms[i] = lam[i] * lw[i] * s[i]
    risk, gradient = lane_sum(lw * s), lane_sum(gradient_terms)
    total, previous, largest = 0.0, 0.0, 0.0
    for k in range(1, steps + 1):
        total += gradient  # of w_{k−1}
        largest = max(largest, gradient + (risk + sigma2) * trace)
        mean = total / k
        if k <= path.size:
            path[k - 1] = mean
        if mean <= target:
            return k, False, previous, mean, largest
        if k == steps:
            break
        previous = mean
        plain_step(s, unused, unused, lam, lw, lr, batch, lr * lr / batch * (risk + sigma2), 0.0, False, risk_terms,
                   unused)
        risk = lane_sum(risk_terms)
        if not risk <= blowup:
            return k, True, previous, np.inf, largest
        for i in range(lam.size):
            gradient_terms[i] = lam[i] * risk_terms[i]
        gradient = lane_sum(gradient_terms)
    return steps, False, previous, mean, largest


@dataclass(frozen=True)
class GradientNormRun(JSONResult):
    """One exact run of G(K) = (1/K) Σ_{k<K} E‖∇f(w_k)‖².

    ``means[K − 1]`` = G(K) for K = 1..len(means) (empty for a search); ``reached``: the first K with G(K) ≤ the
    target (a :class:`StepsToTarget`); ``noise_variance``: the largest expected one-sample gradient variance over
    the iterates it saw (the σ² of the SFO bound).
    """

    lr: float
    batch: int
    means: np.ndarray
    reached: StepsToTarget
    diverged: bool
    noise_variance: float


def _run(problem: LinRegProblem, lr, batch, steps, target, keep_path) -> GradientNormRun:
    lr = errors.real("lr", lr, gt=0)
    batch = errors.integer("batch", batch)
    steps = errors.integer("steps", steps)
    path = np.empty(steps if keep_path else 0)
    if keep_path:
        errors.fits_in_memory("steps", steps, 8 * steps)
    ran, diverged, before, after, largest = _gradient_norm_kernel(
        problem.eigenvalues, problem.weights, problem.w_star**2, problem.sigma**2, lr, float(batch), steps, target,
        problem.blowup_threshold, path)
    if diverged or not after <= target:
        reached = StepsToTarget(None, None)
    elif ran == 1:
        reached = StepsToTarget(1, 1.0)
    else:
        reached = steps_to_target([before, after], target, first_step=ran - 1)
    return GradientNormRun(lr, batch, path[:ran], reached, bool(diverged), float(largest))


def mean_gradient_norm(problem: LinRegProblem, *, lr: float, batch: int, steps: int) -> GradientNormRun:
    """G(K) = (1/K) Σ_{k<K} E‖∇f(w_k)‖² for K = 1..``steps`` (exact, O(d) per step), stopped if it diverges."""
    return _run(problem, lr, batch, steps, -np.inf, True)


def steps_to_gradient_norm(problem: LinRegProblem, *, lr: float, batch: int, target: float,
                           max_steps: int) -> GradientNormRun:
    """The first K ≤ ``max_steps`` with G(K) ≤ ``target`` (``reached``; fractional log-linearly between K − 1 and K)."""
    return _run(problem, lr, batch, max_steps, errors.real("target", target, gt=0), False)
