"""Monte Carlo of linear optimisers on the NQM (SGD, heavy-ball and Nesterov momentum, EMA, and schedules of them).

The check on the exact engines.

Each replicate draws θ(0) ~ N(0, diag(s0)) and runs the optimiser's per-dimension recursion
y' = F y + g ε (:mod:`batchlab.sim.nqm._linear`), ε ~ N(0, c/B), one normal per dimension per step (the
batch mean of B Gaussian per-example noises is exactly Gaussian with variance c/B, so this is exact
in law at O(d) per step whatever B). SGD is momentum with β = 0; a schedule is a sequence of pieces, each
with its own F, g and noise (so its own learning rate and batch size). A binned problem simulates one
coordinate per bin and weights its loss by the bin count, which keeps the expected loss (the replicate
spread is larger than with every coordinate simulated). Replicate r uses stream
:func:`batchlab.sim.seeding.replicate_rngs` (seed, r) and replicates run on a thread pool: the same numbers
whatever the number of threads.
"""

import math

import numpy as np

from batchlab.sim import errors
from batchlab.sim._numba import jit
from batchlab.sim.montecarlo import MonteCarlo
from batchlab.sim.nqm._linear import LinearSystem, momentum_system
from batchlab.sim.nqm._problem import NQMProblem
from batchlab.sim.parallel import Workers, map_replicates, replicate, replicates_seconds
from batchlab.sim.seeding import replicate_rngs

SECONDS_PER_COORDINATE_STEP = 7e-9
"""One replicate's step of one simulated coordinate, on one core of the 2-core reference machine
(benchmarks/estimates.py measures it)."""


def estimated_seconds(coordinates: int, *, steps: int, reps: int, workers: int = 1) -> float:
    """Seconds for ``reps`` replicates of ``steps`` steps of ``coordinates`` coordinates on ``workers`` threads.

    A binned problem simulates one coordinate per bin.
    """
    return replicates_seconds(SECONDS_PER_COORDINATE_STEP * coordinates * steps, reps, workers)


@jit
def _replicate(rng, F, g, sd, ends, s0, follow, weight, output, record_at):
    """One run of y' = F_j y + g_j ε (piece j until step ``ends[j]``) from y_0 = θ_0(1, follow).

    F (pieces, d, 2, 2), g (pieces, d, 2), sd (pieces, d) the noise standard deviations; returns
    Σ w y_output² after each step in ``record_at`` (sorted, at most ends[-1]).
    """
    d = s0.size
    y1 = np.empty(d)
    y2 = np.empty(d)
    for i in range(d):
        theta = math.sqrt(s0[i]) * rng.standard_normal()
        y1[i] = theta
        y2[i] = follow[i] * theta
    out = np.empty(record_at.size)
    t = 0
    j = 0
    for r in range(record_at.size):
        while t < record_at[r]:
            while ends[j] <= t:
                j += 1
            for i in range(d):
                e = sd[j, i] * rng.standard_normal()
                a = F[j, i, 0, 0] * y1[i] + F[j, i, 0, 1] * y2[i] + g[j, i, 0] * e
                y2[i] = F[j, i, 1, 0] * y1[i] + F[j, i, 1, 1] * y2[i] + g[j, i, 1] * e
                y1[i] = a
            t += 1
        total = 0.0
        for i in range(d):
            value = y1[i] if output == 0 else y2[i]
            total += weight[i] * value * value
        out[r] = total
    return out


def _record_at(steps):
    record_at = np.sort(np.asarray(steps, dtype=np.int64).ravel())
    if record_at.size == 0 or record_at[0] < 0:
        raise errors.InvalidParameter("steps", "a non-empty list of non-negative integers", list(record_at))
    return record_at


def piecewise_monte_carlo(problem: NQMProblem, systems, ends, steps, *, reps: int = 200, seed: int = 0,
                          workers: Workers = None) -> MonteCarlo:
    """Monte Carlo loss of linear optimisers run one after another: ``systems[j]`` until step ``ends[j]``."""
    reps = errors.integer("reps", reps, ge=2)
    seed = errors.integer("seed", seed, ge=0)
    record_at = _record_at(steps)
    first = systems[0]
    F = np.stack([system.F for system in systems])
    g = np.stack([system.g for system in systems])
    sd = np.sqrt(np.stack([system.noise for system in systems]))
    follow = first.z0[:, 2] / first.z0[:, 0]  # y_0 = θ_0(1, follow): 0 for momentum (u_0 = 0), 1 for EMA (θ̃_0 = θ_0)
    weight = problem.weight
    ends = np.asarray(ends, dtype=np.int64)
    one = replicate(_replicate, F, g, sd, ends, problem.s0, follow, weight, first.output, record_at)
    return MonteCarlo(record_at, np.array(map_replicates(one, replicate_rngs(seed, reps), workers)), seed)


def system_monte_carlo(problem: NQMProblem, system: LinearSystem, steps, *, reps: int = 200, seed: int = 0,
                       workers: Workers = None) -> MonteCarlo:
    """Monte Carlo loss of a two-variable linear optimiser (:class:`LinearSystem`) after each of ``steps`` steps."""
    record_at = _record_at(steps)
    return piecewise_monte_carlo(problem, [system], [max(int(record_at[-1]), 1)], record_at, reps=reps, seed=seed,
                                 workers=workers)


def sgd_monte_carlo(problem: NQMProblem, *, lr: float, batch: int, steps, precond: float = 0.0, reps: int = 200,
                    seed: int = 0, workers: Workers = None) -> MonteCarlo:
    """Monte Carlo loss of constant-lr SGD (momentum 0) after each of ``steps`` steps, ``reps`` replicates."""
    system = momentum_system(problem, lr=lr, batch=batch, momentum=0.0, precond=precond)
    return system_monte_carlo(problem, system, steps, reps=reps, seed=seed, workers=workers)
