"""Monte Carlo of SCG (Algorithm 1) and uSCG (Algorithm 2) on vector problems, O(d) per step.

Algorithm 1: m_{k+1} = (1 − α)m_k + α g(x_k; ξ_k), d_{k+1} = lmo(m_{k+1}), x_{k+1} = (1 − β_k)x_k + β_k η d_{k+1};
the momentum buffer starts at a fresh stochastic gradient m_0 = g(x_0; ξ_0) (the theorem's choice) or at zero
(Scion's code). Algorithm 2 (uSCG): the last line is x_{k+1} = x_k + η d_{k+1}, as the reference states it
(η is then the step length and β is not used). A batch of B sequences of S tokens is one Gaussian draw
g = ∇f(x) + σξ with σ = σ*/√(B·S) and E‖ξ‖₂² = 1 (the problem's noise shape): exact in law for Gaussian
per-token noise. Replicate r uses :func:`sim.seeding.replicate_rngs` (seed, r); replicates run on a thread pool,
so the numbers do not depend on the number of threads. A run whose loss overflows is reported as diverged.
"""

import math
from dataclasses import dataclass, field

import numpy as np

from sim import errors
from sim._numba import jit
from sim.parallel import map_replicates
from sim.scg._lmo import NORMS, l1_lmo, l2_lmo, linf_lmo
from sim.scg._problems import VECTOR_NORMS, QuadraticProblem
from sim.seeding import replicate_rngs
from theory.scg import bound_eq26

LMO_CODES = {name: code for code, name in enumerate(VECTOR_NORMS)}  # l2 0, linf 1, l1 2


@jit
def _lmo(code, g):
    if code == 0:
        return l2_lmo(g)
    if code == 1:
        return linf_lmo(g)
    return l1_lmo(g)


@jit
def _replicate(rng, a, x_star, noise_sd, x0, code, sigma, betas, alpha, eta, fresh, constrained, record_at, xs, gs):
    """One run; f(x_k) − f* at each step in ``record_at`` (sorted, ≤ len(betas)); nan once it has overflowed.

    ``xs`` (K + 1, d) and ``gs`` (K, d), when not empty, receive every iterate x_k and the stochastic gradient
    g(x_k; ξ_k) the step used (the constant estimators of §6.4 read them)."""
    d = a.size
    trace = xs.shape[0] > 0
    x = x0.copy()
    m = np.zeros(d)
    g = np.empty(d)
    if fresh:
        for i in range(d):
            m[i] = a[i] * (x[i] - x_star[i]) + sigma * noise_sd[i] * rng.standard_normal()
    out = np.full(record_at.size, np.nan)
    r = 0
    for k in range(betas.size + 1):
        if trace:
            xs[k] = x
        while r < record_at.size and record_at[r] == k:
            value = 0.0
            for i in range(d):
                value += 0.5 * a[i] * (x[i] - x_star[i]) ** 2
            out[r] = value if math.isfinite(value) else np.nan
            r += 1
        if k == betas.size or (r == record_at.size and not trace):
            break
        for i in range(d):
            g[i] = a[i] * (x[i] - x_star[i]) + sigma * noise_sd[i] * rng.standard_normal()
            m[i] = (1.0 - alpha) * m[i] + alpha * g[i]
        if trace:
            gs[k] = g
        direction = _lmo(code, m)
        if constrained:
            x = (1.0 - betas[k]) * x + betas[k] * eta * direction
        else:
            x = x + eta * direction
    return out


@dataclass(frozen=True)
class SCGRun:
    """Per-replicate suboptimality ``values[r, j]`` = f(x) − f* after ``steps[j]`` steps (nan: diverged)."""

    steps: np.ndarray
    values: np.ndarray = field(repr=False)

    @property
    def diverged(self) -> int:
        return int(np.sum(np.any(np.isnan(self.values), axis=1)))

    @property
    def mean(self) -> np.ndarray:
        return self.values.mean(axis=0) if not self.diverged else np.full(self.steps.size, np.inf)

    @property
    def stderr(self) -> np.ndarray:
        return (self.values.std(axis=0, ddof=1) / math.sqrt(self.values.shape[0]) if not self.diverged
                else np.full(self.steps.size, np.inf))


def beta_schedule(beta: float, iterations: int, schedule: str = "constant", warmdown: float = 0.28) -> np.ndarray:
    """β_k: constant (the theory's β = c/K), or the experiments' linear warmdown over the last ``warmdown`` of the run
    (β for k < K − m, then β(K − k)/m, m = round(warmdown·K))."""
    betas = np.full(iterations, beta)
    if schedule == "warmdown":
        m = max(1, round(warmdown * iterations))
        k = np.arange(iterations)
        betas = np.where(k < iterations - m, beta, beta * (iterations - k) / m)
    elif schedule != "constant":
        raise errors.InvalidParameter("schedule", "'constant' or 'warmdown'", schedule)
    return betas


def scg_monte_carlo(problem: QuadraticProblem, *, lmo: str = "l2", batch: int, seq: int, tokens: int, beta: float,
                    alpha: float, radius: float, sigma_star: float = 1.0, x0=None, reps: int = 100, seed: int = 0,
                    schedule: str = "constant", m0: str = "fresh", algorithm: str = "scg", steps=None,
                    workers: int | None = None) -> SCGRun:
    """``reps`` runs of K = tokens // (batch·seq) iterations; f(x) − f* at ``steps`` (default: the last iterate)."""
    if lmo not in LMO_CODES:
        raise errors.InvalidParameter("lmo", "one of " + ", ".join(LMO_CODES), lmo)
    batch, seq = errors.integer("batch", batch), errors.integer("seq", seq)
    iterations = errors.integer("tokens", tokens, ge=batch * seq) // (batch * seq)
    beta, alpha = errors.real("beta", beta, gt=0, le=1), errors.real("alpha", alpha, gt=0, le=1)
    radius, sigma_star = errors.real("radius", radius, gt=0), errors.real("sigma_star", sigma_star, ge=0)
    if m0 not in ("fresh", "zero"):
        raise errors.InvalidParameter("m0", "'fresh' or 'zero'", m0)
    if algorithm not in ("scg", "uscg"):
        raise errors.InvalidParameter("algorithm", "'scg' or 'uscg'", algorithm)
    x0 = np.zeros(problem.dim) if x0 is None else errors.vector("x0", x0, length=problem.dim)
    record_at = np.array([iterations] if steps is None else sorted(steps), dtype=np.int64)
    if record_at.size == 0 or record_at[0] < 0 or record_at[-1] > iterations:
        raise errors.InvalidParameter("steps", f"step counts in [0, {iterations}]", list(record_at))
    betas = beta_schedule(beta, iterations, schedule)
    sigma = sigma_star / math.sqrt(batch * seq)
    noise_sd = np.sqrt(problem.noise)

    none = np.empty((0, problem.dim))

    def one(rng):
        return _replicate(rng, problem.a, problem.x_star, noise_sd, x0, LMO_CODES[lmo], sigma, betas, alpha, radius,
                          m0 == "fresh", algorithm == "scg", record_at, none, none)

    values = np.array(map_replicates(one, replicate_rngs(errors.integer("seed", seed, ge=0),
                                                         errors.integer("reps", reps, ge=2)), workers))
    return SCGRun(record_at, values)


def scg_trajectory(problem: QuadraticProblem, *, lmo: str = "l2", batch: int, seq: int, tokens: int, beta: float,
                   alpha: float, radius: float, sigma_star: float = 1.0, seed: int = 0):
    """One run of Algorithm 1 (m_0 fresh, constant β, x_0 = 0): iterates x_0..x_K, the stochastic gradients
    g(x_k; ξ_k) of steps 0..K−1, and f(x_k) − f* for k = 0..K (replicate 0 of ``seed``, as in :func:`scg_monte_carlo`)."""
    if lmo not in LMO_CODES:
        raise errors.InvalidParameter("lmo", "one of " + ", ".join(LMO_CODES), lmo)
    iterations = errors.integer("tokens", tokens, ge=batch * seq) // (batch * seq)
    xs, gs = np.empty((iterations + 1, problem.dim)), np.empty((iterations, problem.dim))
    (rng,) = replicate_rngs(errors.integer("seed", seed, ge=0), 1)
    _replicate(rng, problem.a, problem.x_star, np.sqrt(problem.noise), np.zeros(problem.dim), LMO_CODES[lmo],
               sigma_star / math.sqrt(batch * seq), np.full(iterations, beta), alpha, radius, True, True,
               np.array([iterations], dtype=np.int64), xs, gs)
    return xs, gs, problem.value(xs)


def eq26_for_run(problem: QuadraticProblem, *, lmo: str, batch: int, seq: int, tokens: int, beta: float, alpha: float,
                 radius: float, sigma_star: float = 1.0, x0=None) -> tuple[float, list[str]]:
    """eq. 26 with the problem's constants for this run (c = βK, σ = σ*/√(BS)), and the theorem's conditions that
    the run breaks (empty when it is inside them: 2‖x_0‖ ≤ η, K ≥ 2c; constant β and m_0 fresh are the caller's)."""
    iterations = tokens // (batch * seq)
    constants = problem.constants(lmo, radius)
    x0 = np.zeros(problem.dim) if x0 is None else np.asarray(x0, dtype=np.float64)
    c = beta * iterations
    broken = []
    if 2 * NORMS[lmo].norm(x0) > radius:
        broken.append("2||x0|| <= eta")
    if iterations < 2 * c:
        broken.append("K >= 2c (beta <= 1/2)")
    bound = bound_eq26(iterations, c, radius, alpha, constants["L"], constants["mu"], constants["rho"],
                       sigma_star / math.sqrt(batch * seq), float(problem.value(x0)))
    return bound, broken
