"""Monte Carlo SGD with a power preconditioner on the NQM: the check on the exact engine.

Each replicate draws θ(0) ~ N(0, diag(s0)) and runs θ ← θ − αh^{−p}(hθ + ε), ε ~ N(0, diag(c)/B),
one normal per dimension per step (the batch mean of B Gaussian per-example noises is exactly
Gaussian with covariance C/B, so this is exact in law at O(d) per step whatever B). A binned
problem simulates one coordinate per bin and weights its loss by the bin count, which keeps the
expected loss (the replicate spread is larger than with every coordinate simulated). Replicate r
uses stream :func:`sim.seeding.replicate_rngs`\\ (seed, r) and replicates run on a thread pool:
the same numbers whatever the number of threads.
"""

import math
from dataclasses import dataclass, field

import numpy as np

from sim import errors
from sim._numba import jit
from sim.nqm._problem import NQMProblem
from sim.parallel import map_replicates
from sim.seeding import replicate_rngs


@jit
def _sgd_replicate(rng, h, c, s0, weight, lr, batch, precond, record_at):
    """One run; returns the loss ½Σ w h θ² after each of ``record_at`` steps (sorted, non-negative)."""
    d = h.size
    theta = np.empty(d)
    step = np.empty(d)
    noise = np.empty(d)
    for i in range(d):
        theta[i] = math.sqrt(s0[i]) * rng.standard_normal()
        scale = lr * h[i] ** (-precond)
        step[i] = scale * h[i]
        noise[i] = scale * math.sqrt(c[i] / batch)
    out = np.empty(record_at.size)
    t = 0
    for j in range(record_at.size):
        while t < record_at[j]:
            for i in range(d):
                theta[i] -= step[i] * theta[i] + noise[i] * rng.standard_normal()
            t += 1
        total = 0.0
        for i in range(d):
            total += weight[i] * theta[i] * theta[i]
        out[j] = total
    return out


@dataclass(frozen=True)
class NQMMonteCarlo:
    """Per-replicate losses (``losses[r, j]`` after ``steps[j]`` steps), their means and standard errors."""

    steps: np.ndarray
    losses: np.ndarray = field(repr=False)

    @property
    def mean(self) -> np.ndarray:
        return self.losses.mean(axis=0)

    @property
    def stderr(self) -> np.ndarray:
        return self.losses.std(axis=0, ddof=1) / math.sqrt(self.losses.shape[0])


def sgd_monte_carlo(problem: NQMProblem, *, lr: float, batch: int, steps, precond: float = 0.0, reps: int = 200,
                    seed: int = 0, workers: int | None = None) -> NQMMonteCarlo:
    """Monte Carlo loss of constant-lr SGD after each of ``steps`` steps, ``reps`` replicates of ``seed``."""
    lr = errors.real("lr", lr, gt=0)
    batch = errors.integer("batch", batch)
    precond = errors.real("precond", precond, ge=0, le=1)
    reps = errors.integer("reps", reps, ge=2)
    seed = errors.integer("seed", seed, ge=0)
    record_at = np.sort(np.asarray(steps, dtype=np.int64).ravel())
    if record_at.size == 0 or record_at[0] < 0:
        raise errors.InvalidParameter("steps", "a non-empty list of non-negative integers", list(record_at))
    weight = 0.5 * problem.counts * problem.h

    def one(rng):
        return _sgd_replicate(rng, problem.h, problem.c, problem.s0, weight, lr, float(batch), precond, record_at)

    return NQMMonteCarlo(record_at, np.array(map_replicates(one, replicate_rngs(seed, reps), workers)))
