"""Monte Carlo simulation of one-pass mini-batch SGD on Gaussian linear regression.

Both engines work in whitened coordinates v = H^{1/2}(w − w*), where x = H^{1/2}z with
z ~ N(0, I), xᵀ(w − w*) = zᵀv, the update is v ← v − (γ/B) λ ⊙ Σ_j z_j r_j with
r_j = z_jᵀv − ξ_j, and the excess risk is simply ‖v‖².

* ``naive`` draws every sample of every batch: B·(d + 1) normals per step.
* ``suffstat`` draws the batch sum Σ_j z_j r_j exactly in law from sufficient
  statistics at d + 3 random numbers per step, whatever B. With v̂ = v/‖v‖, split
  z_j = a_j v̂ + z_j^⊥; then Σ z_j r_j = v̂ Σ a_j r_j + Σ z_j^⊥ r_j, whose second term is
  N(0, Σ r_j² (I − v̂v̂ᵀ)) given (a, ξ). Both scalar sums depend only on the 2×2 Wishart
  matrix W = Σ (a_j, ξ_j/σ)(a_j, ξ_j/σ)ᵀ ~ W₂(B, I), drawn by Bartlett's decomposition
  (c₁² ~ χ²_B, c₂² ~ χ²_{B−1}, n ~ N(0,1)):
      Σ a_j r_j = ‖v‖c₁² − σc₁n,   Σ r_j² = (‖v‖c₁ − σn)² + σ²c₂².
  B = 1 has c₂ = 0; v = 0 has no direction and the projection term vanishes.

Each replicate owns a Generator from :func:`batchlab.sim.seeding.replicate_rngs`; replicates run
on a thread pool (:mod:`batchlab.sim.parallel`), so results never depend on the thread count.
"""

import math
from dataclasses import dataclass, field

import numpy as np

from batchlab.sim import errors
from batchlab.sim._numba import jit
from batchlab.sim.linreg._problem import LinRegProblem, one_pass_steps, tail_start
from batchlab.sim.parallel import Workers, map_replicates, replicate
from batchlab.sim.results import JSONResult
from batchlab.sim.seeding import replicate_rngs


@jit
def _averages(sum_all, sum_tail, steps, tail_from):
    avg = 0.0
    tail = 0.0
    n_tail = steps - tail_from
    for i in range(sum_all.size):
        avg += (sum_all[i] / steps) ** 2
        tail += (sum_tail[i] / n_tail) ** 2
    return avg, tail


@jit
def _advance(v, rate, along, across, direction, sum_all, sum_tail, in_tail):
    """Add v to the running sums, then v_i ← v_i − rate_i (along·v_i + across·direction_i); return ‖v‖²."""
    norm2 = 0.0
    for i in range(v.size):
        vi = v[i]
        sum_all[i] += vi
        if in_tail:
            sum_tail[i] += vi
        vi -= rate[i] * (along * vi + across * direction[i])
        v[i] = vi
        norm2 += vi * vi
    return norm2


@jit
def suffstat_replicate(rng, lam, v0, sigma, lr, batch, steps, tail_from, blowup):
    """One replicate with the O(d)-per-step sufficient-statistic sampler.

    Returns (last, averaged, tail_averaged, diverged_at) with risks = ‖v‖² of w_n, w̄,
    w̄_tail; diverged_at = 0 unless ‖v‖² exceeded ``blowup`` (then the risks are inf).
    """
    d = lam.size
    v = v0.copy()
    zeta = np.empty(d)
    sum_all = np.zeros(d)
    sum_tail = np.zeros(d)
    rate = lr * lam / batch
    norm2 = np.dot(v, v)
    for t in range(steps):
        c1 = math.sqrt(rng.chisquare(batch))
        c2sq = rng.chisquare(batch - 1) if batch > 1 else 0.0
        n21 = rng.standard_normal()
        proj = 0.0
        for i in range(d):
            z = rng.standard_normal()
            zeta[i] = z
            proj += z * v[i]
        norm = math.sqrt(norm2)
        resid = norm * c1 - sigma * n21
        perp = math.sqrt(resid * resid + sigma * sigma * c2sq)
        # Coefficient of v_i: (Σ a r − perp·(ζ·v̂)) / ‖v‖, with Σ a r = c₁(‖v‖c₁ − σn).
        along = (c1 * resid - perp * proj / norm) / norm if norm > 0.0 else 0.0
        norm2 = _advance(v, rate, along, perp, zeta, sum_all, sum_tail, t >= tail_from)
        if not norm2 <= blowup:
            return np.inf, np.inf, np.inf, t + 1
    avg, tail = _averages(sum_all, sum_tail, steps, tail_from)
    return norm2, avg, tail, 0


@jit
def batch_gradient(rng, v, sigma, batch, z, grad):
    """Fill ``grad`` with Σ_j z_j r_j over one batch, drawn sample by sample (``z``: scratch space).

    z_j ~ N(0, I_d), r_j = z_jᵀv − σξ_j: B times H^{1/2} times the mini-batch gradient, in whitened coordinates;
    B·(d + 1) normals in a fixed order. Used by the naive engine here and by :mod:`._strategies`.
    """
    grad[:] = 0.0
    for _ in range(batch):
        dot = 0.0
        for i in range(v.size):
            zi = rng.standard_normal()
            z[i] = zi
            dot += zi * v[i]
        r = dot - sigma * rng.standard_normal()
        for i in range(v.size):
            grad[i] += z[i] * r


@jit
def naive_replicate(rng, lam, v0, sigma, lr, batch, steps, tail_from, blowup):
    """One replicate drawing every sample: z_j ~ N(0, I_d) then ξ_j ~ N(0, σ²), j = 1..B.

    Same return convention as :func:`suffstat_replicate`.
    """
    d = lam.size
    v = v0.copy()
    z = np.empty(d)
    grad = np.empty(d)
    sum_all = np.zeros(d)
    sum_tail = np.zeros(d)
    rate = lr * lam / batch
    norm2 = np.dot(v, v)
    for t in range(steps):
        batch_gradient(rng, v, sigma, batch, z, grad)
        norm2 = _advance(v, rate, 0.0, 1.0, grad, sum_all, sum_tail, t >= tail_from)
        if not norm2 <= blowup:
            return np.inf, np.inf, np.inf, t + 1
    avg, tail = _averages(sum_all, sum_tail, steps, tail_from)
    return norm2, avg, tail, 0


ENGINES = {"suffstat": suffstat_replicate, "naive": naive_replicate}


@dataclass(frozen=True)
class Replicates(JSONResult):
    """Per-replicate risks of one Monte Carlo experiment (inf where a replicate diverged)."""

    last: np.ndarray
    averaged: np.ndarray
    tail_averaged: np.ndarray
    diverged_at: np.ndarray  # 0 where the replicate did not diverge

    @property
    def diverged(self) -> bool:
        return bool(np.any(self.diverged_at))

    def mean_and_stderr(self, key: str) -> tuple[float, float]:
        return mean_and_stderr(getattr(self, key), self.diverged)


def mean_and_stderr(values: np.ndarray, diverged: bool) -> tuple[float, float]:
    """Mean of per-replicate ``values`` and its standard error; (inf, inf) if some replicate ``diverged``."""
    if diverged:
        return math.inf, math.inf
    return float(values.mean()), float(values.std(ddof=1) / math.sqrt(values.size))


def check_monte_carlo_args(problem: LinRegProblem, reps, seed) -> tuple[int, int]:
    """(reps, seed) checked, for a problem Monte Carlo can sample (a finite spectrum: no groups of directions)."""
    if problem.grouped:
        raise errors.InvalidParameter("dim", "finite for Monte Carlo (an untruncated spectrum is for the exact "
                                             "engines)", problem.description.get("dim"))
    return errors.integer("reps", reps, ge=2), errors.integer("seed", seed, ge=0)


def run_replicates(problem: LinRegProblem, *, lr, batch, steps, reps, seed, stream=0, engine="suffstat",
                   workers=None) -> Replicates:
    """Run ``reps`` independent replicates of one configuration (stream ``stream`` of ``seed``)."""
    kernel = ENGINES[engine]
    v0 = -np.sqrt(problem.eigenvalues) * problem.w_star
    start = tail_start(steps)
    blowup = problem.blowup_threshold
    one = replicate(kernel, problem.eigenvalues, v0, problem.sigma, lr, batch, steps, start, blowup)
    rows = np.array(map_replicates(one, replicate_rngs(seed, reps, stream), workers))
    return Replicates(rows[:, 0], rows[:, 1], rows[:, 2], rows[:, 3].astype(np.int64))


@dataclass(frozen=True)
class MonteCarloRisk(JSONResult):
    """Monte Carlo means and standard errors of the excess risk (no factor ½).

    Same conventions as :class:`batchlab.sim.linreg.ExactRisk`. ``bias`` and ``variance`` come
    from two further independent experiments (σ = 0, and w_0 = w*), each with ``reps``
    replicates on their own streams; they are ``None`` when not requested.
    """

    method: str
    engine: str
    steps: int
    lr: float
    batch: int
    reps: int
    seed: int
    full: Replicates = field(repr=False)
    bias_part: Replicates | None = field(repr=False, default=None)
    variance_part: Replicates | None = field(repr=False, default=None)

    @property
    def n_diverged(self) -> int:
        """Replicates that blew up, over the main experiment and the bias and variance ones."""
        return sum(int(np.sum(r.diverged_at > 0)) for r in (self.full, self.bias_part, self.variance_part)
                   if r is not None)

    @property
    def diverged(self) -> bool:
        return self.n_diverged > 0

    @property
    def diverged_at(self) -> int | None:
        """Earliest step at which any replicate blew up (None if none did)."""
        steps = [int(r.diverged_at[r.diverged_at > 0].min()) for r in (self.full, self.bias_part, self.variance_part)
                 if r is not None and r.diverged]
        return min(steps) if steps else None

    def _parts(self) -> dict:
        return {"last": self.full, "averaged": self.full, "tail_averaged": self.full, "bias": self.bias_part,
                "variance": self.variance_part}

    def _estimate(self, name: str) -> tuple[float, float] | None:
        reps = self._parts()[name]
        if reps is None or reps.diverged:
            return None
        return reps.mean_and_stderr(name if name in ("last", "averaged", "tail_averaged") else "averaged")

    @property
    def mean(self) -> dict:
        """Monte Carlo mean of each risk (``last``, ``averaged``, ``tail_averaged``, ``bias``, ``variance``).

        None where the experiment diverged or was not run.
        """
        return {name: None if (e := self._estimate(name)) is None else e[0] for name in self._parts()}

    @property
    def stderr(self) -> dict:
        """Standard error of each :attr:`mean`."""
        return {name: None if (e := self._estimate(name)) is None else e[1] for name in self._parts()}

    last = property(lambda self: self.mean["last"], doc="Mean risk of the last iterate w_n.")
    averaged = property(lambda self: self.mean["averaged"], doc="Mean risk of the averaged iterate w̄.")
    tail_averaged = property(lambda self: self.mean["tail_averaged"], doc="Mean risk of the tail average.")
    bias = property(lambda self: self.mean["bias"], doc="Mean risk of w̄ with σ = 0 (None unless decomposed).")
    variance = property(lambda self: self.mean["variance"], doc="Mean risk of w̄ from w_0 = w* (None unless "
                                                                 "decomposed).")

    def summary(self) -> dict:
        """JSON-ready scalars: each risk and its ``stderr_`` (None where diverged or not run), and the run."""
        mean, stderr = self.mean, self.stderr
        out = {key: value for name in mean for key, value in ((name, mean[name]), (f"stderr_{name}", stderr[name]))}
        out.update(method=self.method, engine=self.engine, steps=self.steps, lr=self.lr, batch=self.batch,
                   reps=self.reps, seed=self.seed, n_diverged=self.n_diverged, diverged=self.diverged,
                   diverged_at=self.diverged_at)
        return out

    to_dict = summary


def monte_carlo_risk(problem: LinRegProblem, *, lr: float, batch: int, samples: int, reps: int = 200, seed: int = 0,
                     engine: str = "suffstat", decompose: bool = False, workers: Workers = None) -> MonteCarloRisk:
    """Monte Carlo estimate of the expected excess risks of one-pass mini-batch SGD.

    ``engine`` is ``"suffstat"`` (exact in law, O(d) per step) or ``"naive"`` (draws
    every sample, O(B·d) per step). Replicate r uses stream (seed, 0, r); with
    ``decompose`` the bias (σ = 0) and variance (w_0 = w*) experiments use streams 1 and 2.
    Identical results for the same seed whatever ``workers`` is.
    """
    lr = errors.real("lr", lr, gt=0)
    reps, seed = check_monte_carlo_args(problem, reps, seed)
    steps = one_pass_steps(batch, samples)
    if engine not in ENGINES:
        raise errors.InvalidParameter("engine", "one of " + ", ".join(ENGINES), engine)
    run = dict(lr=lr, batch=batch, steps=steps, reps=reps, seed=seed, engine=engine, workers=workers)
    full = run_replicates(problem, **run, stream=0)
    bias = run_replicates(problem.with_sigma(0.0), **run, stream=1) if decompose else None
    variance = run_replicates(problem.with_start_at_optimum(), **run, stream=2) if decompose else None
    method = "mc" if engine == "suffstat" else "mc-naive"
    return MonteCarloRisk(method, engine, steps, lr, batch, reps, seed, full, bias, variance)
