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

import dataclasses
import math
from dataclasses import dataclass, field

import numpy as np

from batchlab.sim import errors
from batchlab.sim._numba import jit
from batchlab.sim.linreg._exact import lane_sum
from batchlab.sim.linreg._montecarlo import batch_gradient, check_monte_carlo_args, mean_and_stderr
from batchlab.sim.linreg._problem import LinRegProblem
from batchlab.sim.parallel import Workers, map_replicates, replicate
from batchlab.sim.results import JSONResult
from batchlab.sim.seeding import replicate_rngs

AVERAGES = ("uniform", "ewa", "last")
SCHEDULES = ("constant", "cosine", "wsd")
# What the CBS protocol chooses from, per batch size, for a hyperparameter left as None: the seed paper's grids
# (its Appendix D/E: momentum β_1 in {0, 0.8, 0.9, 0.95, 0.975}; WSD decay over 0.1, 0.2, 0.3 of the steps).
MOMENTA = (0.0, 0.8, 0.9, 0.95, 0.975)
WSD_DECAYS = (0.1, 0.2, 0.3)


@dataclass(frozen=True)
class Strategy(JSONResult):
    """How SGD runs and what is evaluated (module docstring). Defaults: plain SGD, the paper's uniform average.

    ``average``: "uniform" (w̄_m), "ewa" (decay ``ema_decay`` = τ) or "last" (w_m). ``momentum``: heavy-ball
    β ∈ [0, 1). ``schedule``: "constant"; "cosine", γ_t = γ(1 + cos(π(t − W)/(n − W)))/2 after W =
    ``warmup``·n steps of linear warmup γ(t + 1)/W; "wsd", the same warmup, then γ, then a linear decay to 0
    over the last K = ⌈``decay``·n⌉ steps (at least one; warmup + decay ≤ 1), γ(n − t)/K.

    ``ema_decay``, ``momentum`` or ``decay`` None: tuned per batch size by the CBS protocol
    (:mod:`batchlab.sim.linreg._strategy_tuning`), τ over a continuum, β from :data:`MOMENTA`, the WSD decay from
    :data:`WSD_DECAYS`; a single run needs them given (:meth:`check_given`).
    """

    average: str = "uniform"
    ema_decay: float | None = 0.99
    momentum: float | None = 0.0
    schedule: str = "constant"
    warmup: float = 0.0
    decay: float | None = 0.2

    def __post_init__(self):
        if self.average not in AVERAGES:
            raise errors.InvalidParameter("average", "one of " + ", ".join(AVERAGES), self.average)
        if self.schedule not in SCHEDULES:
            raise errors.InvalidParameter("schedule", "one of " + ", ".join(SCHEDULES), self.schedule)
        if self.ema_decay is not None:
            errors.real("ema_decay", self.ema_decay, ge=0, lt=1)
        if self.momentum is not None:
            errors.real("momentum", self.momentum, ge=0, lt=1)
        errors.real("warmup", self.warmup, ge=0, lt=1)
        if self.decay is not None:
            errors.real("decay", self.decay, gt=0, le=1 - self.warmup if self.schedule == "wsd" else 1)
        elif self.schedule == "wsd" and self.warmup + max(WSD_DECAYS) > 1:
            raise errors.InvalidParameter("warmup", f"at most {1 - max(WSD_DECAYS):g} when WSD's decay is tuned "
                                                    f"(over {', '.join(map(str, WSD_DECAYS))})", self.warmup)

    @property
    def tuned(self) -> tuple[str, ...]:
        """The hyperparameters left to the protocol that this strategy uses (ema_decay only for EWA, decay for WSD)."""
        used = {"ema_decay": self.average == "ewa", "momentum": True, "decay": self.schedule == "wsd"}
        return tuple(name for name, uses in used.items() if uses and getattr(self, name) is None)

    def check_given(self) -> None:
        """Raise :class:`batchlab.InvalidParameter` if a hyperparameter a run needs is left to be tuned (None)."""
        if self.tuned:
            raise errors.InvalidParameter(self.tuned[0], "a number for a single run (None means tuned per batch "
                                                         "size, in the CBS protocol only)", None)

    @property
    def anytime(self) -> bool:
        """Whether one run serves every horizon (a constant learning rate: its risk path is every run's)."""
        return self.schedule == "constant"

    @property
    def plain(self) -> bool:
        """Constant-step SGD evaluated at w̄ or w_n: what :mod:`._engines` computes (both exact engines)."""
        return self.anytime and self.momentum == 0.0 and self.average != "ewa"

    def replace(self, **changes) -> "Strategy":
        """A copy with some fields changed (validated again)."""
        return dataclasses.replace(self, **changes)

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
def plain_step(s, c, z, lam, lw, lr, batch, kick, tau, averaged, risk_terms, eval_terms):
    """One step of the recursion at β = 0 (p, s₋ and e never enter): s, and c, z where ``averaged``.

    One pass over the coordinates with no reduction inside, so that it vectorises; the risk terms ℓ_i s_i and
    ℓ_i z_i go into ``risk_terms`` and ``eval_terms`` for :func:`batchlab.sim.linreg._exact.lane_sum`.
    """
    keep, mix = tau * tau, 2.0 * tau * (1.0 - tau)
    fresh = (1.0 - tau) ** 2
    for i in range(lam.size):
        step = lr * lam[i]
        q = 1.0 - step
        si = s[i]
        s[i] = (q * q + step * step / batch) * si + lam[i] * kick
        risk_terms[i] = lw[i] * s[i]
        if averaged:
            ci = c[i]
            c[i] = tau * q * ci + (1.0 - tau) * q * si
            z[i] = keep * z[i] + mix * ci + fresh * si
            eval_terms[i] = lw[i] * z[i]


@jit
def _momentum_step(s, p, s_prev, c, e, z, lam, lw, lr, beta, batch, kick, tau, averaged, risk_terms, eval_terms):
    """One step of the six-moment recursion of the module docstring (heavy ball β > 0), as :func:`plain_step`."""
    keep, mix = tau * tau, 2.0 * tau * (1.0 - tau)
    fresh = (1.0 - tau) ** 2
    for i in range(lam.size):
        step = lr * lam[i]
        a = 1.0 + beta - step
        si, pi = s[i], p[i]
        s[i] = (a * a + step * step / batch) * si - 2.0 * beta * a * pi + beta * beta * s_prev[i] + lam[i] * kick
        p[i] = a * si - beta * pi
        s_prev[i] = si
        risk_terms[i] = lw[i] * s[i]
        if averaged:
            ci = c[i]
            c[i] = tau * (a * ci - beta * e[i]) + (1.0 - tau) * (a * si - beta * pi)
            e[i] = tau * ci + (1.0 - tau) * si
            z[i] = keep * z[i] + mix * ci + fresh * si
            eval_terms[i] = lw[i] * z[i]


@jit
def _strategy_kernel(lam, weight, s, sigma2, rates, taus, beta, batch, blowup, averaged, targets, limits, last_path,
                     eval_path):
    """The moment recursion of the module docstring from s = w*² (in place: ``s`` ends as E η_n²).

    Fills ``last_path[t]`` (w_t) and ``eval_path[m − 1]`` (ξ_m, where ``averaged``; else the caller reads the last
    iterate). Stops early once every ``targets[j]`` is settled: the evaluated risk has fallen to it or below, or
    ``limits[j]`` steps have run. Returns (steps run, diverged).
    """
    lw = lam * weight
    p, s_prev, c, e, z = s.copy(), s.copy(), s.copy(), s.copy(), s.copy()
    risk_terms, eval_terms = np.empty(lam.size), np.empty(lam.size)
    risk = lane_sum(lw * s)
    last_path[0] = risk
    settled = np.zeros(targets.size, dtype=np.bool_)
    open_targets = targets.size
    for t in range(rates.size):
        lr, tau = rates[t], taus[t]
        kick = lr * lr / batch * (risk + sigma2)
        if beta == 0.0:
            plain_step(s, c, z, lam, lw, lr, batch, kick, tau, averaged, risk_terms, eval_terms)
        else:
            _momentum_step(s, p, s_prev, c, e, z, lam, lw, lr, beta, batch, kick, tau, averaged, risk_terms,
                           eval_terms)
        risk = lane_sum(risk_terms)
        last_path[t + 1] = risk
        evaluated = lane_sum(eval_terms) if averaged else risk
        eval_path[t] = evaluated
        if not risk <= blowup:
            return t + 1, True
        for j in range(targets.size):
            if not settled[j] and (evaluated <= targets[j] or t + 1 >= limits[j]):
                settled[j] = True
                open_targets -= 1
        if targets.size > 0 and open_targets == 0:
            return t + 1, False
    return rates.size, False


@dataclass(frozen=True)
class StrategyPath(JSONResult):
    """Exact E excess risk along one run of a :class:`Strategy` (no factor ½).

    ``evaluated[m − 1]``: of the evaluated point after m steps (ξ_m; w_m for ``average="last"``);
    ``last[t]``: of w_t, t = 0..``steps_run``; ``second_moments[i]`` = E[(w_t − w*)_i²] at t = ``steps_run``. A
    run stopped by ``stop_below`` has ``reached_at`` = that step; a diverged run stops at ``diverged_at``, the
    first step whose last-iterate risk exceeded the problem's blow-up threshold.
    """

    lr: float
    batch: int
    strategy: Strategy
    steps_run: int
    reached_at: int | None
    diverged_at: int | None
    evaluated: np.ndarray = field(repr=False)
    last: np.ndarray = field(repr=False)
    second_moments: np.ndarray = field(repr=False)

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


def strategy_path(problem: LinRegProblem, *, lr: float, batch: int, steps: int, strategy: Strategy = Strategy(),
                  stop_below=None, stop_after=None) -> StrategyPath:
    """Exact risk path of ``steps`` steps of mini-batch SGD run by ``strategy`` (peak learning rate ``lr``).

    O(d) per step for any schedule. ``stop_below``: one target or several, with ``stop_after`` their own step
    limits (each ≤ ``steps``, default ``steps``): the run stops once the evaluated point's risk has fallen to each
    target or past its limit, so that one run serves several first passages (as :func:`batchlab.sim.linreg.risk_path`).
    The schedule is the one of a run of ``steps`` steps however early it stops.
    """
    lr, batch, steps = _checked(problem, lr, batch, steps)
    strategy.check_given()
    targets = np.empty(0) if stop_below is None else errors.vector("stop_below", np.atleast_1d(stop_below))
    limits = np.full(targets.size, float(steps))
    if stop_after is not None:
        limits = errors.vector("stop_after", np.atleast_1d(stop_after), positive=True)
        if limits.size != targets.size or np.any(limits > steps):
            raise errors.InvalidParameter("stop_after", f"one limit <= steps = {steps} per target", list(limits))
    last_path, eval_path = np.empty(steps + 1), np.empty(steps)
    moments = problem.w_star**2
    averaged = strategy.average != "last"
    ran, diverged = _strategy_kernel(problem.eigenvalues, problem.weights, moments, problem.sigma**2,
                                     strategy.learning_rates(lr, steps), strategy.weights(steps), strategy.momentum,
                                     float(batch), problem.blowup_threshold, averaged, targets, limits, last_path,
                                     eval_path)
    evaluated = eval_path[:ran]
    reached = not diverged and ran > 0 and targets.size > 0 and evaluated[-1] <= targets.min()
    return StrategyPath(lr, batch, strategy, ran, ran if reached else None, ran if diverged else None, evaluated,
                        last_path[:ran + 1], moments)


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
    strategy.check_given()
    reps, seed = check_monte_carlo_args(problem, reps, seed)
    one = replicate(_strategy_replicate, problem.eigenvalues, -np.sqrt(problem.eigenvalues) * problem.w_star,
                    problem.sigma, strategy.learning_rates(lr, steps), strategy.weights(steps), strategy.momentum,
                    batch, problem.blowup_threshold)
    rows = np.array(map_replicates(one, replicate_rngs(seed, reps, 0), workers))
    evaluated = rows[:, 0] if strategy.average == "last" else rows[:, 1]
    return StrategyMonteCarlo(lr, batch, steps, strategy, reps, seed, rows[:, 0], evaluated,
                              rows[:, 2].astype(np.int64))
