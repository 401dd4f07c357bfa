"""Monte Carlo of SCG (Algorithm 1) and uSCG (Algorithm 2) on the test problems of :mod:`batchlab.sim.scg._problems`.

Algorithm 1: m_{k+1} = (1 − α)m_k + α g(x_k; ξ_k), d_{k+1} = lmo(m_{k+1}), x_{k+1} = (1 − β_k)x_k + β_k η d_{k+1};
the momentum buffer starts at a fresh stochastic gradient m_0 = g(x_0; ξ_0) (the theorem's choice) or at zero
(Scion's code). Algorithm 2 (uSCG): the last line is x_{k+1} = x_k + η d_{k+1}, as the reference states it
(η is then the step length and β is not used). Muon with decoupled weight decay ([Sato 2025]): x_{k+1} =
(1 − λη)x_k + η d_{k+1}, η the learning rate and λ the weight decay (β is not used; Muon's momentum is 1 − α).
With ``nesterov``, d_{k+1} = lmo((1 − α)m_{k+1} + α g(x_k; ξ_k)), the look-ahead C_t = βM_t + (1 − β)g_t of Muon's
Nesterov form. Algorithm 1 is Muon with λ = 1/η_SCG at learning rate β_kη_SCG: Scion's constraint is a weight decay.
``algorithm="sgd"``: SGD with the same momentum, x_{k+1} = (1 − λη)x_k − η C_{k+1} (no LMO; ``lmo`` is not used).

Noise: a batch of B sequences of S tokens is one Gaussian draw g = ∇f(x) + σξ with E‖ξ‖₂² = 1 (the problem's
noise shape) and σ from :func:`noise_sigma` (σ*/√(B·S) for independent tokens): exact in law for Gaussian
per-token noise. For the separable problems, ``sampling="finite-sum"`` instead averages the gradients of B·S
examples drawn with replacement (the noise then depends on x, and σ* is not a parameter). A run is a sequence of
:class:`Stage` s (batch size, sequence length and step schedules, with restarts).

Cost per step: O(d) for quadratics, O(n·d) for the separable problems (O(B·S·d) with finite-sum sampling), an SVD
of the d_out × d_in matrix for the spectral LMO. Replicate r uses :func:`batchlab.sim.seeding.replicate_rngs` (seed, r);
replicates run on a thread pool, so the numbers do not depend on the number of threads. A run whose loss
overflows is reported as diverged.
"""

import dataclasses
import math
from dataclasses import dataclass, field

import numpy as np

from batchlab.sim import errors
from batchlab.sim._numba import jit
from batchlab.sim.montecarlo import MonteCarlo
from batchlab.sim.parallel import Workers, map_replicates, replicate, replicates_seconds
from batchlab.sim.results import JSONResult
from batchlab.sim.scg._lmo import NORMS, l1_lmo, l2_lmo, linf_lmo, newton_schulz, polar_factor
from batchlab.sim.scg._problems import SCGProblem, SeparableProblem
from batchlab.sim.seeding import replicate_rngs

LMO_CODES = {"l2": 0, "linf": 1, "l1": 2, "spectral": 3, "spectral-ns": 4}


@jit
def _lmo(code, g, rows):
    if code == 0:
        return l2_lmo(g)
    if code == 1:
        return linf_lmo(g)
    if code == 2:
        return l1_lmo(g)
    G = g.reshape(rows, g.size // rows)
    return -(polar_factor(G) if code == 3 else newton_schulz(G)).ravel()


@jit
def _phi(kind, m):
    """The loss of one margin m (kind 1 logistic, 2 exponential) and its derivative φ'(m)."""
    if kind == 1:
        soft = math.log1p(math.exp(-m)) if m > 0 else -m + math.log1p(math.exp(m))
        return soft, -1.0 / (1.0 + math.exp(m))
    e = math.exp(-m)
    return e, -e


@jit
def _value(kind, a, x_star, examples, x):
    """f(x) − f*."""
    value = 0.0
    if kind == 0:
        for i in range(x.size):
            value += 0.5 * a[i] * (x[i] - x_star[i]) ** 2
        return value
    for j in range(examples.shape[0]):
        value += _phi(kind, np.dot(examples[j], x))[0]
    return value / examples.shape[0]


@jit
def _stochastic_gradient(rng, kind, a, x_star, examples, noise_sd, sigma, draws, x, g):
    """G ← ∇f(x) + σ·noise_sd·ξ (``draws`` = 0), or the mean gradient of ``draws`` examples drawn with replacement."""
    if kind == 0:  # coordinate by coordinate, the order the NumPy transcription in the tests draws in
        for i in range(x.size):
            g[i] = a[i] * (x[i] - x_star[i]) + sigma * noise_sd[i] * rng.standard_normal()
        return
    n = examples.shape[0]
    g[:] = 0.0
    if draws == 0:
        for j in range(n):
            g += _phi(kind, np.dot(examples[j], x))[1] / n * examples[j]
        for i in range(x.size):
            g[i] += sigma * noise_sd[i] * rng.standard_normal()
        return
    for _ in range(draws):
        j = rng.integers(0, n)
        g += _phi(kind, np.dot(examples[j], x))[1] / draws * examples[j]


@jit
def _replicate(rng, kind, a, x_star, examples, noise_sd, x0, code, rows, sigmas, draws, resets, betas, alpha, eta,
               fresh, mode, weight_decay, nesterov, record_at, xs, gs):
    """One run; f(x_k) − f* at each step in ``record_at`` (sorted, ≤ len(betas)); nan once it has overflowed.

    Step k uses σ = ``sigmas[k]`` (or ``draws[k]`` > 0 examples), FW step ``betas[k]``; where ``resets[k]`` the
    momentum buffer restarts before step k (at a fresh stochastic gradient, or zero). ``xs`` (K + 1, d) and
    ``gs`` (K, d), when not empty, receive every iterate x_k and the stochastic gradient g(x_k; ξ_k) the step used
    (the constant estimators of §6.4 read them). ``mode``: 0 Algorithm 1, 1 Algorithm 2, 2 Muon (``weight_decay`` λ),
    3 SGD with momentum (the same update as Muon with −C for the LMO's direction).
    """
    d = x0.size
    ahead = np.empty(d)
    trace = xs.shape[0] > 0
    x = x0.copy()
    m = np.zeros(d)
    g = np.empty(d)
    out = np.full(record_at.size, np.nan)
    r = 0
    for k in range(betas.size + 1):
        if trace:
            xs[k] = x
        while r < record_at.size and record_at[r] == k:
            value = _value(kind, a, x_star, examples, x)
            out[r] = value if math.isfinite(value) else np.nan
            r += 1
        if k == betas.size or (r == record_at.size and not trace):
            break
        if resets[k]:
            m[:] = 0.0
            if fresh:
                _stochastic_gradient(rng, kind, a, x_star, examples, noise_sd, sigmas[k], draws[k], x, m)
        _stochastic_gradient(rng, kind, a, x_star, examples, noise_sd, sigmas[k], draws[k], x, g)
        for i in range(d):
            m[i] = (1.0 - alpha) * m[i] + alpha * g[i]
        if trace:
            gs[k] = g
        if nesterov:
            for i in range(d):
                ahead[i] = (1.0 - alpha) * m[i] + alpha * g[i]
        else:
            ahead[:] = m
        direction = -ahead if mode == 3 else _lmo(code, ahead, rows)
        if mode == 0:
            x = (1.0 - betas[k]) * x + betas[k] * eta * direction
        elif mode == 1:
            x = x + eta * direction
        else:
            x = (1.0 - weight_decay * eta) * x + eta * direction
    return out


@dataclass(frozen=True)
class SCGRun(MonteCarlo):
    """:class:`batchlab.sim.montecarlo.MonteCarlo` of f(x) − f* (nan from the step a replicate diverged).

    ``tokens``: the tokens consumed by each of ``steps`` (runs through stages; None for one stage).
    """

    tokens: np.ndarray | None = None


SCHEDULES = ("constant", "warmdown")  # of the Frank-Wolfe step β (beta_schedule)


def beta_schedule(beta: float, iterations: int, schedule: str = "constant", warmdown: float = 0.28) -> np.ndarray:
    """The step sizes β_k, k = 0..K−1.

    Constant (the theory's β = c/K), or the experiments' linear warmdown over the last ``warmdown`` of the run (β
    for k < K − m, then β(K − k)/m, m = round(warmdown·K)).
    """
    betas = np.full(iterations, beta)
    if schedule == "warmdown":
        m = max(1, round(warmdown * iterations))
        k = np.arange(iterations)
        betas = np.where(k < iterations - m, beta, beta * (iterations - k) / m)
    elif schedule not in SCHEDULES:
        raise errors.InvalidParameter("schedule", " or ".join(repr(name) for name in SCHEDULES), schedule)
    return betas


def noise_sigma(sigma_star: float, batch: int, seq: int, correlation: float = 0.0) -> float:
    """σ of a batch of B sequences of S tokens: σ² = σ*²(ϱ/B + (1 − ϱ)/(BS)).

    The token noises are √ϱ·u_b + √(1 − ϱ)·v_{b,s} (u_b shared by the tokens of sequence b, every u and v independent
    with E‖·‖₂² = σ*²). ϱ = 0 is the paper's σ*²/(BS); with ϱ > 0, B·S tokens are worth only BS/(1 + ϱ(S − 1))
    independent ones.
    """
    return sigma_star * math.sqrt(correlation / batch + (1.0 - correlation) / (batch * seq))


SECONDS_PER_UNIT = 1e-8
"""One unit of a replicate's step (:func:`step_work`) on one core of the 2-core reference machine
(benchmarks/estimates.py measures it)."""


def step_work(problem: SCGProblem, settings: "SCGSettings", *, batch: int, seq: int) -> float:
    """The work of one step, in units of a coordinate's.

    O(d) for a quadratic, O(n·d) for a separable problem's full gradient (O(B·S·d) drawing B·S examples), and
    O(d_out·d_in·min(d_out, d_in)) for a spectral LMO.
    """
    work = float(problem.dim)
    if isinstance(problem, SeparableProblem):
        draws = batch * seq if settings.sampling == "finite-sum" else problem.examples.shape[0]
        work *= 1 + draws
    if problem.shape is not None and settings.lmo.startswith("spectral") and settings.algorithm != "sgd":
        work *= 1 + min(problem.shape) * (0.3 if settings.lmo == "spectral-ns" else 1.0)  # measured at 16 x 16
    return work


def estimated_seconds(problem: SCGProblem, settings: "SCGSettings", *, batch: int, seq: int, iterations: int,
                      reps: int, workers: int = 1) -> float:
    """Seconds for ``reps`` replicates of ``iterations`` steps on ``workers`` threads (:func:`step_work`)."""
    per_step = step_work(problem, settings, batch=batch, seq=seq)
    return replicates_seconds(SECONDS_PER_UNIT * per_step * iterations, reps, workers)


ALGORITHMS = ("scg", "uscg", "muon", "sgd")
SAMPLINGS = ("gaussian", "finite-sum")
M0 = ("fresh", "zero")
RESETS = ("none", "momentum")


def _choice(name, value, allowed):
    if value not in allowed:
        raise errors.InvalidParameter(name, " or ".join(repr(a) for a in allowed), value)
    return value


@dataclass(frozen=True, kw_only=True)
class SCGSettings(JSONResult):
    """How a run of Algorithm 1 or 2 is made, apart from its budget: what every SCG function takes as one object.

    ``alpha``: the momentum weight α ∈ (0, 1]; ``radius``: η > 0 (the LMO's radius; uSCG's step length);
    ``lmo``: a name of :data:`batchlab.sim.scg.NORMS` the problem has; ``sigma_star``: σ* ≥ 0, the per-token noise
    scale (:func:`noise_sigma`); ``correlation``: ϱ ∈ [0, 1] between the tokens of one sequence; ``sampling``:
    'gaussian' or 'finite-sum' (separable problems); ``m0``: 'fresh' (m_0 = g(x_0; ξ_0), the theorem's) or 'zero'
    (Scion's code); ``algorithm``: 'scg' (Algorithm 1), 'uscg' (Algorithm 2), 'muon' (decoupled weight decay
    ``weight_decay`` λ ≥ 0 at learning rate η = ``radius``; the bounds need λη ≤ 1) or 'sgd' (Muon's update without
    the LMO: SGD with momentum, ``lmo`` unused); ``nesterov``: the look-ahead
    direction lmo((1 − α)m + αg). The batch size, sequence length, token budget and β vary within an experiment and
    are the functions' own arguments.
    """

    # Each field's help is what the command line shows for its flag (batchlab._cli_common.add_fields); choices
    # name the tuples the values are checked against.
    alpha: float = field(metadata=dict(help="momentum weight alpha in (0, 1] (1: no averaging)"))
    radius: float = field(metadata=dict(help="LMO radius eta (uSCG's step length; Muon's and sgd's learning rate)"))
    lmo: str = field(default="l2", metadata=dict(
        choices=tuple(NORMS), help="unit-ball LMO: l2, linf (sign) or l1 (vector problems); spectral (SVD), "
                                   "spectral-ns (5 Newton-Schulz steps), l2 or linf (entrywise sign) (matrix problem)"))
    sigma_star: float = field(default=1.0, metadata=dict(help="noise per token sigma*"))
    correlation: float = field(default=0.0, metadata=dict(help="noise correlation of the tokens of one sequence, "
                                                               "in [0, 1]"))
    sampling: str = field(default="gaussian", metadata=dict(
        choices=SAMPLINGS, help="noise model (finite-sum: separable problems only)"))
    m0: str = field(default="fresh", metadata=dict(
        choices=M0, help="momentum start: fresh gradient (theory) or 0 (Scion)"))
    algorithm: str = field(default="scg", metadata=dict(
        choices=ALGORITHMS, help="Algorithm 1, 2, Muon with decoupled weight decay (X <- (1 - wd lr) X + lr lmo, "
                                 "lr = radius), or sgd (the same update with -momentum for the LMO's direction)"))
    weight_decay: float = field(default=0.0, metadata=dict(help="Muon's decoupled weight decay lambda >= 0"))
    nesterov: bool = field(default=False, metadata=dict(help="Nesterov look-ahead direction "
                                                              "lmo((1 - alpha) m + alpha g)"))

    def __post_init__(self):
        errors.real("alpha", self.alpha, gt=0, le=1)
        errors.real("radius", self.radius, gt=0)
        errors.real("sigma_star", self.sigma_star, ge=0)
        errors.real("correlation", self.correlation, ge=0, le=1)
        if self.lmo not in NORMS:
            raise errors.InvalidParameter("lmo", "one of " + ", ".join(NORMS), self.lmo)
        _choice("sampling", self.sampling, SAMPLINGS)
        _choice("m0", self.m0, M0)
        _choice("algorithm", self.algorithm, ALGORITHMS)
        errors.real("weight_decay", self.weight_decay, ge=0)
        if self.weight_decay > 0 and self.algorithm not in ("muon", "sgd"):
            raise errors.InvalidParameter("weight_decay", "0 unless algorithm is 'muon' or 'sgd' (Algorithm 1's "
                                                          "constraint is its weight decay)", self.weight_decay)
        if not isinstance(self.nesterov, bool):
            raise errors.InvalidParameter("nesterov", "True or False", self.nesterov)

    def replace(self, **changes) -> "SCGSettings":
        """These settings with ``changes`` (validated again)."""
        return dataclasses.replace(self, **changes)

    def theorem_conditions_broken(self, schedule: str = "constant") -> list[str]:
        """What of Theorem 1's setting these choices leave (with a β ``schedule``): empty inside it."""
        return [condition for condition, ok in (("constant beta", schedule == "constant"),
                                                ("m0 a fresh gradient", self.m0 == "fresh"),
                                                ("algorithm 1 (scg)", self.algorithm == "scg"),
                                                ("Gaussian noise of known sigma", self.sampling == "gaussian"))
                if not ok]


@dataclass(frozen=True)
class Stage(JSONResult):
    """A stretch of constant settings.

    ``tokens`` tokens in steps of B = ``batch`` sequences of S = ``seq`` tokens, FW step β = ``beta`` (constant, or
    the linear warmdown of :func:`beta_schedule` over this stage).
    """

    batch: int
    seq: int
    tokens: int
    beta: float
    schedule: str = "constant"

    @property
    def iterations(self) -> int:
        return self.tokens // (self.batch * self.seq)

    def checked(self) -> tuple[int, int, int, float]:
        """(B, S, K, β), validated: B, S ≥ 1, T ≥ B·S (K = T // (B·S) steps), β ∈ (0, 1]."""
        batch, seq = errors.integer("batch", self.batch), errors.integer("seq", self.seq)
        iterations = errors.integer("tokens", self.tokens, ge=batch * seq) // (batch * seq)
        return batch, seq, iterations, errors.real("beta", self.beta, gt=0, le=1)


def _kernel_args(problem: SCGProblem, settings: SCGSettings, stages: list, *, x0=None, reset: str = "none") -> tuple:
    """Validate, and lay the stages out step by step.

    (the arguments of :func:`_replicate` after ``rng`` and before ``record_at``, the number of steps K).
    """
    if not isinstance(settings, SCGSettings):
        raise errors.InvalidParameter("settings", "an SCGSettings", type(settings).__name__)
    lmo, sampling, correlation = problem.check_norm(settings.lmo), settings.sampling, settings.correlation
    _choice("reset", reset, RESETS)
    if sampling == "finite-sum" and (problem.kind == 0 or correlation > 0):
        raise errors.InvalidParameter("sampling", "'gaussian' for quadratic problems and correlated tokens",
                                      sampling)
    betas, sigmas, draws, resets = [], [], [], []
    for stage in stages:
        batch, seq, iterations, beta = stage.checked()
        errors.fits_in_memory("tokens", stage.tokens, 25 * iterations)  # β, σ and draws (8 bytes), reset (1)
        betas.append(beta_schedule(beta, iterations, stage.schedule))
        sigmas.append(np.full(iterations, noise_sigma(settings.sigma_star, batch, seq, correlation)))
        draws.append(np.full(iterations, batch * seq if sampling == "finite-sum" else 0, dtype=np.int64))
        resets.append(np.zeros(iterations, dtype=np.bool_))
        resets[-1][0] = len(resets) == 1 or reset == "momentum"
    x0 = np.zeros(problem.dim) if x0 is None else errors.vector("x0", x0, length=problem.dim)
    examples = getattr(problem, "examples", np.empty((0, problem.dim)))
    betas = np.concatenate(betas)
    return (problem.kind, problem.a, problem.x_star, examples, np.sqrt(problem.noise), x0, LMO_CODES[lmo],
            (problem.shape or (1,))[0], np.concatenate(sigmas), np.concatenate(draws), np.concatenate(resets), betas,
            float(settings.alpha), float(settings.radius), settings.m0 == "fresh",
            ALGORITHMS.index(settings.algorithm), float(settings.weight_decay), settings.nesterov), betas.size


def _record_at(steps, iterations: int) -> np.ndarray:
    record_at = np.array([iterations] if steps is None else sorted(steps), dtype=np.int64)
    if record_at.size == 0 or record_at[0] < 0 or record_at[-1] > iterations:
        raise errors.InvalidParameter("steps", f"step counts in [0, {iterations}]", list(record_at))
    return record_at


def _simulate(problem: SCGProblem, settings: SCGSettings, stages: list, *, steps=None, reps: int, seed: int, workers,
              **layout):
    """``reps`` replicates of :func:`_replicate` through ``stages``: (record_at, values)."""
    args, iterations = _kernel_args(problem, settings, stages, **layout)
    record_at, none = _record_at(steps, iterations), np.empty((0, problem.dim))

    one = replicate(_replicate, *args, record_at, none, none)
    values = np.array(map_replicates(one, replicate_rngs(errors.integer("seed", seed, ge=0),
                                                         errors.integer("reps", reps, ge=2)), workers))
    return record_at, values


def scg_monte_carlo(problem: SCGProblem, settings: SCGSettings, *, batch: int, seq: int = 1, tokens: int, beta: float,
                    schedule: str = "constant", x0=None, steps=None, reps: int = 100, seed: int = 0,
                    workers: Workers = None) -> SCGRun:
    """``reps`` runs of K = tokens // (batch·seq) iterations; f(x) − f* at ``steps`` (default: the last iterate).

    Noise: Gaussian of variance :func:`noise_sigma` ² (``settings.correlation`` ϱ between the tokens of one sequence),
    or ``settings.sampling="finite-sum"``: the mean gradient of B·S examples drawn with replacement (separable
    problems). ``x0`` defaults to 0.
    """
    record, values = _simulate(problem, settings, [Stage(batch, seq, tokens, beta, schedule)], x0=x0, steps=steps,
                               reps=reps, seed=seed, workers=workers)
    return SCGRun(record, values, seed)


def scg_stages(problem: SCGProblem, settings: SCGSettings, stages: list, *, reset: str = "none", points: int = 40,
               reps: int = 100, seed: int = 0, workers: Workers = None) -> SCGRun:
    """Runs through consecutive :class:`Stage` s (a batch-size, sequence-length and step schedule.

    The sequence length matters apart from B·S through ``settings.correlation``, see :func:`noise_sigma`): at a
    stage boundary the iterate carries over, and the momentum buffer too (``reset="none"``) or it restarts as at
    step 0 (``"momentum"``; the paper does not say what a restart resets). f(x) − f* at about ``points`` steps per
    stage, evenly spaced, and at every boundary; ``SCGRun.tokens`` gives the tokens consumed at each.
    """
    stages = list(stages)
    if not stages:
        raise errors.InvalidParameter("stages", "at least one Stage", stages)
    points = errors.integer("points", points)
    record, start = {0}, 0
    for stage in stages:
        record |= {start + round(j * stage.iterations / points) for j in range(1, points + 1)}
        start += stage.iterations
    steps, values = _simulate(problem, settings, stages, reset=reset, steps=record, reps=reps, seed=seed,
                              workers=workers)
    consumed = np.concatenate([[0], np.cumsum(np.concatenate([np.full(s.iterations, s.batch * s.seq)
                                                              for s in stages]))])
    return SCGRun(steps, values, seed, consumed[steps])


def scg_trajectory(problem: SCGProblem, settings: SCGSettings, *, batch: int, seq: int = 1, tokens: int, beta: float,
                   seed: int = 0):
    """One run (constant β, x_0 = 0): its iterates, stochastic gradients and suboptimality.

    Iterates x_0..x_K, the stochastic gradients g(x_k; ξ_k) of steps 0..K−1, and f(x_k) − f* for k = 0..K
    (replicate 0 of ``seed``, as in :func:`scg_monte_carlo`).
    """
    args, iterations = _kernel_args(problem, settings, [Stage(batch, seq, tokens, beta)])
    xs, gs = np.empty((iterations + 1, problem.dim)), np.empty((iterations, problem.dim))
    (rng,) = replicate_rngs(errors.integer("seed", seed, ge=0), 1)
    _replicate(rng, *args, _record_at(None, iterations), xs, gs)
    return xs, gs, problem.value(xs)
