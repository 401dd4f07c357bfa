"""The seed paper's training strategies on linear regression, exact and by Monte Carlo: averages, momentum, schedules.

A :class:`Strategy` says how SGD runs and which point is evaluated (the paper's Figure 4 and Appendix E):
heavy-ball momentum β, w_{t+1} = w_t − γ_t ĝ_t + β(w_t − w_{t−1}) (w_{−1} = w_0 = 0); a learning-rate
schedule γ_t (constant, cosine, warmup-stable-decay); and the evaluated point ξ_m after m steps,

    ξ_{t+1} = τ_t ξ_t + (1 − τ_t) w_t,   ξ_0 = w_0,

with τ_t = t/(t + 1) for the paper's uniform average (ξ_m = w̄_m = (1/m)Σ_{t<m} w_t, as
:mod:`._exact`), τ_t = τ for its exponential weight average (EWA, "constant + EWA"), or ξ_m = w_m.

Exact engine. With η_t = w_t − w*, ζ_t = ξ_t − w* and Gaussian data, the mini-batch Hessian Ĥ has
E Ĥ = H (diagonal in its eigenbasis) and E[ĤSĤ]_ii = λ_i²S_ii(1 + 1/B) + λ_i tr(HS)/B, so the diagonal
moments close on themselves (the off-diagonal ones never enter), per coordinate, with a = 1 + β − γ_tλ:

    s' = E η_{t+1}²       = (a² + γ_t²λ²/B) s − 2βa p + β² s₋ + (γ_t²λ/B)(r + σ²),   r = Σ_j λ_j s_j
    p' = E η_{t+1}η_t     = a s − β p,              s₋' = s
    c' = E η_{t+1}ζ_{t+1} = τ(a c − β e) + (1 − τ)(a s − β p)
    e' = E η_t ζ_{t+1}    = τ c + (1 − τ) s
    z' = E ζ_{t+1}²       = τ² z + 2τ(1 − τ) c + (1 − τ)² s

from s = p = s₋ = c = e = z = w*² at t = 0; the risks are Σ λ s (last iterate) and Σ λ z (evaluated
point). O(d) per step, any schedule. With β = 0, a constant γ and the uniform average it is the
recursion of :mod:`._exact` (tests/test_linreg_strategies.py: 1e-12). The Monte Carlo engine draws every
sample (in whitened coordinates, as :mod:`._montecarlo`'s naive engine) and is held against it at k·SE.
"""

import math
from dataclasses import dataclass, field

import numpy as np

from batchlab.sim import errors
from batchlab.sim._json import JSONResult
from batchlab.sim._numba import jit
from batchlab.sim.linreg._montecarlo import batch_gradient, check_monte_carlo_args, mean_and_stderr
from batchlab.sim.linreg._problem import LinRegProblem
from batchlab.sim.parallel import Workers, map_replicates, replicate
from batchlab.sim.seeding import replicate_rngs

AVERAGES = ("uniform", "ewa", "last")
SCHEDULES = ("constant", "cosine", "wsd")


@dataclass(frozen=True)
class Strategy(JSONResult):
    """How SGD runs and what is evaluated (module docstring). Defaults: plain SGD, the paper's uniform average.

    ``average``: "uniform" (w̄_m), "ewa" (decay ``ema_decay`` = τ) or "last" (w_m). ``momentum``: heavy-ball
    β ∈ [0, 1). ``schedule``: "constant"; "cosine", γ_t = γ(1 + cos(π(t − W)/(n − W)))/2 after W =
    ``warmup``·n steps of linear warmup γ(t + 1)/W; "wsd", the same warmup, then γ, then a linear decay to 0
    over the last K = ⌈``decay``·n⌉ steps (at least one; warmup + decay ≤ 1), γ(n − t)/K.
    """

    average: str = "uniform"
    ema_decay: float = 0.99
    momentum: float = 0.0
    schedule: str = "constant"
    warmup: float = 0.0
    decay: float = 0.2

    def __post_init__(self):
        if self.average not in AVERAGES:
            raise errors.InvalidParameter("average", "one of " + ", ".join(AVERAGES), self.average)
        if self.schedule not in SCHEDULES:
            raise errors.InvalidParameter("schedule", "one of " + ", ".join(SCHEDULES), self.schedule)
        errors.real("ema_decay", self.ema_decay, ge=0, lt=1)
        errors.real("momentum", self.momentum, ge=0, lt=1)
        errors.real("warmup", self.warmup, ge=0, lt=1)
        errors.real("decay", self.decay, gt=0, le=1 - self.warmup if self.schedule == "wsd" else 1)

    def learning_rates(self, lr: float, steps: int) -> np.ndarray:
        """γ_t for t = 0..steps−1 (peak ``lr``)."""
        t = np.arange(steps, dtype=np.float64)
        rates = np.full(steps, float(lr))
        if self.schedule == "constant":
            return rates
        warm = math.floor(self.warmup * steps)
        rates[:warm] = lr * (t[:warm] + 1.0) / warm
        if self.schedule == "cosine":
            rates[warm:] = 0.5 * lr * (1.0 + np.cos(math.pi * (t[warm:] - warm) / (steps - warm)))
        else:
            last = max(1, math.ceil(self.decay * steps))
            tail = t >= steps - last
            rates[tail] = lr * (steps - t[tail]) / last
        return rates

    def weights(self, steps: int) -> np.ndarray:
        """τ_t for t = 0..steps−1: t/(t + 1) (uniform), τ (EWA) or 0 (last: ξ_{t+1} = w_t, reported as w_{t+1})."""
        if self.average == "uniform":
            t = np.arange(steps, dtype=np.float64)
            return t / (t + 1.0)
        return np.full(steps, self.ema_decay if self.average == "ewa" else 0.0)


@jit
def _strategy_kernel(lam, weight, w2, sigma2, rates, taus, beta, batch, blowup, last_path, eval_path):
    """The moment recursion of the module docstring; fills the risk paths, returns (steps run, diverged)."""
    lw = lam * weight
    s, p, s_prev, c, e, z = w2.copy(), w2.copy(), w2.copy(), w2.copy(), w2.copy(), w2.copy()
    risk = np.dot(lw, s)
    last_path[0] = risk
    for t in range(rates.size):
        lr, tau = rates[t], taus[t]
        kick = lr * lr / batch * (risk + sigma2)
        risk = 0.0
        evaluated = 0.0
        for i in range(lam.size):
            a = 1.0 + beta - lr * lam[i]
            si, pi, ci, ei = s[i], p[i], c[i], e[i]
            s[i] = (a * a + (lr * lam[i]) ** 2 / batch) * si - 2.0 * beta * a * pi + beta * beta * s_prev[i] \
                + lam[i] * kick
            p[i] = a * si - beta * pi
            s_prev[i] = si
            c[i] = tau * (a * ci - beta * ei) + (1.0 - tau) * (a * si - beta * pi)
            e[i] = tau * ci + (1.0 - tau) * si
            z[i] = tau * tau * z[i] + 2.0 * tau * (1.0 - tau) * ci + (1.0 - tau) ** 2 * si
            risk += lw[i] * s[i]
            evaluated += lw[i] * z[i]
        last_path[t + 1] = risk
        eval_path[t] = evaluated
        if not risk <= blowup:
            return t + 1, True
    return rates.size, False


@dataclass(frozen=True)
class StrategyPath(JSONResult):
    """Exact E excess risk along one run of a :class:`Strategy` (no factor ½).

    ``evaluated[m − 1]``: of the evaluated point after m steps (ξ_m; w_m for ``average="last"``);
    ``last[t]``: of w_t, t = 0..``steps_run``. A diverged run stops at ``diverged_at``, the first step
    whose last-iterate risk exceeded the problem's blow-up threshold.
    """

    lr: float
    batch: int
    strategy: Strategy
    steps_run: int
    diverged_at: int | None
    evaluated: np.ndarray = field(repr=False)
    last: np.ndarray = field(repr=False)

    @property
    def diverged(self) -> bool:
        return self.diverged_at is not None

    @property
    def final(self) -> float:
        """The evaluated point's risk after the last step; inf if the run diverged."""
        return math.inf if self.diverged else float(self.evaluated[-1])

    def summary(self) -> dict:
        """JSON-ready: the final risks of the evaluated point and the last iterate (None if diverged)."""
        return {"evaluated": None if self.diverged else self.final,
                "last": None if self.diverged else float(self.last[-1]), "diverged": self.diverged,
                "diverged_at": self.diverged_at}


def _checked(problem, lr, batch, steps):
    lr = errors.real("lr", lr, gt=0)
    batch = errors.integer("batch", batch)
    steps = errors.integer("steps", steps)
    errors.fits_in_memory("steps", steps, 2 * 8 * steps)
    return lr, batch, steps


def strategy_path(problem: LinRegProblem, *, lr: float, batch: int, steps: int,
                  strategy: Strategy = Strategy()) -> StrategyPath:
    """Exact risk path of ``steps`` steps of mini-batch SGD run by ``strategy`` (peak learning rate ``lr``)."""
    lr, batch, steps = _checked(problem, lr, batch, steps)
    last_path, eval_path = np.empty(steps + 1), np.empty(steps)
    ran, diverged = _strategy_kernel(problem.eigenvalues, problem.weights, problem.w_star**2, problem.sigma**2,
                                     strategy.learning_rates(lr, steps), strategy.weights(steps), strategy.momentum,
                                     float(batch), problem.blowup_threshold, last_path, eval_path)
    evaluated = last_path[1:ran + 1] if strategy.average == "last" else eval_path[:ran]
    return StrategyPath(lr, batch, strategy, ran, ran if diverged else None, evaluated, last_path[:ran + 1])


@jit
def _strategy_replicate(rng, lam, v0, sigma, rates, taus, beta, batch, blowup):
    """One run drawing every sample, in whitened coordinates v = H^{1/2}(w − w*) (risk ‖v‖²).

    Returns (risk of w_n, risk of ξ_n, diverged_at) with diverged_at = 0 unless ‖v‖² exceeded ``blowup``.
    """
    d = lam.size
    v, v_prev, xi = v0.copy(), v0.copy(), v0.copy()
    z = np.empty(d)
    grad = np.empty(d)
    norm2 = 0.0
    for t in range(rates.size):
        batch_gradient(rng, v, sigma, batch, z, grad)
        step, tau = rates[t] / batch, taus[t]
        norm2 = 0.0
        for i in range(d):
            vi = v[i]
            xi[i] = tau * xi[i] + (1.0 - tau) * vi
            v[i] = vi - step * lam[i] * grad[i] + beta * (vi - v_prev[i])
            v_prev[i] = vi
            norm2 += v[i] * v[i]
        if not norm2 <= blowup:
            return np.inf, np.inf, t + 1
    return norm2, np.dot(xi, xi), 0


@dataclass(frozen=True)
class StrategyMonteCarlo(JSONResult):
    """Monte Carlo risks after ``steps`` steps of a :class:`Strategy`: per-replicate values and their means.

    ``last``/``evaluated``: each replicate's risk of w_n and of the evaluated point (w_n for "last");
    ``diverged_at``: 0 where a replicate did not blow up.
    """

    lr: float
    batch: int
    steps: int
    strategy: Strategy
    reps: int
    seed: int
    last: np.ndarray = field(repr=False)
    evaluated: np.ndarray = field(repr=False)
    diverged_at: np.ndarray = field(repr=False)

    @property
    def diverged(self) -> bool:
        return bool(np.any(self.diverged_at))

    def mean_and_stderr(self, key: str = "evaluated") -> tuple[float, float]:
        """Mean of ``key`` ("evaluated" or "last") over the replicates and its standard error (inf if diverged)."""
        return mean_and_stderr(getattr(self, key), self.diverged)

    def summary(self) -> dict:
        """JSON-ready: each risk's mean and ``stderr_`` (None if diverged), the replicates that blew up and when."""
        out = {}
        for key in ("evaluated", "last"):
            mean, stderr = self.mean_and_stderr(key)
            out[key], out[f"stderr_{key}"] = (None, None) if self.diverged else (mean, stderr)
        blown = self.diverged_at[self.diverged_at > 0]
        return out | {"reps": self.reps, "seed": self.seed, "n_diverged": int(blown.size), "diverged": self.diverged,
                      "diverged_at": int(blown.min()) if blown.size else None}


def strategy_monte_carlo(problem: LinRegProblem, *, lr: float, batch: int, steps: int,
                         strategy: Strategy = Strategy(), reps: int = 1000, seed: int = 0,
                         workers: Workers = None) -> StrategyMonteCarlo:
    """``reps`` independent runs of ``strategy``, replicate r on stream (seed, 0, r), whatever ``workers`` is."""
    lr, batch, steps = _checked(problem, lr, batch, steps)
    reps, seed = check_monte_carlo_args(problem, reps, seed)
    one = replicate(_strategy_replicate, problem.eigenvalues, -np.sqrt(problem.eigenvalues) * problem.w_star,
                    problem.sigma, strategy.learning_rates(lr, steps), strategy.weights(steps), strategy.momentum,
                    batch, problem.blowup_threshold)
    rows = np.array(map_replicates(one, replicate_rngs(seed, reps, 0), workers))
    evaluated = rows[:, 0] if strategy.average == "last" else rows[:, 1]
    return StrategyMonteCarlo(lr, batch, steps, strategy, reps, seed, rows[:, 0], evaluated,
                              rows[:, 2].astype(np.int64))
